"""Pins, mapping, changes and drift composed into one pure step: :func:`make_plan`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from roadsync.config.model import FieldsConfig
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.engine import assign
from roadsync.mappings.roadmap import Roadmap
from roadsync.sync.drift import DriftInput, find_drift
from roadsync.sync.model import DRIFT_KINDS, DriftFinding, Plan
from roadsync.sync.ownership import Ledger, Pair
from roadsync.sync.plan import Written, as_ledger, compute_pins, plan_changes

__all__ = ["Draft", "draft_plan", "make_plan", "summarize"]


def summarize(
    items: Sequence[Item], assignments: dict[str, Assignment], changes: int, drift: Sequence[DriftFinding]
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
    depends on evidence fetched on demand and not asked for yet). Empty ``wanted``: final."""

    plan: Plan
    wanted: frozenset[Pair]


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
) -> Draft:
    """The whole plan for these items: every assignment, the changes to write, the drift found,
    and the evidence a better-informed plan would need.

    ``only`` restricts changes and item-level drift to those keys (the Action's ``issues``
    trigger); mapping still sees every item, so parents and links still count, and the plan
    carries every item's assignment (reports compute coverage from them).
    """
    ledger = as_ledger(evidence)
    pins = compute_pins(items, fields, ledger, roadmap)
    assignments = assign(items, roadmap, pins)
    judged = plan_changes(items, assignments, roadmap, fields, ledger, only=only)
    changes = judged.changes
    drift = find_drift(DriftInput(items, assignments, roadmap, fields, judged.findings))
    if only is not None:
        drift = [d for d in drift if d.item is None or d.item in only]
    touched = {change.item for change in changes}
    seen = {item.key: item.updated for item in items if item.key in touched}
    plan = Plan.build(
        changes,
        drift,
        assignments.values(),
        seen=seen,
        summary=summarize(items, assignments, len(changes), drift),
    )
    return Draft(plan, frozenset(judged.wanted))
