"""Pins, mapping, changes and drift composed into one pure step: :func:`make_plan`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from roadsync.config.model import FieldsConfig
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.coverage import ThemeCoverage, coverage
from roadsync.mappings.engine import assign
from roadsync.mappings.roadmap import Roadmap
from roadsync.sync.drift import DriftInput, item_drift, theme_drift
from roadsync.sync.model import DRIFT_KINDS, DriftFinding, Plan
from roadsync.sync.ownership import Ledger, Pair
from roadsync.sync.plan import Written, as_ledger, compute_pins, plan_changes, undecided_themes
from roadsync.sync.scope import Entry, Kept, Scope, narrowed

__all__ = ["Draft", "draft_plan", "make_plan", "redraft", "summarize"]

_NO_FINDINGS: Mapping[str, str] = {}


def summarize(
    items: Sequence[Entry | Item],
    assignments: dict[str, Assignment],
    changes: int,
    drift: Sequence[DriftFinding],
) -> dict[str, Any]:
    """Headline figures: items, open items, aligned share, changes, drift by kind."""
    open_items = [item for item in items if item.is_open]
    aligned = sum(1 for item in open_items if assignments[item.key].theme is not None)
    by_kind = Counter(finding.kind for finding in drift)
    by_source = Counter(item.source for item in items)
    return {
        "items": len(items),
        "open_items": len(open_items),
        "aligned_items": aligned,
        "aligned_share": round(aligned / len(open_items), 4) if open_items else 1.0,
        "changes": changes,
        "drift": len(drift),
        "drift_by_kind": {kind: by_kind.get(kind, 0) for kind in DRIFT_KINDS},
        "items_by_source": dict(sorted(by_source.items())),
    }


@dataclass(frozen=True)
class Draft:
    """A plan and the tracker evidence it still wants (``(item key, field)`` pairs whose decision
    depends on evidence fetched on demand and not asked for yet). Empty ``wanted``: final.
    ``settled``: the keys planned afresh whose outcome may be kept (:mod:`roadsync.sync.scope`):
    nothing to write, no evidence wanted, no value unsettled by search lag."""

    plan: Plan
    wanted: frozenset[Pair]
    settled: frozenset[str] = frozenset()
    findings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The ownership decision's findings: item key -> field -> finding."""
    themes: tuple[ThemeCoverage, ...] = ()
    """The coverage rows of every item under the plan's assignments (theme-level drift rests on
    them; the report shows the same rows, so a run counts its backlog once)."""


def make_plan(
    items: Sequence[Item],
    roadmap: Roadmap,
    fields: FieldsConfig,
    evidence: Ledger | Written,
    *,
    only: Collection[str] | None = None,
) -> Plan:
    """The whole plan for these items (see :func:`draft_plan`), whatever evidence it still wants."""
    return draft_plan(items, roadmap, fields, evidence, only=only).plan


def draft_plan(
    items: Sequence[Item],
    roadmap: Roadmap,
    fields: FieldsConfig,
    evidence: Ledger | Written,
    *,
    only: Collection[str] | None = None,
    scope: Scope | None = None,
) -> Draft:
    """The whole plan: every assignment, the changes to write, the drift found, and the evidence
    a better-informed plan would need.

    Without ``scope``, ``items`` is the whole backlog and every item is planned. With one,
    ``items`` are ``scope.items`` (the dirty items and what their decisions read); the dirty ones
    are planned, every other item keeps its outcome from ``scope.kept``, and theme-level drift and
    the summary count every item: the same plan as a full one (:mod:`roadsync.sync.scope`).

    ``only`` restricts changes and item-level drift to those keys (the Action's ``issues``
    trigger); mapping still sees every item, so parents and links still count, and the plan
    carries every item's assignment (reports compute coverage from them).
    """
    ledger = as_ledger(evidence)
    kept = scope.kept if scope is not None else {}
    fresh = assign(items, roadmap, compute_pins(items, fields, ledger, roadmap))
    assignments = {key: k.assignment for key, k in kept.items()}
    assignments.update((key, a) for key, a in fresh.items() if key not in kept)
    planned = [item for item in items if item.key not in kept]
    judged = plan_changes(planned, assignments, roadmap, fields, ledger, only=only)
    ownership = {item.key: kept[item.key].ownership for item in items if item.key in kept}
    data = DriftInput(items, assignments, roadmap, fields, {**ownership, **judged.findings})
    entries: Sequence[Entry | Item] = scope.entries() if scope is not None else items
    themes = tuple(coverage(entries, assignments, roadmap))
    drift = [*item_drift(data, {item.key for item in planned}), *(d for k in kept.values() for d in k.drift),
             *theme_drift(entries, assignments, roadmap, themes)]  # fmt: skip
    if only is not None:
        drift = [d for d in drift if d.item is None or d.item in only]
    changes = judged.changes
    undecided = undecided_themes(items, fields, ledger, assignments)
    if undecided:  # offline: never a write planned from a theme the unread history might contradict
        changes = [change for change in changes if change.item not in undecided]
    touched = {change.item for change in changes}
    seen = {item.key: item.updated for item in items if item.key in touched}
    summary = summarize(entries, assignments, len(changes), drift)
    plan = Plan.build(changes, drift, assignments.values(), seen=seen, summary=summary)
    unsure = touched | judged.unsettled | {key for key, _ in judged.wanted}
    settled = frozenset(item.key for item in planned if item.key not in unsure)
    return Draft(plan, frozenset(judged.wanted), settled, judged.findings, themes)


def redraft(
    first: Draft,
    items: Sequence[Item],
    roadmap: Roadmap,
    fields: FieldsConfig,
    ledger: Ledger,
    touched: Collection[str],
    *,
    only: Collection[str] | None = None,
) -> Draft:
    """The draft of every item in ``items`` (``first`` planned them all) again with ``ledger``,
    which differs from ``first``'s only in evidence about ``touched`` items: those and what
    depends on them (descendants, links, one ring further: :func:`~roadsync.sync.scope.narrowed`)
    are planned afresh, every other item keeps ``first``'s outcome, changes included. The same
    draft as :func:`draft_plan` of every item with ``ledger``, for the cost of what the evidence
    can change (a first sync asks it for about one item in eight)."""
    assignments = {a.item: a for a in first.plan.assignments}
    drift: dict[str, list[DriftFinding]] = {}
    for finding in first.plan.drift:
        if finding.item is not None:
            drift.setdefault(finding.item, []).append(finding)
    # The items themselves as entries, and one empty findings mapping: a first sync re-plans
    # with this beside both drafts, the peak of its memory (a copy each would add ~170 bytes an item).
    outcomes = {item.key: Kept(item, assignments[item.key], tuple(drift.get(item.key, ())),
                               first.findings.get(item.key, _NO_FINDINGS), item.parent, item.links)
                for item in items}  # fmt: skip
    scope = narrowed(items, outcomes, touched)
    second = draft_plan(scope.items, roadmap, fields, ledger, only=only, scope=scope)
    changes = [c for c in first.plan.changes if c.item not in scope.dirty] + list(second.plan.changes)
    seen = {**{k: v for k, v in first.plan.seen.items() if k not in scope.dirty}, **second.plan.seen}
    merged = {a.item: a for a in second.plan.assignments}
    summary = summarize(scope.entries(), merged, len(changes), second.plan.drift)
    plan = Plan.build(changes, second.plan.drift, merged.values(), seen=seen, summary=summary)
    settled = (first.settled - scope.dirty) | second.settled
    findings = {**{k: v for k, v in first.findings.items() if k not in scope.dirty}, **second.findings}
    return Draft(plan, second.wanted, settled, findings, second.themes)
