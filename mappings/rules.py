"""Compile the roadmap's match blocks into small pure predicates, run in a declared order.

Semantics (design.md, "Roadmap TOML and mapping semantics"):

- A block matches when **all** its non-empty conditions hold; a theme when **any** block does.
  A block without any condition matches nothing (a catch-all must say so, e.g. ``text = ""``).
- List conditions hold when the item has **any** of the listed values. They compare
  case-insensitively (GitHub treats label, owner and repo names that way; Jira keys and
  project keys are upper case by convention, so nothing is lost):

  ============  =====================================================================
  labels        any item label
  components    any item component (Jira)
  repos         the item's scope, for GitHub items (``owner/name``)
  projects      the item's scope, for Jira items (``PAY``)
  issue_types   the item's issue type (``Bug``) or its kind (``epic``, ``issue``, ``sub-task``)
  keys          the item's own key
  epics         the key of any ancestor that is an epic (an ancestor outside the item set
                counts: its kind is unknown, and the person who wrote the rule named it)
  parents       the key of any ancestor (parent, grandparent, ...), epic or not
  status        the status name (``In Review``) or category (``todo``, ``in_progress``, ``done``)
  ============  =====================================================================

- ``title`` is a regular expression searched in the title; ``text`` in title + newline + body.
  They are google-re2 expressions (linear time, no catastrophic backtracking; no lookaround or
  backreferences), compiled once; case-sensitive unless the pattern says ``(?i)``.
- Ancestry looks at most :data:`MAX_DEPTH` levels up and stops at a cycle.

Rules are kept in *precedence order*: theme priority (``Roadmap.rank``), then file order
(``Theme.order``), then theme id, then block number. The first rule that matches decides the
primary theme; the themes of later matching rules are the secondary themes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from connectors.model import Item
from mappings.roadmap import MatchBlock, Roadmap, Theme
from roadsync.errors import ConfigError

MAX_DEPTH = 100
"""How many levels up ``parents``/``epics`` conditions look (GitHub nests sub-issues 8 deep)."""

# Exact conditions first, most selective first: the index picks the first one a block has.
CONDITIONS: tuple[str, ...] = (
    "keys", "labels", "components", "repos", "projects", "epics", "parents",
    "issue_types", "status", "title", "text",
)  # fmt: skip

__all__ = [
    "CONDITIONS",
    "MAX_DEPTH",
    "Ancestry",
    "Condition",
    "ItemFacts",
    "Matcher",
    "Rule",
    "Ruleset",
    "compile_roadmap",
]


def _fold(values: Iterable[str]) -> frozenset[str]:
    return frozenset(map(str.casefold, values))


_NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ancestry:
    """An item's ancestors, nearest first; ``epics`` are those that are (or may be) epics."""

    keys: tuple[str, ...] = ()
    epics: tuple[str, ...] = ()
    folded: frozenset[str] = _NOTHING
    epics_folded: frozenset[str] = _NOTHING

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
        return cls(tuple(keys), tuple(epics), _fold(keys), _fold(epics))


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
            self._labels = _fold(self.item.labels) if self.item.labels else _NOTHING
        return self._labels

    @property
    def components(self) -> frozenset[str]:
        if self._components is None:
            self._components = _fold(self.item.components) if self.item.components else _NOTHING
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
        return f"{self.item.title}\n{self.item.body}" if self.item.body else self.item.title


Check = Callable[[ItemFacts], bool]
Actual = Callable[[ItemFacts], tuple[str, ...]]


