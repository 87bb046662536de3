"""One run of roadsync: the sequence every tracker-facing verb configures.

A run is always the same steps, in this order; a verb only says where it stops and what it skips
(:class:`RunSpec`)::

    open      the state file (and the run lock, for runs that pull or write); read --history,
              and the journal's open intents (runs that recover)
    pull      refresh the mirror from the trackers                 (skipped offline)
    recover   finish what a killed run left in the journal         (after a pull only)
    plan      compute the plan, or take a reviewed one (--plan file); where the plan depends on
              tracker evidence of ownership fetched on demand, ask the readers and plan again
    guard     refuse a stale or oversized plan                     (apply only)
    apply     send the plan through the trackers' writers          (apply only)
    report    assemble the report of the run, its history ending with the run's own snapshot
    record    keep that snapshot in the state (and --history file) (runs that pulled and planned
              every item with every source read; see :meth:`Run.records`)
    exit      one exit code for the whole run (:attr:`RunResult.exit_code`)

``roadsync pull`` stops after pull; ``plan`` and ``report`` stop before guard; ``apply`` takes a
saved plan; ``sync`` runs everything. The demo and the benchmark run the same object. Nothing here
decides what to write (the planner does) or how to write it (the connectors do).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from roadsync.changes import WriteOutcome
from roadsync.config.load import Settings
from roadsync.config.model import FieldsConfig
from roadsync.connectors.contracts import Reader
from roadsync.connectors.model import Item
from roadsync.errors import ConfigError, LocalFileError, UsageError
from roadsync.logs import event
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.mappings.explain import decision_chain
from roadsync.private import private_folder
from roadsync.sync.apply import ApplyResult, apply_plan, check_fresh, reconcile_uncertain
from roadsync.sync.damage import move_aside, state_file_error
from roadsync.sync.evidence import plan_with_evidence, shared_accounts
from roadsync.sync.fields import current_value, field_targets
from roadsync.sync.fresh import Freshness
from roadsync.sync.guard import ChangeGuard
from roadsync.sync.history_store import RunHistory
from roadsync.sync.journal import JOURNAL_FILE, Journal, new_run_id
from roadsync.sync.lock import run_lock
from roadsync.sync.mirror import Mirror
from roadsync.sync.model import DriftFinding, Plan
from roadsync.sync.overwritten import restore_overwritten
from roadsync.sync.ownership import LAG_BOUND, Ledger
from roadsync.sync.plan import compute_pins, undecided_themes
from roadsync.sync.pull import PullResult, pull
from roadsync.sync.readbasis import refuse_another_basis
from roadsync.sync.refusals import Refusals, hold_back, unwritable_findings, with_drift
from roadsync.sync.reliance import held_back
from roadsync.sync.report import Report, build_report
from roadsync.sync.runspec import (
    EXIT_DRIFT,
    EXIT_ERROR,
    EXIT_PENDING,
    ApplyProgress,
    Quiet,
    RunResult,
    RunSpec,
    Watch,
)
from roadsync.sync.scope import Entry, PlanCache, Scope, basis_of, keep_settled, scope_of
from roadsync.sync.sources import build_readers, build_writers, close_all, read_bases
from roadsync.sync.state import STATE_FILE, State, iso_utc, open_state

__all__ = [
    "EXIT_DRIFT",
    "EXIT_ERROR",
    "EXIT_PENDING",
    "ApplyProgress",
    "Backlog",
    "Quiet",
    "Run",
    "RunResult",
    "RunSpec",
    "Watch",
    "load_plan_file",
    "read_backlog",
]

@dataclass
class Run:
    """One run over ``settings`` as ``spec`` says; :meth:`execute` takes the steps in order."""

    settings: Settings
    spec: RunSpec
    watch: Watch = field(default_factory=Quiet)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    _read_at: float = field(default=0.0, init=False, repr=False)
    _read_iso: str = field(default="", init=False, repr=False)
    _basis: str = field(default="", init=False, repr=False)
    _notices: list[str] = field(default_factory=list, init=False, repr=False)
    _themes: tuple[ThemeCoverage, ...] | None = field(default=None, init=False, repr=False)

    def execute(self) -> RunResult:
        """Take every step the spec asks for; raises what a step raises (a refused plan, a held
        lock, a config error) with nothing written past that step. A run that talks to the
        trackers reads every token first: all the missing ones are one error (exit 78)."""
        if self.spec.pull or self.spec.apply:
            self.settings.check_tokens()
        run_id = new_run_id()
        with self._opened() as (mirror, state):
            # Read first: a damaged history file stops the run before anything is pulled or written.
            history = RunHistory.open(mirror.conn, self.spec.history_file)
            if not self.spec.pull:
                refuse_another_basis(mirror, read_bases(self.settings))
            readers = build_readers(self.settings, mirror) if self.spec.pull else []
            try:
                # History since a little before this read: a tracker's clock may lag ours.
                self._read_at, self._read_iso = time.monotonic(), iso_utc(self.clock() - LAG_BOUND)
                # The journal too: a damaged one stops the run before the pull moves any cursor.
                journal = Journal(self.settings.state_dir / JOURNAL_FILE)
                recovers = self.spec.pull and not self.spec.stop_after_pull
                pending = self._uncertain(journal, state) if recovers else []
                pulled = self._pull(mirror, readers)
                if self.spec.stop_after_pull:
                    return RunResult(self.spec, pulled=pulled, notices=tuple(self._notices))
                working = {r.source: r for r in readers if r.source not in _failed(pulled)}
                scope = self._scope(mirror, working, pulled, also=[str(e.get("item")) for e in pending])
                items = scope.items
                recovered = self._recover(journal, pending, mirror, state) if pulled is not None else 0
                refusals = Refusals(state.conn)
                plan = self.spec.saved_plan or self._plan(scope, state, refusals, working, pulled, mirror)
                applied = None
                if self.spec.apply and not _failed(pulled):  # held_back reads every item otherwise
                    scope = scope.for_writes({change.item for change in plan.changes})
                    items = scope.items
                if self.spec.apply:
                    applied, overwritten = self._apply(plan, scope, pulled, state, journal, working, run_id)
                    refusals.settle(applied.outcomes, self.clock())
                    plan = with_drift(plan, [*unwritable_findings(plan, applied.outcomes), *overwritten])
                    mirror.forget(o.change.item for o in applied.outcomes if _gone(o))
            finally:
                close_all(readers)
            report = None
            if self.spec.report or self.records(pulled):
                report = self._report(plan, scope.entries(), pulled, applied, history, run_id)
                if self.records(pulled):
                    history.record(report.history[-1], report.marks)
        return RunResult(self.spec, pulled, items, plan, applied, report if self.spec.report else None,
                         recovered, scope, tuple(self._notices))  # fmt: skip

    def _keeps(self, pulled: PullResult | None) -> bool:
        """Whether this run plans from and keeps per-item outcomes (:mod:`roadsync.sync.scope`):
        it pulled every source (so it may ask any tracker for evidence) and plans every item
        itself. Offline verbs, ``--only`` and saved plans plan every item from the mirror."""
        return self.records(pulled)

    def _scope(self, mirror: Mirror, readers: Mapping[str, Reader], pulled: PullResult | None,
               also: Sequence[str] = ()) -> Scope:  # fmt: skip
        """What this run loads and plans: with kept outcomes, the changed items and what depends
        on them; on ``--full``, or a run that keeps nothing, the whole mirror. The mirror is read
        here, once. An intent a killed run left open names an item with a planned change, whose
        outcome was never kept: it is planned as a changed item (``also``: the items the open
        intents name)."""
        settings = self.settings
        self._basis = basis_of(settings.roadmap, settings.model.fields, readers, shared_accounts(settings))
        keeps = self._keeps(pulled) and not self.spec.full
        return scope_of(mirror, PlanCache(mirror) if keeps else None, self._basis, also=also)

    def _plan(self, scope: Scope, state: State, refusals: Refusals, readers: Mapping[str, Reader],
              pulled: PullResult | None, mirror: Mirror) -> Plan:  # fmt: skip
        """The plan, with the ownership evidence it needs from ``readers``
        (:func:`roadsync.sync.evidence.plan_with_evidence`); changes a tracker refused before are
        held back as ``unwritable`` drift until the next full refresh (``--full``, or
        ``run.full_refresh_hours`` later; see :mod:`roadsync.sync.refusals`). A tracker that could
        not answer for its evidence counts as failed this run, like a failed pull: nothing is
        written to it and the run is incomplete (exit 4), so a later run finishes the job."""
        failures: dict[str, str] = {}
        draft = plan_with_evidence(self.settings, scope.items, state, readers, now=iso_utc(self.clock()),
                                   only=self.spec.only, failures=failures, scope=scope)  # fmt: skip
        for source, why in failures.items():
            if pulled is not None and source in pulled.sources:
                pulled.sources[source].error = f"ownership evidence could not be read: {why}"
        plan, self._themes = draft.plan, draft.themes  # hold_back and apply keep the assignments
        if self._keeps(pulled):
            keep_settled(PlanCache(mirror), self._basis, scope, plan, draft.settled, draft.findings)
        settings = self.settings
        if self.spec.full:
            return plan
        recheck = timedelta(hours=settings.model.run.full_refresh_hours)
        return hold_back(plan, refusals.active(self.clock(), recheck))

    # -- the steps -----------------------------------------------------------------------------

    @contextmanager
    def _opened(self) -> Iterator[tuple[Mirror, State]]:
        """The state file, under the run lock when the spec takes it. ``rebuild`` (which needs
        the lock) first moves the state file aside, and the journal too when it is damaged. A
        SQLite failure anywhere in the block becomes one line naming the state file
        (:func:`roadsync.sync.damage.state_file_error`)."""
        state_dir = _state_folder(self.settings)
        lock = run_lock(state_dir) if self.spec.lock else nullcontext()
        with lock:
            if self.spec.rebuild and self.spec.lock:
                _move_damaged_aside(state_dir)
            elif not (state_dir / STATE_FILE).exists():
                self._notices.append(_fresh_state(state_dir / STATE_FILE))
            with _state_errors(state_dir):
                mirror, state = open_state(state_dir)
                try:
                    yield mirror, state
                finally:
                    mirror.conn.close()  # checkpoints the WAL into the state file

    def _pull(self, mirror: Mirror, readers: Sequence[Reader]) -> PullResult | None:
        if not self.spec.pull:
            return None
        with self.watch.pulling() as progress:
            now = self.clock()
            pulled = pull(self.settings, full=self.spec.full, now=now, mirror=mirror, progress=progress,
                          readers=readers)  # fmt: skip
        self.watch.pulled(pulled)
        return pulled

    def _uncertain(self, journal: Journal, state: State) -> list[dict[str, Any]]:
        """The intents left open since the state file's journal mark; a journal that is not the
        one the mark was taken on is read from its start, and the user is told."""
        since = state.journal_settled()
        pending = journal.uncertain(since)
        if since.offset and journal.read_from == 0:
            self._notices.append(
                f"journal {journal.path} is not the one the state file last read (deleted, shortened "
                "or replaced): it was read from its start to check every write left without an outcome"
            )
        return pending

    def _recover(self, journal: Journal, pending: Sequence[dict[str, Any]], mirror: Mirror,
                 state: State) -> int:  # fmt: skip
        """Intents a killed run left open (``pending``), verified against the mirror just
        refreshed: the items they name are looked up there, whether or not this pull returned them."""
        return reconcile_uncertain(journal, pending, mirror, self.settings.model.fields, state)

    def _apply(self, plan: Plan, scope: Scope, pulled: PullResult | None, state: State,
               journal: Journal, readers: Mapping[str, Reader], run_id: str,
               ) -> tuple[ApplyResult, list[DriftFinding]]:  # fmt: skip
        """Guard, then write. A tracker whose pull failed this run gets no writes: its mirror copy
        may be stale, and writing from stale values is how a person's edit gets clobbered. Nor do
        the other tracker's items whose decision rests on it (:func:`held_back`). Their changes
        come back skipped with the reason; the next run that reads both plans them again. Items
        whose read is older than ``run.reread_after_s`` are read again right before they are
        written (:mod:`roadsync.sync.fresh`). ``scope.items`` hold every item the plan touches."""
        by_key, entries = {item.key: item for item in scope.items}, scope.entries()
        if self.spec.saved_plan is not None:
            check_fresh(plan, by_key, self.settings.model.fields)
        ChangeGuard.of(self.settings.model.run, entries, max_changes=self.spec.max_changes).check(
            plan, force=self.spec.force
        )
        if not plan.changes:
            return ApplyResult(()), []
        failed = _failed(pulled)
        writers = {name: w for name, w in build_writers(self.settings).items() if name not in failed}
        held = held_back(plan, by_key, failed)
        fields, bound = self.settings.model.fields, self.settings.model.run.reread_after_s
        fresh = {name: Freshness(r.reread, fields, self._read_at, bound) for name, r in readers.items()}
        try:
            with self.watch.applying(len(plan.changes)) as progress:
                result = apply_plan(plan, by_key, writers, state, journal, run_id, progress=progress,
                                    fields=fields, fresh=fresh, held=held)  # fmt: skip
            themes = {a.item: a.theme for a in plan.assignments}
            found = restore_overwritten(result.outcomes, by_key, readers, writers, state, fields,
                                        since=self._read_iso, themes=themes)  # fmt: skip
            return result, found
        finally:
            close_all(writers.values())

    def records(self, pulled: PullResult | None) -> bool:
        """Whether this run keeps its snapshot: it pulled, every source was read, and it planned
        every item itself (not a saved plan, not ``--only``), so the snapshot is the whole
        backlog as it is now. Other runs still show the history and their own point."""
        if pulled is None or any(source.failed for source in pulled.sources.values()):
            return False
        return self.spec.saved_plan is None and self.spec.only is None

    def _report(
        self, plan: Plan, items: Sequence[Entry | Item], pulled: PullResult | None,
        applied: ApplyResult | None, history: RunHistory, run_id: str,
    ) -> Report:  # fmt: skip
        """The report, its history the stored and kept points up to now, downsampled, from
        ``spec.since`` on, then the run's own snapshot."""
        now = self.clock()
        return build_report(
            plan,
            items,
            self.settings.roadmap,
            generated_at=iso_utc(now),
            pulled=pulled,
            applied=applied.summary if applied is not None else None,
            history=history.shown(now, self.spec.since),
            baseline=history.baseline(now),
            run_id=run_id,
            written=applied.written if applied is not None else (),
            themes=self._themes,
        )


