"""Which items a run plans again, and what the others keep from the plan that settled them.

A cron run over an unchanged backlog should cost what changed, not the backlog. An item's plan
outcome (its assignment, its item-level drift, what the report shows of it) depends on the item,
its ancestors (a parent's theme is inherited), the items linked to it either way (a theme
inherited over a link, ``cross_tracker`` drift), the ownership evidence kept for it, the roadmap
and the managed-field config. So a run plans afresh (``dirty``):

1. items **changed** since they were last planned: a mirror revision (:meth:`Mirror.revisions`)
   other than the one planned, no kept outcome at all, or named by the journal; items **gone**
   from the mirror count as changed for what depends on them;
2. every **descendant** of those (a changed parent changes its children's inheritance and their
   ``parent_mismatch``);
3. the items **linked** to those either way (link inheritance, ``cross_tracker``), and, one ring
   further, the children and links of those linked items (a theme inherited over a link shows
   in a child's ``parent_mismatch`` and a neighbour's ``cross_tracker``; nothing inherits a
   link-inherited theme further: design.md's "never link-of-link").

Everything is planned afresh on ``--full``, when the roadmap or the managed-field config changed
(the ``basis`` digest), or when no outcome was kept. The planner still sees every item a dirty
item's decision reads (ancestors and links, and their ancestors): ``Scope.items``.

An outcome is kept (``planned`` table of the state file) only when it is *settled*: the plan
wrote nothing to the item, wanted no evidence for it, and found no value unsettled by search
lag. Writing an item or its ownership records drops its kept outcome
(:meth:`State.record_written`), so ownership stays decided in one place
(:mod:`roadsync.sync.ownership`) and is never cached past its evidence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from roadsync import __version__
from roadsync.config.model import FieldsConfig
from roadsync.connectors.model import Item
from roadsync.heap import acyclic
from roadsync.mappings.assignment import Assignment, build_assignment
from roadsync.mappings.roadmap import Roadmap
from roadsync.sync.mirror import Mirror
from roadsync.sync.model import DriftFinding, Plan

__all__ = ["Entry", "Kept", "PlanCache", "Scope", "basis_of", "keep_settled", "narrowed", "scope_of"]

FORMAT = "1"
"""The kept outcome's layout; part of the basis, so a roadsync that reads it differently re-plans."""


class Entry(NamedTuple):
    """One item as the report, the change guard and the summary count it (every item, planned
    afresh or kept): what the report shows and links (its ``ItemRef``) and coverage weighs. A
    named tuple: a no-op run builds one per kept item, and tuples build several times faster."""

    key: str
    source: str
    title: str
    url: str
    status: str
    is_open: bool
    estimate: float | None = None

    @classmethod
    def of(cls, item: Item) -> Entry:
        return cls(item.key, item.source, item.title, item.url, item.status, item.is_open, item.estimate)

    def to_dict(self) -> dict[str, Any]:
        """The report's JSON of the item (docs/report-schema.md ``items``; no estimate)."""
        return {"key": self.key, "source": self.source, "title": self.title, "url": self.url,
                "status": self.status, "open": self.is_open}  # fmt: skip


class Kept(NamedTuple):
    """An item's outcome kept from the plan that settled it: its entry, assignment, item-level
    drift (in the plan's words), the ownership decision's findings by field (what a linked item's
    ``cross_tracker`` reads), and its parent and links (to find what depends on it). ``entry``
    is the loaded item itself where one is (a re-plan in the same run), not a copy of it."""

    entry: Entry | Item
    assignment: Assignment
    drift: tuple[DriftFinding, ...]
    ownership: Mapping[str, str]
    parent: str | None
    links: tuple[str, ...]


