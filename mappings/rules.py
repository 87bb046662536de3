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
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from roadsync.connectors.model import Item
from roadsync.errors import ConfigError
from roadsync.mappings.matcher import EMPTY, MAX_DEPTH, Ancestry, ItemFacts, Matcher, fold
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme

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
    wanted: frozenset[str] = field(default=EMPTY, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wanted", fold(self.expected))

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
    shown: tuple[Actual, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rest", tuple(condition.check for condition in self.conditions[1:]))
        # What the reason depends on besides the rule: the item's values for its list
        # conditions (a regex condition's fragment names only the pattern).
        shown = tuple(c.actual for c in self.conditions if c.name not in ("title", "text"))
        object.__setattr__(self, "shown", shown)

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
        # The same few sentences repeat over a backlog (a rule, the label that hit): each item's
        # assignment keeps one shared copy, not its own (~90 bytes an item).
        return sys.intern(f"{said} matched theme `{self.theme.id}`, block {self.block}")


class _PatternSet:
    """Regexes searched together: one ``re2.Set`` pass per text gives every pattern that hits."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._set: Any = None
        self.search: Callable[[bytes], list[int] | None] = lambda text: None
        """Positions of the patterns found in UTF-8 ``text``, None or [] for none: :meth:`hits`
        without the method call and the encoding, for a caller that has the bytes or encodes."""
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
            self.search = raw.Match if raw is not None and hasattr(raw, "Match") else pattern_set.Match

    def hits(self, text: str) -> Sequence[int]:
        """Positions of the patterns found in ``text`` (in no particular order)."""
        if self._set is None:
            return ()
        return self.search(text.encode()) or ()


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

    ``titles``/``texts`` hold every pattern (a condition checks its position there);
    ``leading[name]`` only the patterns that are a block's first condition, and the regex
    positions in ``index`` are positions in it: finding candidates runs the (smaller) leading
    set on every item, the full set only for an item with a candidate that checks a regex.
    """

    rules: tuple[Rule, ...]
    titles: _PatternSet
    texts: _PatternSet
    index: Mapping[str, Index]
    leading: Mapping[str, _PatternSet] = field(default_factory=dict)

    def matcher(self, by_key: Mapping[str, Item]) -> Matcher:
        """A matcher for one set of items (it caches ancestry per parent key)."""
        return Matcher(self, by_key)


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
                where = (len(patterns[first.name]) - 1,) if first.name in patterns else fold(first.expected)
                for value in where:
                    bucket.setdefault(value, []).append(len(rules))
            rules.append(Rule(rule_id, theme, number, conditions))
    leading = {name: _leading(patterns[name], index, name) for name in patterns if name in index}
    frozen = {name: {value: tuple(hit) for value, hit in bucket.items()} for name, bucket in index.items()}
    titles, texts = _PatternSet(patterns["title"]), _PatternSet(patterns["text"])
    return Ruleset(tuple(rules), titles, texts, frozen, leading)


def _leading(patterns: Sequence[str], index: dict[str, dict[Any, list[int]]], name: str) -> _PatternSet:
    """The patterns ``index[name]`` files rules under, as a set; re-file them by position in it."""
    positions = sorted(index[name])
    index[name] = {n: index[name][position] for n, position in enumerate(positions)}
    return _PatternSet([patterns[position] for position in positions])


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
    return Condition(name, tuple(value), _CHECK[name](fold(value)), _ACTUAL[name], _NOUN[name])