@dataclass(frozen=True)
class Condition:
    """One non-empty condition of a block: ``check`` decides, ``actual`` shows what the item had."""

    name: str
    expected: tuple[str, ...]
    check: Check
    actual: Actual
    noun: str
    wanted: frozenset[str] = field(default=_NOTHING, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wanted", _fold(self.expected))

    def describe(self, facts: ItemFacts) -> str:
        """The reason fragment for people: ``label `checkout```, ``title matching `^Pay```.

        For list conditions it names the item's own value that matched (as the item spells it).
        """
        if self.name in ("title", "text"):
            return f"{self.noun} matching `{self.expected[0]}`"
        wanted = self.wanted
        for value in self.actual(facts):
            if value.casefold() in wanted:
                return f"{self.noun} `{value}`"
        return f"{self.noun} `{self.expected[0]}`"


@dataclass(frozen=True)
class Rule:
    """One compiled match block: ``theme:<id>/block:<n>``, ``n`` counting from 1."""

    id: str
    theme: Theme
    block: int
    conditions: tuple[Condition, ...]
    rest: tuple[Check, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rest", tuple(condition.check for condition in self.conditions[1:]))

    def matches(self, facts: ItemFacts) -> bool:
        """All conditions hold (a block without conditions matches nothing)."""
        return bool(self.conditions) and self.conditions[0].check(facts) and self.matches_rest(facts)

    def matches_rest(self, facts: ItemFacts) -> bool:
        """All conditions but the first hold: for candidates, whose first the index proved."""
        for check in self.rest:  # noqa: SIM110 - a plain loop beats all(<genexpr>) on the hot path
            if not check(facts):
                return False
        return True

    def reason(self, facts: ItemFacts) -> str:
        """``label `checkout` matched theme `checkout`, block 1`` (for a rule that matched)."""
        said = " and ".join(condition.describe(facts) for condition in self.conditions)
        return f"{said} matched theme `{self.theme.id}`, block {self.block}"


class _PatternSet:
    """Regexes searched together: one ``re2.Set`` pass per text gives every pattern that hits."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._set: Any = None
        self._match: Callable[[bytes], list[int] | None] = lambda text: None
        if self.patterns:
            options = _options()
            options.max_mem = 256 << 20  # a set is one DFA; the default 8 MiB is tight for 200+
            pattern_set = re2.Set.SearchSet(options)
            for pattern in self.patterns:
                pattern_set.Add(pattern)
            pattern_set.Compile()
            self._set = pattern_set
            # The wrapper's Match only encodes str and turns [] into None; the pybind object
            # underneath takes bytes directly, a measurable saving at 100k calls per run.
            raw = getattr(pattern_set, "_set", None)
            self._match = raw.Match if raw is not None and hasattr(raw, "Match") else pattern_set.Match

    def hits(self, text: str) -> Sequence[int]:
        """Positions of the patterns found in ``text`` (in no particular order)."""
        if self._set is None:
            return ()
        return self._match(text.encode()) or ()


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # re2 would write to stderr; we raise a ConfigError instead
    return options


def _regex(pattern: str, where: str) -> str:
    """Check ``pattern`` compiles with re2; raise a ConfigError naming the theme and block."""
    try:
        re2.compile(pattern, _options())
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ConfigError(
            f"invalid regular expression `{pattern}` in {where}: {detail}",
            hint="roadsync uses re2 syntax: no lookaround or backreferences; write (?i) for any case",
        ) from None
    return pattern


# One small check per condition kind; closures over the folded expected values.
def _labels(wanted: frozenset[str]) -> Check:
    return lambda facts: not wanted.isdisjoint(facts.labels)


def _components(wanted: frozenset[str]) -> Check:
    return lambda facts: not wanted.isdisjoint(facts.components)


def _repos(wanted: frozenset[str]) -> Check:
    return lambda facts: facts.repo in wanted


def _projects(wanted: frozenset[str]) -> Check:
    return lambda facts: facts.project in wanted


def _issue_types(wanted: frozenset[str]) -> Check:
    return lambda facts: not wanted.isdisjoint(facts.types)


def _keys(wanted: frozenset[str]) -> Check:
    return lambda facts: facts.key in wanted


def _epics(wanted: frozenset[str]) -> Check:
    return lambda facts: not wanted.isdisjoint(facts.ancestry.epics_folded)


def _parents(wanted: frozenset[str]) -> Check:
    return lambda facts: not wanted.isdisjoint(facts.ancestry.folded)


def _status(wanted: frozenset[str]) -> Check:
    return lambda facts: not wanted.isdisjoint(facts.status)


def _title(index: int) -> Check:
    return lambda facts: index in facts.title_hits


def _text(index: int) -> Check:
    return lambda facts: index in facts.text_hits


_CHECK: dict[str, Callable[[frozenset[str]], Check]] = {
    "labels": _labels, "components": _components, "repos": _repos, "projects": _projects,
    "issue_types": _issue_types, "keys": _keys, "epics": _epics, "parents": _parents, "status": _status,
}  # fmt: skip

_ACTUAL: dict[str, Actual] = {
    "labels": lambda f: f.item.labels,
    "components": lambda f: f.item.components,
    "repos": lambda f: (f.item.scope,) if f.item.source == "github" else (),
    "projects": lambda f: (f.item.scope,) if f.item.source == "jira" else (),
    "issue_types": lambda f: tuple(v for v in (f.item.issue_type, f.item.kind) if v),
    "keys": lambda f: (f.item.key,),
    "epics": lambda f: f.epics,
    "parents": lambda f: f.ancestors,
    "status": lambda f: tuple(v for v in (f.item.status, f.item.status_category) if v),
    "title": lambda f: (f.item.title,),
    "text": lambda f: (f.text,),
}

_NOUN = {
    "labels": "label", "components": "component", "repos": "repo", "projects": "project",
    "issue_types": "issue type", "keys": "key", "epics": "epic", "parents": "parent",
    "status": "status", "title": "title", "text": "text",
}  # fmt: skip

Index = Mapping[Any, tuple[int, ...]]


@dataclass(frozen=True)
class Ruleset:
    """A compiled roadmap: rules in precedence order, regex sets, and the candidate index.

    ``index[name]`` maps a folded value (or a regex position, for ``title``/``text``) to the
    rules whose *first* condition is ``name`` and lists that value: every rule that can match
    an item is found through the index, so only those are evaluated in full.
    """

    rules: tuple[Rule, ...]
    titles: _PatternSet
    texts: _PatternSet
    index: Mapping[str, Index]

    def matcher(self, by_key: Mapping[str, Item]) -> Matcher:
        """A matcher for one set of items (it caches ancestry per parent key)."""
        return Matcher(self, by_key)


class Matcher:
    """Evaluates the rules for the items of one set; ancestry is cached per parent key."""

    def __init__(self, ruleset: Ruleset, by_key: Mapping[str, Item]) -> None:
        self.ruleset = ruleset
        self.by_key = by_key
        self._lineage: dict[str, Ancestry] = {}
        self._ancestry_hits: dict[str, tuple[int, ...]] = {}
        index = ruleset.index
        self._labels, self._components = index.get("labels"), index.get("components")
        self._keys = index.get("keys")
        self._repos, self._projects = index.get("repos"), index.get("projects")
        self._types, self._status = index.get("issue_types"), index.get("status")
        self._above = bool(index.get("epics") or index.get("parents"))
        self._by_title, self._by_text = index.get("title"), index.get("text")

    def facts(self, item: Item) -> ItemFacts:
        return ItemFacts(item, self)

    def ancestry(self, item: Item) -> Ancestry:
        """The item's ancestors (cached per parent; an item on a cycle is not its own ancestor)."""
        parent = item.parent
        if not parent:
            return _NO_ANCESTRY
        lineage = self._lineage.get(parent)
        if lineage is None:
            lineage = self._lineage[parent] = Ancestry.walk(parent, self.by_key)
        if item.key in lineage.keys:
            return Ancestry.walk(parent, self.by_key, exclude=item.key)
        return lineage

    def matching(self, facts: ItemFacts) -> list[Rule]:
        """Every rule that matches the item, in precedence order.

        A candidate came from the index entry of its first condition, which therefore holds
        (index and check compare the same folded values): only the rest is evaluated.
        """
        rules = self.ruleset.rules
        return [rules[n] for n in self.candidates(facts) if rules[n].matches_rest(facts)]

    def candidates(self, facts: ItemFacts) -> list[int]:
        """Rule numbers the index offers for this item (a superset of the matches), ascending.

        The hot path of mapping: written out flat, one dictionary probe per item value.
        """
        item = facts.item
        found: list[int] = []
        bucket = self._labels
        if bucket is not None:
            for value in item.labels:
                found.extend(bucket.get(value.casefold(), ()))
        bucket = self._components
        if bucket is not None:
            for value in item.components:
                found.extend(bucket.get(value.casefold(), ()))
        if self._keys is not None:
            found.extend(self._keys.get(item.key.casefold(), ()))
        bucket = self._repos if item.source == "github" else self._projects
        if bucket is not None:
            found.extend(bucket.get(item.scope.casefold(), ()))
        if self._types is not None:
            found.extend(self._types.get(item.kind, ()))
            if item.issue_type:
                found.extend(self._types.get(item.issue_type.casefold(), ()))
        if self._status is not None:
            found.extend(self._status.get(item.status_category, ()))
            found.extend(self._status.get(item.status.casefold(), ()))
        if self._above and item.parent:
            found.extend(self._hits_above(item.parent, facts.ancestry))
        self._regex_candidates(facts, found)
        return sorted(set(found)) if found else found

    def _regex_candidates(self, facts: ItemFacts, found: list[int]) -> None:
        if self._by_title is not None:
            bucket = self._by_title
            for position in facts.title_hits:
                found.extend(bucket.get(position, ()))
        if self._by_text is not None:
            bucket = self._by_text
            for position in facts.text_hits:
                found.extend(bucket.get(position, ()))

    def _hits_above(self, parent: str, ancestry: Ancestry) -> tuple[int, ...]:
        """Rules filed under any ancestor, cached per parent (siblings share their ancestry).

        An item on a parent cycle has an ancestry of its own (without itself): not cached.
        """
        shared = ancestry is self._lineage.get(parent)
        cached = self._ancestry_hits.get(parent) if shared else None
        if cached is None:
            index = self.ruleset.index
            found: list[int] = []
            for name, keys in (("epics", ancestry.epics_folded), ("parents", ancestry.folded)):
                bucket = index.get(name)
                if bucket:
                    for key in keys:
                        found.extend(bucket.get(key, ()))
            cached = tuple(found)
            if shared:
                self._ancestry_hits[parent] = cached
        return cached


def _precedence(roadmap: Roadmap) -> list[Theme]:
    return sorted(roadmap.themes, key=lambda t: (roadmap.rank(t.priority), t.order, t.id))


@functools.lru_cache(maxsize=8)
def compile_roadmap(roadmap: Roadmap) -> Ruleset:
    """Compile every match block of ``roadmap`` once; raise ConfigError for a bad regex."""
    patterns: dict[str, list[str]] = {"title": [], "text": []}
    rules: list[Rule] = []
    index: dict[str, dict[Any, list[int]]] = {}
    for theme in _precedence(roadmap):
        for number, block in enumerate(theme.match, start=1):
            rule_id = f"theme:{theme.id}/block:{number}"
            conditions = tuple(
                condition
                for name in CONDITIONS
                if (condition := _condition(name, block, rule_id, patterns)) is not None
            )
            if conditions:
                first = conditions[0]
                bucket = index.setdefault(first.name, {})
                # a regex is filed under its position in the set, which is the last one added
                where = (len(patterns[first.name]) - 1,) if first.name in patterns else _fold(first.expected)
                for value in where:
                    bucket.setdefault(value, []).append(len(rules))
            rules.append(Rule(rule_id, theme, number, conditions))
    frozen = {name: {value: tuple(hit) for value, hit in bucket.items()} for name, bucket in index.items()}
    return Ruleset(tuple(rules), _PatternSet(patterns["title"]), _PatternSet(patterns["text"]), frozen)


def _condition(name: str, block: MatchBlock, where: str, patterns: dict[str, list[str]]) -> Condition | None:
    """The compiled condition ``name`` of ``block``, or None when the block leaves it empty."""
    value = getattr(block, name)
    if name in patterns:
        if value is None:
            return None
        patterns[name].append(_regex(value, where))
        check = (_title if name == "title" else _text)(len(patterns[name]) - 1)
        return Condition(name, (value,), check, _ACTUAL[name], _NOUN[name])
    if not value:
        return None
    return Condition(name, tuple(value), _CHECK[name](_fold(value)), _ACTUAL[name], _NOUN[name])