def basis_of(
    roadmap: Roadmap, fields: FieldsConfig, on_demand: Collection[str], shared: Collection[str] = ()
) -> str:
    """SHA-256 over what every outcome rests on besides the item: the roadmap's meaning, the
    managed-field config, the trackers whose evidence can be fetched and those whose account is
    shared with people, this roadsync's version."""
    body = json.dumps(
        [FORMAT, __version__, roadmap.checksum, fields.model_dump(mode="json"), sorted(on_demand),
         sorted(shared)],
        sort_keys=True, separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class PlanCache:
    """The ``planned`` table of the state file (created by :mod:`roadsync.sync.state`); writes
    join the mirror's transactions (one connection)."""

    def __init__(self, mirror: Mirror) -> None:
        self.conn, self.transaction = mirror.conn, mirror.transaction

    def kept(self, basis: str) -> tuple[dict[str, int], dict[str, Kept]]:
        """Every kept outcome on ``basis``, by key, and the mirror revision each was planned from.
        A no-op run reads every item's outcome here: each row is unpacked once, in the loop."""
        rows = self.conn.execute(f"SELECT rev, {', '.join(_COLUMNS)} FROM planned WHERE basis = ?", (basis,))
        revisions: dict[str, int] = {}
        kept: dict[str, Kept] = {}
        entry, outcome, loads = Entry._make, Kept._make, json.loads
        with acyclic():  # four small objects per item, none in a cycle
            for (rev, key, parent, links, source, title, url, status, is_open, estimate, theme, alignment,
                 step, rule, reason, secondary, unknown_pin, drift, ownership) in rows:  # fmt: skip
                revisions[key] = rev
                others = tuple(secondary.split("\n")) if secondary else ()
                assignment = build_assignment(key, theme, alignment, step, rule, reason, others, unknown_pin)
                found = tuple([DriftFinding(k, key, t, d) for k, t, d in loads(drift)]) if drift else ()
                item = entry((key, source, title, url, status, bool(is_open), estimate))
                owned = loads(ownership) if ownership else {}
                near = tuple(links.split("\n")) if links else ()
                kept[key] = outcome((item, assignment, found, owned, parent, near))
        return revisions, kept

    def keep(self, basis: str, settled: Iterable[tuple[Item, int, Kept]]) -> None:
        """Store the outcome of each settled ``(item, revision, kept)``, replacing older ones."""
        rows = ((item.identity, rev, basis, *_row(kept)) for item, rev, kept in settled)
        names = ", ".join(("identity", "rev", "basis", *_COLUMNS))
        with self.transaction():
            self.conn.executemany(
                f"INSERT OR REPLACE INTO planned ({names}) VALUES ({', '.join('?' * (3 + len(_COLUMNS)))})",
                rows,
            )

    def drop(self, keys: Iterable[str]) -> None:
        """Forget the kept outcomes of ``keys`` (planned and not settled, or gone)."""
        with self.transaction():
            self.conn.executemany("DELETE FROM planned WHERE key = ?", [(key,) for key in keys])

    def clear_other_bases(self, basis: str) -> None:
        """Forget outcomes kept on another roadmap or config: they will never count again."""
        with self.transaction():
            self.conn.execute("DELETE FROM planned WHERE basis != ?", (basis,))


_COLUMNS = ("key", "parent", "links", "source", "title", "url", "status", "open", "estimate", "theme",
            "alignment", "step", "rule", "reason", "secondary", "unknown_pin", "drift",
            "ownership")  # fmt: skip
"""The ``planned`` columns of one outcome, in :func:`_row` order: plain columns, so a no-op run
reads 100k outcomes without parsing a document per item."""


def _row(kept: Kept) -> tuple[object, ...]:
    e, a = kept.entry, kept.assignment
    found = [[d.kind, d.theme, d.detail] for d in kept.drift]
    drift = json.dumps(found, ensure_ascii=False) if found else None
    return (e.key, kept.parent, "\n".join(kept.links), e.source, e.title, e.url, e.status, int(e.is_open),
            e.estimate, a.theme, a.alignment, a.step, a.rule, a.reason, "\n".join(a.secondary), a.unknown_pin,
            drift, json.dumps(kept.ownership, ensure_ascii=False) if kept.ownership else None)  # fmt: skip


@dataclass
class Scope:
    """What one run plans: ``items`` (loaded from the mirror: the dirty ones and what their
    decisions read), ``dirty`` (the keys planned afresh; every loaded key on a full plan),
    ``kept`` (the outcome of every other item), ``revisions`` (key -> mirror revision)."""

    items: list[Item]
    dirty: frozenset[str]
    kept: dict[str, Kept] = field(default_factory=dict)
    revisions: Mapping[str, int] = field(default_factory=dict)
    gone: frozenset[str] = frozenset()
    _entries: list[Entry | Item] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def full(self) -> bool:
        """Whether every item is planned afresh (nothing kept)."""
        return not self.kept

    def entries(self) -> Sequence[Entry | Item]:
        """Every item of the mirror as the report counts it, sorted by key: the loaded item, or
        the entry kept for it (a full plan's are its items, no copy). Built once per scope (the
        plan, the change guard and the report each count every item)."""
        if self._entries is not None:
            return self._entries
        if not self.kept:
            return self.items
        fresh = [item for item in self.items if item.key not in self.kept]
        kept = (kept.entry for kept in self.kept.values())
        self._entries = sorted([*fresh, *kept], key=lambda e: e.key)
        return self._entries

    def for_writes(self, keys: Collection[str]) -> Scope:
        """This scope holding only the items of ``keys`` (those a plan writes), every other item
        counted as its report entry: what the change guard, apply and the report read once the
        plan is made. A loaded Item holds about 500 bytes more than its entry (timestamps, ids,
        labels); a first sync of 100k items would otherwise keep all of them until it ends."""
        entries: list[Entry | Item] = [e if isinstance(e, Entry) or e.key in keys else Entry.of(e)
                                       for e in self.entries()]  # fmt: skip
        slim = Scope([item for item in self.items if item.key in keys], self.dirty, self.kept,
                     self.revisions, self.gone)  # fmt: skip
        slim._entries = entries
        return slim


def scope_of(mirror: Mirror, cache: PlanCache | None, basis: str, *, also: Iterable[str] = ()) -> Scope:
    """The scope of a plan over ``mirror``: everything when ``cache`` is ``None`` (``--full``,
    offline verbs, ``--only``) or keeps nothing on ``basis``; else the items that changed since
    their outcome was kept, what depends on them, and ``also`` (keys the journal names)."""
    revisions = mirror.revisions()
    planned, kept = cache.kept(basis) if cache is not None else ({}, {})
    if not planned:
        items = mirror.items()
        return Scope(items, frozenset(item.key for item in items), revisions=revisions)
    changed = {key for key, rev in revisions.items() if planned.get(key) != rev}
    changed |= set(also) & revisions.keys()
    gone = frozenset(planned.keys() - revisions.keys())
    if not changed and not gone:  # a quiet cron run: nothing to load, no graph to walk, all kept
        return Scope([], frozenset(), kept, revisions)
    fresh = mirror.load(changed)
    graph = _Graph.of(kept, fresh, changed)
    dirty = graph.dependents(changed | gone) & revisions.keys()
    needed = graph.context(dirty) & revisions.keys()
    loaded = {item.key: item for item in fresh}
    items = sorted([*fresh, *mirror.load(needed - loaded.keys())], key=lambda item: item.key)
    kept = {key: outcome for key, outcome in kept.items() if key not in dirty and key in revisions}
    return Scope(items, frozenset(dirty), kept, revisions, gone)


@dataclass
class _Graph:
    """Parents and links of every item (the kept copy, or the changed item's new one; a changed
    item's old links count too: the item it no longer links to depended on it)."""

    parent: dict[str, str] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    neighbours: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, outcomes: Mapping[str, Kept], fresh: Sequence[Item], changed: Collection[str]) -> _Graph:
        graph = cls()
        for key, kept in outcomes.items():
            graph.add(key, None if key in changed else kept.parent, kept.links)
        for item in fresh:
            graph.add(item.key, item.parent, item.links)
        return graph

    def add(self, key: str, parent: str | None, links: Iterable[str]) -> None:
        if parent:
            self.parent[key] = parent
            self.children.setdefault(parent, set()).add(key)
        for other in links:
            self.neighbours.setdefault(key, set()).add(other)
            self.neighbours.setdefault(other, set()).add(key)

    def descendants(self, roots: Iterable[str]) -> set[str]:
        """``roots`` and every item below them."""
        found, todo = set(roots), list(roots)
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def linked(self, keys: Iterable[str]) -> set[str]:
        return {other for key in keys for other in self.neighbours.get(key, ())}

    def dependents(self, changed: Collection[str]) -> set[str]:
        """What the module docstring lists: descendants, their links, and one ring further."""
        below = self.descendants(changed)
        ring = self.linked(below) - below
        further = {child for key in ring for child in self.children.get(key, ())} | self.linked(ring)
        return below | ring | further

    def context(self, dirty: Collection[str]) -> set[str]:
        """What planning ``dirty`` reads: those items, their links, and the ancestors of both."""
        near = set(dirty) | self.linked(dirty)
        found = set(near)
        for key in near:
            current = self.parent.get(key)
            while current is not None and current not in found:
                found.add(current)
                current = self.parent.get(current)
        return found


