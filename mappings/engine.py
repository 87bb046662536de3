"""Assign every item one primary theme (or none), by the precedence of design.md. Pure.

Precedence, first that applies:

1. **pin**: the theme tag a person set on the item (``pins[key]``), when ``Roadmap.resolve``
   knows it as a theme id or alias (an alias lands on the current theme). A tag the roadmap
   does not define is kept as ``unknown_pin`` and the item falls through to the next steps.
2. **rule**: the item's own rule matches (see :mod:`roadsync.mappings.rules`): the highest-priority
   matching theme, ties by file order; the other matching themes become ``secondary``.
3. **parent**: the theme the nearest ancestor decided by pin or rule (walking parent/epic
   links up; an ancestor outside the item set ends the walk; a cycle yields nothing).
4. **link**: a linked item's own pin/rule/parent theme (never link-of-link). Links count in
   both directions (an item is linked to every key in its ``links`` and to every item that
   lists it). Among several, the highest theme priority wins, then the smaller linked key.
5. **none**: unaligned.

Alignment: a retired or paused theme gives ``retired``/``paused`` whatever the step (such
themes still match, so their open work shows up as drift); else ``aligned`` for pin/rule,
``inherited`` for parent/link, ``unaligned`` for none.

The result depends on the set of items, not their order, nor on the order of the roadmap's
``themes`` tuple (only ``Theme.order`` counts). Item keys must be unique.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from roadsync.connectors.model import Item
from roadsync.heap import acyclic
from roadsync.mappings.assignment import Assignment, Step, build_assignment
from roadsync.mappings.roadmap import Alignment, Roadmap, Theme
from roadsync.mappings.rules import Rule, Ruleset, compile_roadmap

__all__ = ["assign", "index_items"]


class _Decision(NamedTuple):
    """A theme an item got by pin or rule (or passed on from a parent): what others inherit.

    A NamedTuple rather than a frozen dataclass: one is built per decided item, and tuples
    build several times faster.
    """

    theme: Theme
    step: Step
    rule: str
    reason: str


def index_items(items: Iterable[Item]) -> dict[str, Item]:
    """Items by key; raise ValueError on a duplicate key (the mirror holds each key once)."""
    by_key: dict[str, Item] = {}
    for item in items:
        if item.key in by_key:
            raise ValueError(f"duplicate item key {item.key!r}")
        by_key[item.key] = item
    return by_key


def assign(
    items: Sequence[Item], roadmap: Roadmap, pins: Mapping[str, str] | None = None
) -> dict[str, Assignment]:
    """Map every item to its primary theme, with the step, rule and reason; keys sorted."""
    with acyclic():  # ~10 small objects per item, none freed until the end
        return _assign(items, roadmap, pins)


def _assign(items: Sequence[Item], roadmap: Roadmap, pins: Mapping[str, str] | None) -> dict[str, Assignment]:
    by_key = index_items(items)
    ruleset = compile_roadmap(roadmap)
    own, secondary, unknown = _own_decisions(by_key, ruleset, roadmap, pins or {})
    deciders = _inherited(by_key, own)
    # parent and link decisions (link only for items without a deciding ancestor: disjoint)
    later = {key: _from_parent(key, decider, by_key, own) for key, decider in deciders.items() if decider}
    later.update(_linked(by_key, own, deciders, roadmap))
    extra = {key: (secondary.get(key, ()), unknown.get(key)) for key in secondary.keys() | unknown.keys()}
    return {key: _assignment(key, own.get(key) or later.get(key), extra.get(key)) for key in sorted(by_key)}


def _own_decisions(
    by_key: Mapping[str, Item], ruleset: Ruleset, roadmap: Roadmap, pins: Mapping[str, str]
) -> tuple[dict[str, _Decision], dict[str, tuple[str, ...]], dict[str, str]]:
    """Pin and rule decisions per item, secondary themes, and pins to unknown themes."""
    own: dict[str, _Decision] = {}
    secondary: dict[str, tuple[str, ...]] = {}
    unknown: dict[str, str] = {}
    matcher = ruleset.matcher(by_key)
    for key, item in by_key.items():
        found = matcher.match(item)
        tag = pins.get(key) if pins else None
        if tag:
            pinned = roadmap.resolve(tag)
            if pinned is None:
                unknown[key] = tag
            else:
                own[key] = _pin(pinned, tag)
        if found:
            matched, facts = found
            first = matched[0]
            decided = own.get(key)
            if decided is None:
                decided = own[key] = _Decision(first.theme, "rule", first.id, matcher.reason(first, facts))
            if len(matched) > 1 or first.theme is not decided.theme:
                secondary[key] = _themes_after(matched, decided.theme.id)
    return own, secondary, unknown


def _pin(theme: Theme, tag: str) -> _Decision:
    via = "" if tag == theme.id else f" (an alias of `{theme.id}`)"
    return _Decision(theme, "pin", f"pin:{tag}", f"theme tag `{tag}`{via} was set by hand")


def _themes_after(matched: Sequence[Rule], primary: str) -> tuple[str, ...]:
    """The other matching themes, in precedence order, each once."""
    seen = {primary}
    ordered: list[str] = []
    for rule in matched:
        if rule.theme.id not in seen:
            seen.add(rule.theme.id)
            ordered.append(rule.theme.id)
    return tuple(ordered)


def _inherited(by_key: Mapping[str, Item], own: Mapping[str, _Decision]) -> dict[str, str | None]:
    """For items without a decision of their own: the nearest deciding ancestor, or None.

    Each item is walked once (results are memoised along the path), so a long chain costs
    linear time; a walk that comes back to a key on its own path is a cycle: nothing.
    """
    memo: dict[str, str | None] = {}
    for start, item in by_key.items():
        if item.parent is None or start in own or start in memo:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        current = start
        found: str | None = None
        while True:
            path.append(current)
            on_path.add(current)
            parent = by_key[current].parent
            if parent is None or parent not in by_key or parent in on_path:
                break
            if parent in own:
                found = parent
                break
            if parent in memo:
                found = memo[parent]
                break
            current = parent
        for key in path:
            memo[key] = found
    return memo


_VIA_SHOWN = 4  # intermediate keys a reason names; explain() gives the whole chain


def _via(key: str, decider: str, by_key: Mapping[str, Item]) -> list[str]:
    """Up to _VIA_SHOWN keys between ``key`` and ``decider`` (then "…"): O(1) per item."""
    via: list[str] = []
    current = by_key[key].parent
    while current is not None and current != decider:
        if len(via) == _VIA_SHOWN:
            via.append("…")
            break
        via.append(current)
        current = by_key[current].parent
    return via


def _from_parent(
    key: str, decider: str, by_key: Mapping[str, Item], own: Mapping[str, _Decision]
) -> _Decision:
    source = own[decider]
    via = _via(key, decider, by_key)
    noun = "epic" if by_key[decider].kind == "epic" else "ancestor" if via else "parent"
    through = f" via {' → '.join(via)}" if via else ""
    reason = f"inherited theme `{source.theme.id}` from {noun} {decider}{through} ({source.reason})"
    return _Decision(source.theme, "parent", f"parent:{decider}", reason)


def _linked(
    by_key: Mapping[str, Item],
    own: Mapping[str, _Decision],
    deciders: Mapping[str, str | None],
    roadmap: Roadmap,
) -> dict[str, _Decision]:
    """Link decisions for items that have neither their own nor a parent's theme."""
    neighbours: dict[str, set[str]] = {}
    for item in by_key.values():
        for other in item.links:
            if other in by_key and other != item.key:
                neighbours.setdefault(item.key, set()).add(other)
                neighbours.setdefault(other, set()).add(item.key)
    result: dict[str, _Decision] = {}
    for key, others in neighbours.items():
        if key in own or deciders.get(key):
            continue
        offers = [(other, _base(other, by_key, own, deciders)) for other in others]
        usable = [(roadmap.rank(d.theme.priority), other, d) for other, d in offers if d is not None]
        if usable:
            _, other, source = min(usable, key=lambda offer: (offer[0], offer[1]))
            reason = f"inherited theme `{source.theme.id}` from linked item {other} ({source.reason})"
            result[key] = _Decision(source.theme, "link", f"link:{other}", reason)
    return result


