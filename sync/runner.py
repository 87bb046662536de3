"""The thin I/O around the pure planner: open the state, pull, plan, apply, report.

Verbs call these in a fixed order; nothing here decides what to write (the planner does) or
how to write it (the connectors do).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from roadsync.config.load import Settings
from roadsync.connectors.model import Item
from roadsync.errors import UsageError
from roadsync.sync.apply import (
    ApplyResult,
    apply_plan,
    change_limit,
    check_fresh,
    check_guard,
    reconcile_uncertain,
)
from roadsync.sync.journal import JOURNAL_FILE, Journal, new_run_id
from roadsync.sync.lock import run_lock
from roadsync.sync.mirror import Mirror
from roadsync.sync.model import Plan
from roadsync.sync.pipeline import make_plan
from roadsync.sync.plan import compute_pins
from roadsync.sync.pull import PullResult, pull
from roadsync.sync.report import Report, build_report
from roadsync.sync.sources import build_writers
from roadsync.sync.state import State, iso_utc, open_state

__all__ = ["Session", "load_plan_file", "open_session"]


@dataclass
class Session:
    """One run: settings, the state file's parts, the journal, a run id."""

    settings: Settings
    mirror: Mirror
    state: State
    journal: Journal
    run_id: str

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def pull(self, *, full: bool = False, progress: Any = None) -> PullResult:
        result = pull(self.settings, full=full, now=self.now(), mirror=self.mirror, progress=progress)
        reconcile_uncertain(self.journal, self.items_by_key(), self.settings.model.fields, self.state)
        return result

    def items(self) -> list[Item]:
        return self.mirror.items()

    def items_by_key(self) -> dict[str, Item]:
        return {item.key: item for item in self.mirror.items()}

    def written(self) -> dict[tuple[str, str], str | None]:
        return {key: record.value for key, record in self.state.all_written().items()}

    def pins(self, items: list[Item]) -> dict[str, str]:
        return compute_pins(items, self.settings.model.fields, self.written())

    def plan(self, only: Collection[str] | None = None) -> Plan:
        model = self.settings.model
        return make_plan(self.items(), self.settings.roadmap, model.fields, self.written(), only=only)

    def report(self, plan: Plan, pulled: PullResult | None, applied: ApplyResult | None = None) -> Report:
        return build_report(
            plan,
            self.items(),
            self.settings.roadmap,
            generated_at=iso_utc(self.now()),
            sources=pulled.to_json()["sources"] if pulled else {},
            applied={k: v for k, v in applied.to_json().items() if k != "outcomes"} if applied else None,
        )

    def change_limit(self, max_changes: int | None) -> int:
        run = self.settings.model.run
        managed = sum(1 for item in self.items() if item.is_open)
        return change_limit(
            managed, max_changes if max_changes is not None else run.max_changes, run.max_changes_share
        )

    def apply(
        self,
        plan: Plan,
        *,
        max_changes: int | None = None,
        force: bool = False,
        check_staleness: bool = False,
        pulled: PullResult | None = None,
        progress: Any = None,
    ) -> ApplyResult:
        """Guard, then write; ``check_staleness`` for a plan computed in an earlier run.

        A tracker whose pull failed in ``pulled`` gets no writes: its mirror copy may be stale,
        and writing from stale values is how a person's edit gets clobbered. Its changes come
        back skipped; the next run that reaches it plans them again.
        """
        items = self.items_by_key()
        if check_staleness:
            check_fresh(plan, items)
        check_guard(plan, self.change_limit(max_changes), force=force)
        if not plan.changes:
            return ApplyResult(())
        failed = {name for name, source in (pulled.sources.items() if pulled else ()) if source.failed}
        writers = {name: w for name, w in build_writers(self.settings).items() if name not in failed}
        return apply_plan(plan, items, writers, self.state, self.journal, self.run_id, progress=progress)


@contextmanager
def open_session(settings: Settings, *, lock: bool = True) -> Iterator[Session]:
    """Open the state file (and take the run lock for runs that pull or write)."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    if lock:
        with run_lock(settings.state_dir):
            yield _session(settings)
    else:
        yield _session(settings)


def _session(settings: Settings) -> Session:
    mirror, state = open_state(settings.state_dir)
    return Session(settings, mirror, state, Journal(settings.state_dir / JOURNAL_FILE), new_run_id())


def load_plan_file(path: Path) -> Plan:
    """A plan written by ``roadsync plan --out``; a clear usage error when it is not one."""
    try:
        return Plan.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise UsageError(
            f"plan file {path} does not exist", hint="write one with 'roadsync plan --out'"
        ) from exc
    except (ValueError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"{path} is not a usable plan: {exc}", hint="run 'roadsync plan --out' again"
        ) from exc
