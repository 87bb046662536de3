"""Changes a tracker refused for a reason of its configuration, remembered so that later runs do
not send them again blindly (design.md: drift kind ``unwritable``).

A change whose outcome was ``unwritable`` (a field off the issue type's edit screen, a priority
outside the project's priority scheme, an option outside the field's context, a label Jira cannot
store) is recorded by (item, field) with the refused value, Jira's reason and the time. A later plan
that would write that same value to that field holds it back as ``unwritable`` drift with the
remembered reason: no request is sent. It is sent again when

- the roadmap asks for another value there (a different change, planned as usual);
- a full refresh comes round (``run.full_refresh_hours`` after the refusal, or ``--full``): the
  change goes to the writer, which checks it against the site's current editmeta (one read per
  project and issue type) and sends it only if the site now takes it; still refused, it is
  remembered again from that run.

A write of the field that succeeds forgets the refusal. The records live in the state file (part
``refusals``); losing them costs one editmeta read per project and issue type on the next run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from roadsync.changes import WriteOutcome
from roadsync.sync.db import migrate
from roadsync.sync.model import DriftFinding, Plan
from roadsync.sync.state import iso_utc

__all__ = ["MIGRATIONS", "Refusal", "Refusals", "hold_back", "unwritable_findings"]

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE refused (
        item TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        reason TEXT NOT NULL,
        refused_at TEXT NOT NULL,
        PRIMARY KEY (item, field)
    )
    """,
)


@dataclass(frozen=True)
class Refusal:
    """A remembered refusal: the value the tracker refused for (item, field), why and when."""

    value: str | None
    reason: str
    refused_at: str


class Refusals:
    """The ``refused`` table of the state file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        migrate(conn, "refusals", MIGRATIONS)

    def active(self, now: datetime, recheck_after: timedelta) -> dict[tuple[str, str], Refusal]:
        """The refusals younger than ``recheck_after`` (older ones are checked again)."""
        since = iso_utc(now - recheck_after)
        rows = self.conn.execute(
            "SELECT item, field, value, reason, refused_at FROM refused WHERE refused_at > ?", (since,)
        )
        return {(row[0], row[1]): Refusal(row[2], row[3], row[4]) for row in rows}

    def settle(self, outcomes: Iterable[WriteOutcome], now: datetime) -> None:
        """Remember each ``unwritable`` outcome; forget a field once a write of it succeeds."""
        when = iso_utc(now)
        for outcome in outcomes:
            change = outcome.change
            if outcome.status == "unwritable":
                self.conn.execute(
                    "INSERT INTO refused (item, field, value, reason, refused_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(item, field) DO UPDATE SET value = excluded.value, "
                    "reason = excluded.reason, refused_at = excluded.refused_at",
                    (change.item, change.field, change.new, outcome.error or "refused", when),
                )
            elif outcome.status == "applied":
                self.conn.execute(
                    "DELETE FROM refused WHERE item = ? AND field = ?", (change.item, change.field)
                )


def hold_back(plan: Plan, refused: Mapping[tuple[str, str], Refusal]) -> Plan:
    """``plan`` without the changes a remembered refusal covers (same item, field and value);
    each becomes an ``unwritable`` finding with the remembered reason. Pure."""
    kept, findings = [], []
    covered = [(c, refused.get((c.item, c.field))) for c in plan.changes]
    if all(refusal is None or refusal.value != c.new for c, refusal in covered):
        return plan  # nothing held back (a quiet run): no need to look at every assignment
    themes = _themes(plan)
    for change, refusal in covered:
        if refusal is None or refusal.value != change.new:
            kept.append(change)
            continue
        detail = _detail(change.field, change.old, change.new, refusal.reason)
        findings.append(
            DriftFinding(
                "unwritable",
                change.item,
                themes.get(change.item),
                f"{detail} (refused {refusal.refused_at}; not sent again until the next full refresh)",
            )
        )
    if not findings:
        return plan
    touched = {change.item for change in kept}
    seen = {key: updated for key, updated in plan.seen.items() if key in touched}
    held = Plan.build(kept, plan.drift, plan.assignments, seen=seen, summary=plan.summary)
    return with_drift(replace(held, summary={**plan.summary, "changes": len(kept)}), findings)


def unwritable_findings(plan: Plan, outcomes: Sequence[WriteOutcome]) -> list[DriftFinding]:
    """One ``unwritable`` finding per ``unwritable`` outcome, with the tracker's reason."""
    refused = [o for o in outcomes if o.status == "unwritable"]
    themes = _themes(plan) if refused else {}
    return [
        DriftFinding(
            "unwritable",
            o.change.item,
            themes.get(o.change.item),
            _detail(o.change.field, o.change.old, o.change.new, o.error or "refused"),
        )
        for o in refused
    ]


def _themes(plan: Plan) -> dict[str, str | None]:
    """Each item's theme in ``plan`` (built only when a finding needs one: it reads every item)."""
    return {a.item: a.theme for a in plan.assignments}


def with_drift(plan: Plan, findings: Sequence[DriftFinding]) -> Plan:
    """``plan`` with ``findings`` added to its drift and its summary's drift counts (the checksum,
    over changes and ``seen``, is unchanged)."""
    if not findings:
        return plan
    drift = Plan.build((), [*plan.drift, *findings]).drift
    summary = dict(plan.summary)
    if "drift" in summary:
        by_kind = dict(summary.get("drift_by_kind") or {})
        for finding in findings:
            by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
        summary.update(drift=len(drift), drift_by_kind=by_kind)
    return replace(plan, drift=drift, summary=summary)


def _detail(field: str, old: str | None, new: str | None, reason: str) -> str:
    return f"{field} {old or '(empty)'} -> {new or '(empty)'} cannot be written: {reason}"