@dataclass(frozen=True)
class Backlog:
    """The mirror as the offline verbs (explain, roadmap) read it: items, the themes people pinned,
    and the ownership evidence (the same decision the planner makes)."""

    items: list[Item]
    pins: dict[str, str]
    ledger: Ledger = field(default_factory=Ledger)

    def ownership(self, key: str, fields: FieldsConfig) -> list[dict[str, str | None]]:
        """Whose value each managed field of item ``key`` holds: ``field``, ``value``, ``owner``
        (``roadsync``/``person``/``nobody``/``unsettled``) and the ``evidence`` that says so."""
        item = next((i for i in self.items if i.key == key), None)
        rows: list[dict[str, str | None]] = []
        for name, _, target in field_targets(fields, item.source) if item is not None else ():
            assert item is not None
            current = current_value(item, target)
            verdict = self.ledger.verdict(item, name, target, current)
            value = ", ".join(current.ambiguous) if current.ambiguous else current.value
            rows.append({"field": name, "value": value, "owner": verdict.owner, "evidence": verdict.why})
        return rows

    def provisional(
        self, key: str, fields: FieldsConfig, assignments: Mapping[str, Assignment]
    ) -> str | None:
        """Why ``key``'s theme is provisional, or None: its decision passes through an item (itself,
        a parent, a linked item) whose theme tag's history the mirror has not read, so the tag may
        be a person's pin (:func:`roadsync.sync.plan.undecided_themes`, the offline plan's rule)."""
        undecided = undecided_themes(self.items, fields, self.ledger, assignments)
        if key not in undecided:
            return None
        by_key = {item.key: item for item in self.items}
        tagged = next(k for k in reversed(decision_chain(key, by_key, assignments)) if k in undecided)
        whose = "its theme tag's" if tagged == key else f"its theme follows {tagged}, whose theme tag's"
        return (f"{whose} history is not read (the tag may be a person's pin); an online plan reads it only "
                "where the roadmap asks for another value, so it stays so while they agree")


