"""The report: one object that every renderer (table, JSON, Markdown, HTML) takes.

Computing happens here and in the planner; rendering lives in :mod:`roadsync.sync.render`. The JSON
form is a documented, versioned schema (``schema: "roadsync.report/1"``) with stable ordering.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.coverage import ThemeCoverage, coverage
from roadsync.mappings.roadmap import Roadmap
from roadsync.sync.apply import ApplySummary
from roadsync.sync.model import DRIFT_KINDS, DriftFinding, Plan
from roadsync.sync.pull import PullResult, SourcePull
from roadsync.sync.scope import Entry
from roadsync.sync.snapshot import Baseline, Snapshot, alignment_counts, marks_of, take_snapshot
from roadsync.sync.trend import Trend, trend_of

__all__ = ["RESOLVED_BY", "SCHEMA", "ItemRef", "Report", "build_report", "resolved_by"]

SCHEMA = "roadsync.report/1"


ItemRef = Entry
"""What a report needs to show and link an item: the entry every item is counted by."""


@dataclass(frozen=True)
class Report:
    """Everything a person or a CI job reads after a run.

    ``applied`` is what the run's apply did when it wrote (``sync``, ``apply``), else ``None``;
    ``sources`` is each source's pull (fetched/total/requests/error), empty when nothing was pulled.
    The drift is what the run found before it wrote (design.md); ``resolved`` are those findings
    that this run's writes fixed, so a reader can tell fixed from open. ``notes`` are what a
    reader must know to read the report right (an empty mirror; links to trackers that stopped).
    """

    generated_at: str
    plan: Plan
    themes: tuple[ThemeCoverage, ...]
    items: Mapping[str, ItemRef]
    sources: Mapping[str, SourcePull] = field(default_factory=dict)
    applied: ApplySummary | None = None
    title: str = "roadsync report"
    history: tuple[Snapshot, ...] = ()
    resolved: tuple[DriftFinding, ...] = ()
    notes: tuple[str, ...] = ()
    marks: frozenset[str] = field(default=frozenset(), compare=False)
    """The run's marks (:func:`~roadsync.sync.snapshot.marks_of`) its snapshot was compared
    with the baseline by, for the history to keep; not part of the JSON (empty when read back)."""

    # -- views for the renderers (pure, derived from the fields above) -------------------------

    @property
    def drift_total(self) -> int:
        """The total number of drift findings (the Markdown headline's ``Drift: N``)."""
        return len(self.plan.drift)

    @property
    def drift_remaining(self) -> int:
        """Findings this run's writes did not resolve (all of them when it wrote nothing)."""
        return self.drift_total - len(self.resolved)

    def is_resolved(self, finding: DriftFinding) -> bool:
        """Whether this run's writes fixed ``finding``."""
        return finding in self._resolved_set

    @cached_property
    def _resolved_set(self) -> frozenset[DriftFinding]:
        return frozenset(self.resolved)

    @property
    def is_empty(self) -> bool:
        """No item at all: nothing was read (the mirror is empty) or nothing is in scope."""
        return not self.plan.summary.get("items", len(self.items))

    @cached_property
    def drift_counts(self) -> dict[str, int]:
        """Findings per kind, every known kind in design order (zeros kept), then unknown kinds.
        The one count of drift every renderer, the demo and the Action read."""
        return self.plan.drift_counts()

    def findings_by_kind(self) -> dict[str, tuple[DriftFinding, ...]]:
        """Findings grouped by kind, kinds in design order, only kinds that have findings."""
        groups: dict[str, list[DriftFinding]] = {}
        for finding in self.plan.drift:
            groups.setdefault(finding.kind, []).append(finding)
        order = [kind for kind in DRIFT_KINDS if kind in groups] + sorted(set(groups) - set(DRIFT_KINDS))
        return {kind: tuple(groups[kind]) for kind in order}

    @property
    def changes_applied(self) -> int:
        """Changes written by this run (0 when the run did not apply)."""
        return self.applied.applied if self.applied is not None else 0

    @property
    def not_written(self) -> tuple[WriteOutcome, ...]:
        """The changes the run's apply did not apply (failed, unwritable, skipped), each with its
        reason; empty when the run did not apply."""
        return self.applied.not_written if self.applied is not None else ()

    @property
    def apply_line(self) -> str:
        """``13 applied, 7 unwritable, 0 failed, 0 skipped``: what every renderer's summary says
        of an apply (empty when the run did not apply)."""
        if self.applied is None:
            return ""
        a = self.applied
        return f"{a.applied} applied, {a.unwritable} unwritable, {a.failed} failed, {a.skipped} skipped"

    @property
    def changes_pending(self) -> int:
        """Changes still to write: the whole plan before apply, the failed ones after it."""
        return len(self.plan.changes) if self.applied is None else self.applied.failed

    def sources_json(self) -> dict[str, Any]:
        """Each source's pull as JSON, in the order the run read them (``plan``/``apply`` documents)."""
        return {name: source.to_json() for name, source in self.sources.items()}

    @property
    def theme_names(self) -> dict[str, str]:
        """Theme id -> name, for every roadmap theme."""
        return {row.id: row.name for row in self.themes if row.id is not None}

    def theme_label(self, theme_id: str | None) -> str:
        """``checkout (One-click checkout)``; an id the roadmap does not know stays bare."""
        if theme_id is None:
            return "unaligned"
        name = self.theme_names.get(theme_id)
        return f"{theme_id} ({name})" if name and name != theme_id else theme_id

    @property
    def off_target_themes(self) -> frozenset[str]:
        """Themes with an ``allocation`` finding: share of open work off target beyond tolerance."""
        return frozenset(d.theme for d in self.plan.drift if d.kind == "allocation" and d.theme)

    @property
    def unaligned_items(self) -> tuple[ItemRef, ...]:
        """Open items that map to no theme, by key."""
        keys = sorted(a.item for a in self.plan.assignments if a.theme is None)
        return tuple(self.items[k] for k in keys if k in self.items and self.items[k].is_open)

    @cached_property
    def trend(self) -> Trend | None:
        """What the history says (per-theme trends, the one-line answers); ``None`` without one."""
        if not self.history:
            return None
        return trend_of(self.history, [row.id for row in self.themes if row.id is not None])

    @property
    def open_keys(self) -> frozenset[str]:
        """Keys of the open items the report knows."""
        return frozenset(key for key, ref in self.items.items() if ref.is_open)

    @property
    def alignment_counts(self) -> dict[str, int]:
        """Open items per alignment value (aligned, inherited, paused, retired, unaligned)."""
        return alignment_counts(self.plan.assignments, self.open_keys)

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Report:
        """Rebuild a report from what :meth:`to_json` wrote (schema ``roadsync.report/1``).

        The plan's ``seen`` map is not part of a report, so the rebuilt plan's checksum differs.
        """
        plan = Plan.build(
            (FieldChange(**change) for change in document.get("changes", [])),
            (DriftFinding(**finding) for finding in document.get("drift", [])),
            (Assignment.from_dict(data) for data in document.get("assignments", [])),
            summary=document.get("summary", {}),
        )
        sources: Mapping[str, Any] = document.get("sources", {})
        items = {
            key: ItemRef(r["key"], r["source"], r["title"], r["url"], r["status"], bool(r["open"]))
            for key, r in document.get("items", {}).items()
        }
        return cls(
            generated_at=document.get("generated_at", ""),
            plan=plan,
            themes=tuple(ThemeCoverage(**row) for row in document.get("themes", [])),
            items=items,
            sources={name: SourcePull.from_json(name, doc) for name, doc in sources.items()},
            applied=ApplySummary.from_json(document["applied"]) if document.get("applied") else None,
            title=document.get("title", "roadsync report"),
            history=tuple(Snapshot.from_json(entry) for entry in document.get("history", [])),
            resolved=tuple(DriftFinding(**finding) for finding in document.get("resolved", [])),
            notes=tuple(document.get("notes", [])),
        )

    def to_json(self) -> dict[str, Any]:
        """The ``roadsync.report/1`` document (docs/report-schema.md): fixed key order, lists in
        the plan's sorted order, themes in roadmap order, ``items`` and ``sources`` by key.
        New fields may be added within version 1; renaming or removing one bumps the version."""
        referenced = sorted(
            {c.item for c in self.plan.changes}
            | {d.item for d in self.plan.drift if d.item}
            | {a.item for a in self.plan.assignments}
        )
        return {
            "schema": SCHEMA,
            "title": self.title,
            "generated_at": self.generated_at,
            "summary": dict(self.plan.summary),
            "sources": {name: self.sources[name].to_json() for name in sorted(self.sources)},
            "themes": [row.to_dict() for row in self.themes],
            "drift": [d.to_dict() for d in self.plan.drift],
            "changes": [c.to_dict() for c in self.plan.changes],
            "assignments": [a.to_dict() for a in self.plan.assignments],
            "items": {key: self.items[key].to_dict() for key in referenced if key in self.items},
            "applied": self.applied.to_json() if self.applied is not None else None,
            "checksum": self.plan.checksum,
            "history": [snapshot.to_json() for snapshot in self.history],
            "trend": self.trend.to_json() if self.trend is not None else None,
            "resolved": [d.to_dict() for d in self.resolved],
            "drift_remaining": self.drift_remaining,
            "notes": list(self.notes),
        }


def build_report(
    plan: Plan,
    items: Sequence[Item | Entry],
    roadmap: Roadmap,
    *,
    generated_at: str,
    pulled: PullResult | None = None,
    applied: ApplySummary | None = None,
    history: Sequence[Snapshot] = (),
    baseline: Baseline | None = None,
    run_id: str = "",
    written: Collection[tuple[str, str]] = (),
    themes: Sequence[ThemeCoverage] | None = None,
) -> Report:
    """Assemble the report of a plan; the plan carries every item's assignment. ``pulled`` is this
    run's pull (None offline), ``applied`` what its apply did (None when it wrote nothing),
    ``written`` the ``(item, field)`` pairs it wrote, which decide the findings it resolved.

    ``history`` is the earlier snapshots to show (oldest first); the report's own snapshot, taken
    at ``generated_at`` as run ``run_id`` and compared with ``baseline``, is appended as the
    newest, so ``report.history[-1].aligned_share == plan.summary["aligned_share"]``.

    ``themes``: the coverage rows of ``items`` under the plan's assignments when the planner
    already counted them (:attr:`~roadsync.sync.pipeline.Draft.themes`), else counted here."""
    by_key = {a.item: a for a in plan.assignments}
    refs = {item.key: item if isinstance(item, Entry) else Entry.of(item) for item in items}
    rows = tuple(themes) if themes is not None else tuple(coverage(items, by_key, roadmap))
    open_keys = frozenset(item.key for item in items if item.is_open)
    marks = marks_of(plan, open_keys)
    own = take_snapshot(
        plan, rows, open_keys, at=generated_at, run=run_id, roadmap_checksum=roadmap.checksum,
        changes_applied=applied.applied if applied else 0, baseline=baseline, marks=marks,
        assignments=by_key,
    )  # fmt: skip
    return Report(
        generated_at=generated_at,
        plan=plan,
        themes=rows,
        items=refs,
        sources=dict(pulled.sources) if pulled is not None else {},
        applied=applied,
        history=(*history, own),
        resolved=resolved_by(plan.drift, written),
        notes=((_empty_note(pulled),) if not items else ()) + _unread_notes(pulled),
        marks=marks,
    )


RESOLVED_BY: Mapping[str, str] = {"priority_mismatch": "priority"}
"""Drift kind -> the managed field whose write fixes it on the finding's item. Other kinds are
not fixed by a write: a theme's status, a person's value, a missing rule, a theme's share."""


def resolved_by(
    drift: Sequence[DriftFinding], written: Collection[tuple[str, str]]
) -> tuple[DriftFinding, ...]:
    """The findings of ``drift`` that writing ``written`` (``(item, field)`` pairs) fixed."""
    done = set(written)
    return tuple(
        finding for finding in drift
        if finding.item is not None and (finding.item, RESOLVED_BY.get(finding.kind, "")) in done
    )  # fmt: skip


def _unread_notes(pulled: PullResult | None) -> tuple[str, ...]:
    """One note per tracker this run could not read: its items in the report are the mirror's
    copy from an earlier pull, so a reader must not take them for today's."""
    if pulled is None:
        return ()
    return tuple(
        f"{name} could not be read this run ({source.error}): its items are the mirror's copy from "
        f"an earlier pull, not today's values, and nothing was written to {name}"
        for name, source in sorted(pulled.sources.items()) if source.failed
    )  # fmt: skip


def _empty_note(pulled: PullResult | None) -> str:
    if pulled is None:
        return ("the mirror holds no items yet: run 'roadsync pull' (or this verb without --offline) "
                "to read the trackers, then report again")  # fmt: skip
    return ("no item is in scope: check jira.projects / jira.jql and github.repos / github.org "
            "(roadsync doctor lists what the tokens can see)")  # fmt: skip
