"""Evaluate compiled rules against the items of one set: item facts, ancestry, candidates.

The hot path of mapping lives here. :class:`ItemFacts` holds what conditions look at, computed
on first use; :class:`Matcher` finds candidate rules through the ruleset's index (one
dictionary probe per item value) and evaluates only those.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from roadsync.connectors.model import Item

if TYPE_CHECKING:
    from roadsync.mappings.rules import Rule, Ruleset

MAX_DEPTH = 100
"""How many levels up ``parents``/``epics`` conditions look (GitHub nests sub-issues 8 deep)."""

__all__ = ["MAX_DEPTH", "Ancestry", "ItemFacts", "Matcher"]


def fold(values: Iterable[str]) -> frozenset[str]:
    return frozenset(map(str.casefold, values))


EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ancestry:
    """An item's ancestors, nearest first; ``epics`` are those that are (or may be) epics."""

    keys: tuple[str, ...] = ()
    epics: tuple[str, ...] = ()
    folded: frozenset[str] = EMPTY
    epics_folded: frozenset[str] = EMPTY

    @classmethod
    def walk(cls, parent: str, by_key: Mapping[str, Item], exclude: str | None = None) -> Ancestry:
        """Walk up from ``parent`` (included) at most MAX_DEPTH levels, stopping at a cycle."""
        seen = {exclude, parent}
        keys = [parent]
        node = by_key.get(parent)
        epics = [parent] if node is None or node.kind == "epic" else []
        while node is not None and node.parent and node.parent not in seen and len(keys) < MAX_DEPTH:
            seen.add(node.parent)
            keys.append(node.parent)
            node = by_key.get(node.parent)
            if node is None or node.kind == "epic":
                epics.append(keys[-1])
        return cls(tuple(keys), tuple(epics), fold(keys), fold(epics))


_NO_ANCESTRY = Ancestry()


class ItemFacts:
    """The normalized values of one item that conditions look at, each computed on first use.

    ``None`` marks a value not computed yet: items that no rule could match cost almost nothing.
    """

    __slots__ = ("_ancestry", "_components", "_labels", "_text_hits", "_title_hits", "item", "matcher")

    def __init__(self, item: Item, matcher: Matcher) -> None:
        self.item = item
        self.matcher = matcher
        self._labels: frozenset[str] | None = None
        self._components: frozenset[str] | None = None
        self._ancestry: Ancestry | None = None
        self._title_hits: Sequence[int] | None = None
        self._text_hits: Sequence[int] | None = None

    @property
    def labels(self) -> frozenset[str]:
        if self._labels is None:
            self._labels = fold(self.item.labels) if self.item.labels else EMPTY
        return self._labels

    @property
    def components(self) -> frozenset[str]:
        if self._components is None:
            self._components = fold(self.item.components) if self.item.components else EMPTY
        return self._components

    @property
    def key(self) -> str:
        return self.item.key.casefold()

    @property
    def repo(self) -> str | None:
        return self.item.scope.casefold() if self.item.source == "github" else None

    @property
    def project(self) -> str | None:
        return self.item.scope.casefold() if self.item.source == "jira" else None

    @property
    def types(self) -> frozenset[str]:
        return frozenset((self.item.kind, (self.item.issue_type or self.item.kind).casefold()))

    @property
    def status(self) -> frozenset[str]:
        return frozenset((self.item.status.casefold(), self.item.status_category))

    @property
    def ancestry(self) -> Ancestry:
        if self._ancestry is None:
            self._ancestry = self.matcher.ancestry(self.item)
        return self._ancestry

    @property
    def ancestors(self) -> tuple[str, ...]:
        """Ancestor keys, nearest first (the parent key counts even when it is not in the set)."""
        return self.ancestry.keys

    @property
    def epics(self) -> tuple[str, ...]:
        """Ancestor keys that are epics, or whose kind is unknown (outside the item set)."""
        return self.ancestry.epics

    @property
    def title_hits(self) -> Sequence[int]:
        if self._title_hits is None:
            self._title_hits = self.matcher.ruleset.titles.hits(self.item.title)
        return self._title_hits

    @property
    def text_hits(self) -> Sequence[int]:
        if self._text_hits is None:
            self._text_hits = self.matcher.ruleset.texts.hits(self.text)
        return self._text_hits

    @property
    def text(self) -> str:
        return _text(self.item)


def _text(item: Item) -> str:
    """What ``text`` conditions search: the title, a newline and the body (just the title without one)."""
    return f"{item.title}\n{item.body}" if item.body else item.title