def read_backlog(settings: Settings) -> Backlog:
    """The items in the mirror and their pins; no network, no lock (nothing is written)."""
    state_dir = _state_folder(settings)
    with _state_errors(state_dir):
        mirror, state = open_state(state_dir)
        try:
            refuse_another_basis(mirror, read_bases(settings))
            items = mirror.items()
            fields, roadmap = settings.model.fields, settings.roadmap
            ledger = offline_ledger(state, items)
            return Backlog(items, compute_pins(items, fields, ledger, roadmap), ledger)
        finally:
            mirror.conn.close()


def _state_folder(settings: Settings) -> Path:
    """``run.state_dir``, created 0700 if missing; a folder that cannot be made is a config error."""
    try:
        return private_folder(settings.state_dir)
    except OSError as exc:
        raise ConfigError(f"run.state_dir {settings.state_dir} cannot be created ({exc.strerror})",
                          hint="point run.state_dir at a folder this user can write") from None


@contextmanager
def _state_errors(state_dir: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise state_file_error(state_dir / STATE_FILE, exc) from None


def _fresh_state(path: Path) -> str:
    return (f"no state file was at {path}, so a new one was made (a first run, or the state folder was "
            "deleted or replaced): who owns each value is decided from the trackers' own evidence, "
            "so no decision changes; this run reads every item")  # fmt: skip


def _move_damaged_aside(state_dir: Path) -> None:
    state_file = state_dir / STATE_FILE
    aside = [state_file, *(state_dir / f"{STATE_FILE}{end}" for end in ("-wal", "-shm"))]
    journal = Journal(state_dir / JOURNAL_FILE)
    try:
        journal.check()
    except LocalFileError:
        aside.append(journal.path)
    for path in move_aside(aside):
        event("state.moved_aside", logging.WARNING, file=str(path))


def _gone(outcome: WriteOutcome) -> bool:
    """A write that found its item gone (deleted, moved, transferred): its key leaves the mirror."""
    return outcome.status == "skipped" and (outcome.error or "").startswith("item gone")


def _failed(pulled: PullResult | None) -> set[str]:
    """Trackers whose pull failed this run (no evidence asked of them, no writes sent to them)."""
    return {name for name, source in (pulled.sources.items() if pulled else ()) if source.failed}


def offline_ledger(state: State, items: Sequence[Item]) -> Ledger:
    """The ownership evidence a verb without network has: what the items carry, the evidence
    fetched earlier for unchanged items, the state cache; with the time now, so a mirror copy read
    before roadsync's own recent write (``explain`` right after ``sync``) is ``unsettled``, not
    blamed on a person."""
    return Ledger(state.known_evidence(items), state.marks(items), iso_utc(datetime.now(timezone.utc)))


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
