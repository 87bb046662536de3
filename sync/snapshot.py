"""A snapshot: what one run saw of the backlog against the roadmap, small enough to keep for years.

Pure data and pure functions; the clock, the run id and the previous run's marks are passed in.
A snapshot holds figures and theme ids, never item text: per theme its share of open work,
target, open items and estimate; the aligned share and the open items per alignment value;
drift counts by kind; the roadmap's checksum (so a roadmap edit shows on the timeline).

Two kinds of figures, which downsampling (:mod:`roadsync.sync.history`) treats differently:

- **levels** describe the backlog at ``at`` (shares, counts, drift): a point that stands for
  several runs keeps the newest run's levels;
- **events** happened since the previous snapshot (:data:`EVENTS`): changes applied, roadmap
  edits, items that went from unaligned to aligned (by a person's theme tag, or by roadsync's
  rules), items that fell back to unaligned, manual overrides that appeared. A point that
  stands for several runs holds their sums.

Events between runs are found from **marks**: the keys of the open unaligned items and the
identities of the manual overrides a run found (:func:`marks_of`). The state keeps the newest
run's marks; the next run compares its own with them. ``since`` is when those marks were taken
(``None`` on a first run, whose item events are all 0).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from roadsync.mappings.assignment import Assignment
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.sync.model import Plan

__all__ = [
    "EVENTS",
    "SCHEMA",
    "Baseline",
    "Snapshot",
    "ThemePoint",
    "alignment_counts",
    "marks_of",
    "take_snapshot",
]

SCHEMA = "roadsync.snapshot/1"

EVENTS: tuple[str, ...] = (
    "changes_applied",
    "roadmap_edits",
    "aligned_by_people",
    "aligned_by_roadsync",
    "newly_unaligned",
    "new_manual_overrides",
)

_UNALIGNED = "u:"
_OVERRIDE = "o:"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ThemePoint:
    """One theme at one snapshot (the unaligned rest has ``target_share`` None)."""

    share: float
    target_share: float | None
    open_items: int
    estimate_sum: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"share": self.share, "target_share": self.target_share, "open_items": self.open_items,
                "estimate_sum": self.estimate_sum}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ThemePoint:
        target = data.get("target_share")
        return cls(float(data["share"]), None if target is None else float(target), int(data["open_items"]),
                   float(data.get("estimate_sum", 0.0)))  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    """One point of the history; ``first_at``..``at`` is the span of runs it stands for (``runs``)."""

    at: str
    run: str
    roadmap_checksum: str
    aligned_share: float
    open_items: int
    aligned_items: int
    basis: str
    themes: Mapping[str, ThemePoint]
    unaligned: ThemePoint
    alignment: Mapping[str, int]
    drift_by_kind: Mapping[str, int]
    changes_planned: int = 0
    events: Mapping[str, int] = field(default_factory=dict)
    since: str | None = None
    first_at: str = ""
    runs: int = 1
    opening: Mapping[str, int] | None = None
    """The events of the oldest run this point stands for: they happened before ``first_at``, the
    rest of ``events`` inside the span. ``None``: the same as ``events`` (a single run, or a point
    folded before this was recorded, whose split is unknown: all its events count as before)."""

    def __post_init__(self) -> None:
        if not self.first_at:
            object.__setattr__(self, "first_at", self.at)

    @property
    def span_start(self) -> str:
        """The earliest run this point stands for (``at`` for a single run)."""
        return self.first_at

    def event(self, name: str) -> int:
        return int(self.events.get(name, 0))

    def opening_event(self, name: str) -> int:
        """How many of ``event(name)`` happened before ``first_at`` (see :attr:`opening`)."""
        return self.event(name) if self.opening is None else int(self.opening.get(name, 0))

    def within_span(self) -> Snapshot:
        """This point with only the events that happened inside its span (after ``first_at``):
        what a window that begins at this point saw of it."""
        inner = {name: self.event(name) - self.opening_event(name) for name in EVENTS}
        return replace(self, events=inner, opening={name: 0 for name in EVENTS})

    def to_json(self) -> dict[str, Any]:
        """The history entry of docs/report-schema.md (one line of a ``--history`` file)."""
        return {
            "at": self.at, "run": self.run, "first_at": self.span_start, "runs": self.runs,
            "roadmap_checksum": self.roadmap_checksum, "aligned_share": self.aligned_share,
            "open_items": self.open_items, "aligned_items": self.aligned_items, "basis": self.basis,
            "themes": {theme: point.to_json() for theme, point in self.themes.items()},
            "unaligned": self.unaligned.to_json(), "alignment": dict(self.alignment),
            "drift_by_kind": dict(self.drift_by_kind), "changes_planned": self.changes_planned,
            "events": {name: self.event(name) for name in EVENTS}, "since": self.since,
            **({"opening_events": {name: self.opening_event(name) for name in EVENTS}}
               if self.opening is not None else {}),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        """Read what :meth:`to_json` wrote; raises ``KeyError``/``TypeError``/``ValueError`` on others."""
        at = _timestamp(data["at"])
        return cls(
            at=at, run=str(data["run"]), roadmap_checksum=str(data["roadmap_checksum"]),
            aligned_share=float(data["aligned_share"]), open_items=int(data.get("open_items", 0)),
            aligned_items=int(data.get("aligned_items", 0)), basis=str(data.get("basis", "count")),
            themes={str(k): ThemePoint.from_json(v) for k, v in dict(data["themes"]).items()},
            unaligned=ThemePoint.from_json(data.get("unaligned") or {"share": 0.0, "target_share": None,
                                                                      "open_items": 0}),
            alignment={str(k): int(v) for k, v in dict(data.get("alignment", {})).items()},
            drift_by_kind={str(k): int(v) for k, v in dict(data["drift_by_kind"]).items()},
            changes_planned=int(data.get("changes_planned", 0)),
            events={str(k): int(v) for k, v in dict(data.get("events", {})).items()},
            since=None if data.get("since") is None else _timestamp(data["since"]),
            first_at=_timestamp(data.get("first_at") or at), runs=int(data.get("runs", 1)),
            opening=None if data.get("opening_events") is None
            else {str(k): int(v) for k, v in dict(data["opening_events"]).items()},
        )  # fmt: skip


_ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _timestamp(value: object) -> str:
    text = str(value)
    if not _ISO_UTC.match(text):
        raise ValueError(f"'{text}' is not a UTC time like 2024-05-01T09:00:00Z")
    return text


@dataclass(frozen=True)
class Baseline:
    """What the next snapshot compares itself with: the previous run's marks and when they were
    taken, and the newest earlier snapshot's roadmap checksum (``None``: no earlier snapshot)."""

    marks_at: str | None = None
    marks: frozenset[str] = frozenset()
    roadmap_checksum: str | None = None