class Matcher:
    """Evaluates the rules for the items of one set; ancestry is cached per parent key."""

    def __init__(self, ruleset: Ruleset, by_key: Mapping[str, Item]) -> None:
        self.ruleset = ruleset
        self.by_key = by_key
        self._lineage: dict[str, Ancestry] = {}
        self._above: dict[str, tuple[int, ...]] = {}
        self._cut_short: dict[str, tuple[int, ...]] = {}
        index = ruleset.index
        self._labels, self._components = index.get("labels"), index.get("components")
        self._keys = index.get("keys")
        self._looks_up = bool(index.get("epics") or index.get("parents"))
        # Rule numbers by position in the leading title and text sets (see Ruleset.leading).
        self._leads = tuple(
            (name == "text", ruleset.leading[name].search, tuple(bucket[n] for n in range(len(bucket))))
            for name in ("title", "text")
            if (bucket := index.get(name))
        )
        # Index hits by the item's values as it spells them (a backlog repeats the same few
        # labels, scopes, types and statuses): one probe of a raw value, no casefold per item.
        self._by_label: dict[str, tuple[int, ...]] = {}
        self._by_component: dict[str, tuple[int, ...]] = {}
        self._by_shape: dict[tuple[str, str, str, str | None, str, str], tuple[int, ...]] = {}
        self._reasons: dict[tuple[object, ...], str] = {}

    def facts(self, item: Item) -> ItemFacts:
        return ItemFacts(item, self)

    def ancestry(self, item: Item) -> Ancestry:
        """The item's ancestors (cached per parent; an item on a cycle is not its own ancestor)."""
        parent = item.parent
        if not parent:
            return _NO_ANCESTRY
        lineage = self.ancestry_of(parent)
        if item.key in lineage.keys:
            return Ancestry.walk(parent, self.by_key, exclude=item.key)
        return lineage

    def ancestry_of(self, parent: str) -> Ancestry:
        """The ancestry of ``parent``'s children: ``parent`` and its ancestors, walked once."""
        lineage = self._lineage.get(parent)
        if lineage is None:
            lineage = self._lineage[parent] = Ancestry.walk(parent, self.by_key)
        return lineage

    def reason(self, rule: Rule, facts: ItemFacts) -> str:
        """``rule.reason(facts)``, said once per rule and item values it names (a backlog repeats
        the same labels, scopes and parents: most items reuse a sentence already made)."""
        key = (rule.id, *[shown(facts) for shown in rule.shown])
        said = self._reasons.get(key)
        if said is None:
            said = self._reasons[key] = rule.reason(facts)
        return said

    def match(self, item: Item) -> tuple[list[Rule], ItemFacts] | None:
        """The rules that match ``item`` in precedence order, with the facts they looked at;
        None when none does. An item the index offers no rule builds no facts."""
        found = self.candidates(item)
        if not found:
            return None
        facts = ItemFacts(item, self)
        matched = self._checked(found, facts)
        return (matched, facts) if matched else None

    def _checked(self, found: list[int], facts: ItemFacts) -> list[Rule]:
        """The candidates whose conditions hold. A candidate came from the index entry of its
        first condition, which therefore holds (index and check compare the same folded
        values): only the rest is evaluated."""
        rules = self.ruleset.rules
        matched: list[Rule] = []
        for number in found:
            rule = rules[number]
            for check in rule.rest:
                if not check(facts):
                    break
            else:
                matched.append(rule)
        return matched

    def candidates(self, item: Item) -> list[int]:
        """Rule numbers the index offers for this item (a superset of the matches), ascending.

        The hot path of mapping: written out flat, one dictionary probe per item value.
        """
        found: list[int] = []
        if self._labels is not None:
            for value in item.labels:
                hit = self._by_label.get(value)
                if hit is None:
                    hit = self._by_label[value] = self._labels.get(value.casefold(), ())
                found += hit
        if self._components is not None:
            for value in item.components:
                hit = self._by_component.get(value)
                if hit is None:
                    hit = self._by_component[value] = self._components.get(value.casefold(), ())
                found += hit
        if self._keys is not None:
            found += self._keys.get(item.key.casefold(), ())
        shape = (item.source, item.scope, item.kind, item.issue_type, item.status, item.status_category)
        hit = self._by_shape.get(shape)
        if hit is None:
            hit = self._by_shape[shape] = self._shape_hits(item)
        found += hit
        if self._looks_up and item.parent:
            hit = self._above.get(item.parent)
            found += hit if hit is not None else self._hits_above(item, item.parent)
        for whole_text, search, filed in self._leads:
            for position in search((_text(item) if whole_text else item.title).encode()) or ():
                found += filed[position]
        return sorted(set(found)) if len(found) > 1 else found

    def _shape_hits(self, item: Item) -> tuple[int, ...]:
        """Rules filed under the item's repo or project, issue type or kind, status or category."""
        index = self.ruleset.index
        scope = "repos" if item.source == "github" else "projects"
        probes = [(scope, item.scope.casefold()), ("issue_types", item.kind)]
        if item.issue_type:
            probes.append(("issue_types", item.issue_type.casefold()))
        probes += [("status", item.status_category), ("status", item.status.casefold())]
        found: list[int] = []
        for name, value in probes:
            found.extend(index.get(name, {}).get(value, ()))
        return tuple(found)

    def _hits_above(self, item: Item, parent: str) -> tuple[int, ...]:
        """Rules filed under any ancestor; siblings share their ancestry, so cached per parent.

        A lineage that ends at the top (an item without a parent, or a parent outside the set)
        cannot hold a child of ``parent``: its hits serve every child without a check (the
        probe in :meth:`candidates`). One cut short by a cycle or MAX_DEPTH may hold the item,
        which then has an ancestry of its own (without itself): checked per item.
        """
        lineage = self.ancestry_of(parent)
        if item.key in lineage.keys:
            return self._filed_under(self.ancestry(item))
        hits = self._cut_short.get(parent)
        if hits is None:
            hits = self._filed_under(lineage)
            top = self.by_key.get(lineage.keys[-1])
            (self._above if top is None or not top.parent else self._cut_short)[parent] = hits
        return hits

    def _filed_under(self, ancestry: Ancestry) -> tuple[int, ...]:
        index = self.ruleset.index
        found: list[int] = []
        for name, keys in (("epics", ancestry.epics_folded), ("parents", ancestry.folded)):
            bucket = index.get(name)
            if bucket:
                for key in keys:
                    found.extend(bucket.get(key, ()))
        return tuple(found)