def _base(
    key: str, by_key: Mapping[str, Item], own: Mapping[str, _Decision], deciders: Mapping[str, str | None]
) -> _Decision | None:
    """An item's pin/rule/parent decision: what it can pass on over a link."""
    if key in own:
        return own[key]
    decider = deciders.get(key)
    return _from_parent(key, decider, by_key, own) if decider else None


_STEP_ALIGNMENT: dict[Step, Alignment] = {
    "pin": "aligned", "rule": "aligned", "parent": "inherited", "link": "inherited", "none": "unaligned",
}  # fmt: skip


_NOTHING_ELSE: tuple[tuple[str, ...], None] = ((), None)


def _assignment(
    key: str, decision: _Decision | None, extra: tuple[tuple[str, ...], str | None] | None
) -> Assignment:
    """The item's Assignment; ``extra`` is its secondary themes and unknown pin, None for neither."""
    secondary, unknown_pin = extra or _NOTHING_ELSE
    note = f"; theme tag `{unknown_pin}` is not on the roadmap" if unknown_pin else ""
    if decision is None:
        reason = f"no pin, rule, parent or linked item maps {key} to a theme{note}"
        return build_assignment(key, None, "unaligned", "none", None, reason, secondary, unknown_pin)
    theme = decision.theme
    alignment: Alignment = theme.status if theme.status != "active" else _STEP_ALIGNMENT[decision.step]
    return build_assignment(
        key, theme.id, alignment, decision.step, decision.rule, decision.reason + note, secondary, unknown_pin
    )
