"""The pure planner: items + roadmap + managed fields + ownership -> a :class:`Plan`.

No I/O, no clock, no environment. Three phases in plain sight:

1. :func:`compute_pins` reads the theme tags that *people* set;
2. the mapping layer assigns every item a theme (``roadsync.mappings.engine.assign``);
3. :func:`judge_item` derives the desired value of each managed field and asks the one ownership
   decision (:mod:`roadsync.sync.ownership`: :meth:`Ledger.verdict`, :func:`decide`) whether to
   write it and what to report; :func:`plan_changes` collects the writes, drift the findings.

Ownership (design.md, "never clobber") is evidence passed in as a :class:`Ledger`: what the
trackers hold (markers read with the items, history fetched on demand) and the state cache.

* roadsync never wrote the field: ``enforce`` writes when the value differs, ``fill`` only when
  empty, ``report`` never;
* roadsync wrote the current value and nobody changed it since: kept up to date (``enforce`` and
  ``fill``);
* a person set it: not overwritten (``manual_override`` drift) unless the field says
  ``override = true`` on a policy that writes.

A theme tag a person set is a pin, also when it names an alias of the theme it pins: it is
never rewritten to the canonical id. Only open items get writes (a write to a closed item wakes
people for nothing). A change is emitted only when the value differs: no-op writes are never
planned. Where tracker evidence is fetched on demand and not yet asked for, a tag is provisionally
not a pin; the fields whose decision needs that evidence come back in :attr:`Judged.wanted`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from roadsync.changes import FieldChange
from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.explain import decision_chain
from roadsync.mappings.roadmap import Roadmap, Theme
from roadsync.sync.fields import MANAGED_FIELDS, Current, current_value, field_target, to_native, to_roadmap
from roadsync.sync.ownership import Decision, Ledger, Pair, Verdict, decide
from roadsync.targets import kind_of

__all__ = [
    "Judged",
    "Judgement",
    "Written",
    "as_ledger",
    "compute_pins",
    "desired_value",
    "judge_item",
    "plan_changes",
    "plan_item",
]

Written = Mapping[tuple[str, str], "str | None"]
"""Cached records only: the value roadsync last wrote per ``(item key, field)`` (tests, tools)."""


def as_ledger(evidence: Ledger | Written) -> Ledger:
    """The evidence as a :class:`Ledger` (a plain mapping of written values is a cache-only one)."""
    return evidence if isinstance(evidence, Ledger) else Ledger.from_written(evidence)


def target_for(fields: FieldsConfig, name: str, item: Item) -> tuple[ManagedField, FieldTarget] | None:
    """The managed field and its target in the item's tracker, or ``None`` if unmanaged there."""
    return field_target(fields, name, item.source)


def compute_pins(
    items: Iterable[Item], fields: FieldsConfig, evidence: Ledger | Written, roadmap: Roadmap | None = None
) -> dict[str, str]:
    """Theme tags that a person put on an item: item key -> theme id (or alias, or unknown id).

    With ``roadmap``, a tag names a theme as its tracker compares values (GitHub's ``Theme/Infra``
    is ``theme/infra``), so a pin in another case lands on the theme rather than being unknown.

    A tag is a pin unless roadsync wrote it (:meth:`Ledger.verdict`). Where the tracker's evidence
    is fetched on demand and was not read, the tag is not taken for a pin: if that matters, the
    field differs from the roadmap, and the planner asks for the evidence and plans again (offline
    verbs use what was fetched before, so they tell what the last plan did).
    """
    ledger = as_ledger(evidence)
    pins: dict[str, str] = {}
    for item in items:
        found = target_for(fields, "theme", item)
        if found is None or ledger.unread(item, "theme"):
            continue
        _, target = found
        current = current_value(item, target)
        verdict = ledger.verdict(item, "theme", target, current)
        if not current.ambiguous and verdict.owner in ("roadsync", "unsettled"):
            continue
        kind = kind_of(target)
        ours = verdict.last.value if verdict.last is not None else None
        values = current.ambiguous or ((current.value,) if current.value is not None else ())
        for native in values:
            if current.ambiguous and ours is not None and kind.same(item, native, ours):
                continue
            theme_id = to_roadmap("theme", target, native)
            if theme_id:
                named = _theme_named(roadmap, theme_id, item, target, native) if roadmap else theme_id
                pins[item.key] = named
                break
    return pins


def undecided_themes(
    items: Iterable[Item],
    fields: FieldsConfig,
    evidence: Ledger | Written,
    assignments: Mapping[str, Assignment],
) -> frozenset[str]:
    """Items whose theme a plan cannot know: a theme tag whose history was not read and cannot be
    asked for (offline; it may be a person's pin, which :func:`compute_pins` cannot tell), and
    every item whose theme passes through one of them by parents or links
    (:func:`~roadsync.mappings.explain.decision_chain`). Empty unless the plan is offline (online,
    the planner reads that history)."""
    ledger = as_ledger(evidence)
    if not ledger.offline:
        return frozenset()
    by_key = {item.key: item for item in items}
    undecided: set[str] = set()
    for item in by_key.values():
        found = target_for(fields, "theme", item) if ledger.unread(item, "theme") else None
        current = current_value(item, found[1]) if found is not None else None
        if current is not None and (current.value is not None or current.ambiguous):
            undecided.add(item.key)
    if not undecided:
        return frozenset()
    return frozenset(key for key in assignments if key in by_key
                     and not undecided.isdisjoint(decision_chain(key, by_key, assignments)))  # fmt: skip