def marks_of(plan: Plan, open_keys: Collection[str]) -> frozenset[str]:
    """The run's marks: ``u:KEY`` per open unaligned item, ``o:KEY:FIELD`` per manual override.

    An override's identity is its item and the managed field its detail names first (the
    planner writes ``"priority changed by hand ..."``), not the whole sentence: a person
    who changes the value again is still the same override.
    """
    marks = {_UNALIGNED + a.item for a in plan.assignments if a.theme is None and a.item in open_keys}
    for finding in plan.drift:
        if finding.kind == "manual_override" and finding.item:
            word = _WORD.match(finding.detail)
            marks.add(f"{_OVERRIDE}{finding.item}:{word.group(0) if word else ''}")
    return frozenset(marks)


def _item_events(assignments: Mapping[str, Assignment], marks: frozenset[str],
                 baseline: Baseline) -> dict[str, int]:  # fmt: skip
    """Items that left or joined the unaligned set, and overrides that appeared, since the baseline."""
    if baseline.marks_at is None:
        return {}
    was = {m[len(_UNALIGNED):] for m in baseline.marks if m.startswith(_UNALIGNED)}
    now = {m[len(_UNALIGNED):] for m in marks if m.startswith(_UNALIGNED)}
    by_people = by_roadsync = 0
    for key in was - now:
        assignment = assignments.get(key)
        if assignment is None or assignment.theme is None:
            continue  # closed or gone: it left the unaligned set without being aligned
        if assignment.step == "pin":
            by_people += 1
        else:
            by_roadsync += 1
    overrides = {m for m in marks if m.startswith(_OVERRIDE)} - baseline.marks
    return {"aligned_by_people": by_people, "aligned_by_roadsync": by_roadsync,
            "newly_unaligned": len(now - was), "new_manual_overrides": len(overrides)}  # fmt: skip


def take_snapshot(
    plan: Plan,
    themes: Iterable[ThemeCoverage],
    open_keys: Collection[str],
    *,
    at: str,
    run: str,
    roadmap_checksum: str,
    changes_applied: int = 0,
    baseline: Baseline | None = None,
    marks: frozenset[str] | None = None,
    assignments: Mapping[str, Assignment] | None = None,
) -> Snapshot:
    """The snapshot of one run: the plan's summary and drift, the coverage rows, and the events
    since ``baseline`` (an empty baseline counts none). ``aligned_share`` is the plan summary's.
    ``marks`` (:func:`marks_of` the plan) and ``assignments`` (the plan's, by item) are computed
    here unless the caller already holds them."""
    baseline = baseline or Baseline()
    summary = plan.summary
    marks = marks_of(plan, open_keys) if marks is None else marks
    assignments = {a.item: a for a in plan.assignments} if assignments is None else assignments
    rows = list(themes)
    points = {row.id: _point(row) for row in rows if row.id is not None}
    rest = next((_point(row) for row in rows if row.id is None), ThemePoint(0.0, None, 0))
    edited = baseline.roadmap_checksum is not None and baseline.roadmap_checksum != roadmap_checksum
    events = {"changes_applied": changes_applied, "roadmap_edits": int(edited),
              **_item_events(assignments, marks, baseline)}  # fmt: skip
    return Snapshot(
        at=at, run=run, roadmap_checksum=roadmap_checksum,
        aligned_share=float(summary.get("aligned_share", 1.0)), open_items=int(summary.get("open_items", 0)),
        aligned_items=int(summary.get("aligned_items", 0)), basis=rows[0].basis if rows else "count",
        themes=points, unaligned=rest, alignment=alignment_counts(plan.assignments, open_keys),
        drift_by_kind=plan.drift_counts(), changes_planned=len(plan.changes),
        events={name: int(events.get(name, 0)) for name in EVENTS}, since=baseline.marks_at,
    )  # fmt: skip


def alignment_counts(assignments: Iterable[Assignment], open_keys: Collection[str]) -> dict[str, int]:
    """Open items per alignment value, in the order reports show them (zeros kept)."""
    counts = dict.fromkeys(("aligned", "inherited", "paused", "retired", "unaligned"), 0)
    for assignment in assignments:
        if assignment.item in open_keys:
            counts[assignment.alignment] = counts.get(assignment.alignment, 0) + 1
    return counts


def _point(row: ThemeCoverage) -> ThemePoint:
    return ThemePoint(row.share, row.target_share, row.open_items, row.estimate_sum)