def keep_settled(cache: PlanCache, basis: str, scope: Scope, plan: Plan, settled: Collection[str],
                 ownership: Mapping[str, Mapping[str, str]]) -> None:  # fmt: skip
    """Keep the outcome ``plan`` gave each ``settled`` item of ``scope`` (its draft plan, before
    apply, and the ownership findings by item and field); forget those of the other dirty items
    and of items gone. Rows are streamed into the table: a first sync keeps every item without
    holding its rows beside the plan."""
    assignments = {a.item: a for a in plan.assignments if a.item in settled}
    drift: dict[str, list[DriftFinding]] = {}
    for finding in plan.drift:
        if finding.item is not None and finding.item in settled:
            drift.setdefault(finding.item, []).append(finding)
    rows = (
        (item, scope.revisions[item.key],
         Kept(Entry.of(item), assignments[item.key], tuple(drift.get(item.key, ())),
              ownership.get(item.key, {}), item.parent, item.links))
        for item in scope.items if item.key in assignments
    )  # fmt: skip
    if scope.full:
        cache.clear_other_bases(basis)
    cache.drop(sorted((scope.dirty - set(settled)) | scope.gone))
    cache.keep(basis, rows)


def narrowed(items: Sequence[Item], outcomes: Mapping[str, Kept], touched: Collection[str],
             revisions: Mapping[str, int] | None = None) -> Scope:  # fmt: skip
    """The scope of planning ``items`` (all of them were just planned: ``outcomes``) again after
    something only ``touched`` items' decisions read has changed (ownership evidence fetched for
    them): ``touched`` and what depends on them, as for a changed item, are planned afresh; every
    other item keeps its outcome from ``outcomes``."""
    graph = _Graph()
    for item in items:
        graph.add(item.key, item.parent, item.links)
    loaded = {item.key for item in items}
    dirty = graph.dependents(touched) & loaded
    needed = graph.context(dirty)
    kept = {key: outcome for key, outcome in outcomes.items() if key not in dirty}
    return Scope([item for item in items if item.key in needed], frozenset(dirty), kept, revisions or {})