def _theme_named(roadmap: Roadmap, tag: str, item: Item, target: FieldTarget, native: str) -> str:
    """The roadmap id or alias a tag names: itself when the roadmap knows it, else the one whose tag
    the tracker takes for the same value (GitHub label names ignore case)."""
    if roadmap.resolve(tag) is not None:
        return tag
    kind = kind_of(target)
    names = (name for theme in roadmap.themes for name in (theme.id, *theme.aliases))
    return next((n for n in names if kind.same(item, to_native("theme", target, n), native)), tag)


def desired_value(
    name: str, assignment: Assignment, theme: Theme | None, fields: FieldsConfig
) -> tuple[bool, str | None]:
    """The roadmap value a managed field should have: ``(managed_here, value)``.

    ``managed_here`` is False when roadsync has no opinion (an unaligned item's priority,
    unless ``unaligned_priority`` is set; the priority of work on a retired or paused theme).
    """
    if name == "theme":
        return True, assignment.theme
    if name == "alignment":
        return True, assignment.alignment
    if theme is None:
        return (True, fields.unaligned_priority) if fields.unaligned_priority else (False, None)
    if theme.status != "active":
        return False, None
    return True, theme.priority


@dataclass(frozen=True)
class Judgement:
    """One managed field of one item: its value now, the roadmap's, whose it is, what to do."""

    name: str
    current: Current
    desired: str | None
    same: bool
    verdict: Verdict
    decision: Decision
    change: FieldChange | None = None


@dataclass
class Judged:
    """Every judgement of a plan: the changes to write, the ownership findings to report, the
    fields whose decision waits for tracker evidence not fetched yet (:attr:`wanted`), and the
    items with a value whose owner is ``unsettled`` (a lagging read; judged again next run)."""

    changes: list[FieldChange] = field(default_factory=list)
    findings: dict[str, dict[str, str]] = field(default_factory=dict)
    """Item key -> managed field name -> the ownership decision's finding (a person's value)."""
    wanted: set[Pair] = field(default_factory=set)
    unsettled: set[str] = field(default_factory=set)


def _same(name: str, item: Item, target: FieldTarget, roadmap: Roadmap, current: Current,
          desired: str | None) -> bool:  # fmt: skip
    """Whether the field already holds the roadmap's value: the same tracker value, or a theme tag
    naming the same theme (an alias pins the canonical theme, and is not rewritten)."""
    if current.ambiguous:
        return False
    if kind_of(target).same(item, current.value, desired):
        return True
    if name != "theme" or current.value is None or desired is None:
        return False
    have, want = (roadmap.resolve(to_roadmap(name, target, v) or "") for v in (current.value, desired))
    return have is not None and have is want


def judge_item(
    item: Item, assignment: Assignment, roadmap: Roadmap, fields: FieldsConfig, ledger: Ledger
) -> list[Judgement]:
    """Each managed field of one open item: whose value it is and what the plan does about it."""
    if not item.is_open:
        return []
    theme = roadmap.resolve(assignment.theme) if assignment.theme else None
    judged: list[Judgement] = []
    for name in MANAGED_FIELDS:
        found = target_for(fields, name, item)
        if found is None:
            continue
        managed, target = found
        managed_here, value = desired_value(name, assignment, theme, fields)
        writable = managed_here and not (name == "theme" and assignment.unknown_pin)
        current = current_value(item, target)
        desired = to_native(name, target, value) if writable else current.value
        same = _same(name, item, target, roadmap, current, desired)
        verdict = ledger.verdict(item, name, target, current)
        decision = decide(managed, name, current, desired, same, verdict)
        change = None
        if decision.write and writable:
            reason = f"{name} {value or 'none'} from {assignment.reason or 'no theme'} ({decision.reason})"
            change = FieldChange(item.key, name, current.value, desired, reason, assignment.rule)
        judged.append(Judgement(name, current, desired, same, verdict, decision, change))
    return judged


def plan_item(
    item: Item, assignment: Assignment, roadmap: Roadmap, fields: FieldsConfig, evidence: Ledger | Written
) -> list[FieldChange]:
    """The changes one open item needs, one per managed field that differs."""
    judged = judge_item(item, assignment, roadmap, fields, as_ledger(evidence))
    return [j.change for j in judged if j.change is not None]


def plan_changes(
    items: Sequence[Item],
    assignments: Mapping[str, Assignment],
    roadmap: Roadmap,
    fields: FieldsConfig,
    evidence: Ledger | Written,
    only: Collection[str] | None = None,
) -> Judged:
    """Every change the plan holds, every ownership finding, and the evidence still wanted;
    ``only`` restricts writes and wants to those item keys (findings cover every open item)."""
    ledger = as_ledger(evidence)
    result = Judged()
    for item in items:
        for judgement in judge_item(item, assignments[item.key], roadmap, fields, ledger):
            pair = (item.key, judgement.name)
            if judgement.decision.finding is not None:
                result.findings.setdefault(item.key, {})[judgement.name] = judgement.decision.finding
            if judgement.verdict.owner == "unsettled":
                result.unsettled.add(item.key)
            if only is not None and item.key not in only:
                continue
            # Several values (theme tags) are unsure too: which one is roadsync's is what the
            # tracker's evidence answers (the others are a person's pin).
            unsure = judgement.current.ambiguous or not judgement.same
            if unsure and ledger.wants(item, judgement.name, judgement.verdict):
                result.wanted.add(pair)
            if judgement.change is not None:
                result.changes.append(judgement.change)
    return result

