"""Apply does only apply: a plan and writers in, one outcome per change out.

It never re-plans and never decides what to write. Per change: journal the intent (fsynced),
send it through the item's tracker writer, record the value roadsync now owns, journal the
outcome. A per-item failure is an outcome, not an exception: apply keeps going. Guards (the
change limit in :mod:`roadsync.sync.guard`, a stale plan) are checked before anything is sent.

:func:`reconcile_uncertain` finishes what a killed run left open: an intent without an
outcome is checked against the freshly pulled item and recorded as applied (the tracker holds
the intended value, so roadsync owns it) or not applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldsConfig
from roadsync.connectors.contracts import Writer
from roadsync.connectors.model import Item
from roadsync.errors import RoadsyncError, scrub
from roadsync.sync.fields import current_value
from roadsync.sync.journal import Journal
from roadsync.sync.model import Plan
from roadsync.sync.plan import target_for
from roadsync.sync.state import State

__all__ = [
    "ApplyResult",
    "ApplySummary",
    "PlanRefused",
    "Writer",
    "apply_plan",
    "check_fresh",
    "reconcile_uncertain",
]


class PlanRefused(RoadsyncError):
    """The plan is refused before anything is written (too large, or stale)."""

    exit_code = 1


@dataclass(frozen=True)
class ApplySummary:
    """How many changes of a run were applied, skipped, failed and unwritable, and every change
    not applied with its reason (``not_written``: what each renderer lists)."""

    applied: int = 0
    skipped: int = 0
    failed: int = 0
    unwritable: int = 0
    not_written: tuple[WriteOutcome, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "skipped": self.skipped,
            "failed": self.failed,
            "unwritable": self.unwritable,
            "not_written": [outcome.to_dict() for outcome in self.not_written],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ApplySummary:
        applied, skipped, failed, unwritable = (
            int(document.get(key, 0)) for key in ("applied", "skipped", "failed", "unwritable")
        )
        not_written = tuple(_outcome(raw) for raw in document.get("not_written") or ())
        return cls(applied, skipped, failed, unwritable, not_written)


def _outcome(raw: Mapping[str, Any]) -> WriteOutcome:
    fields = ("item", "field", "old", "new", "reason", "rule")
    change = FieldChange(**{key: raw.get(key) for key in fields})  # type: ignore[arg-type]
    return WriteOutcome(change, raw.get("status", "failed"), raw.get("error"))


@dataclass(frozen=True)
class ApplyResult:
    """One outcome per change of the plan, in plan order (held-back batches last)."""

    outcomes: tuple[WriteOutcome, ...]

    @property
    def written(self) -> frozenset[tuple[str, str]]:
        """``(item, field)`` of every change that was applied."""
        return frozenset((o.change.item, o.change.field) for o in self.outcomes if o.status == "applied")

    @property
    def summary(self) -> ApplySummary:
        not_written = tuple(o for o in self.outcomes if o.status != "applied")
        applied, skipped, unwritable = self.count("applied"), self.count("skipped"), self.count("unwritable")
        return ApplySummary(applied, skipped, self.failed, unwritable, not_written)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    journal_syncs: int = 0
    """fsyncs of the journal during this apply: intents are journaled per batch of writes started
    together (one fsync each, before any of them is sent), outcomes ride on the next fsync."""

    @property
    def failed(self) -> int:
        return self.count("failed")

    def to_json(self) -> dict[str, Any]:
        """``applied``, ``skipped``, ``failed``, ``unwritable`` counts, the changes not applied and
        every outcome (``apply --format json``)."""
        return {**self.summary.to_json(), "outcomes": [outcome.to_dict() for outcome in self.outcomes]}


def check_fresh(plan: Plan, items: Mapping[str, Item]) -> None:
    """Refuse a plan whose touched items changed (or vanished) since it was computed."""
    stale = sorted(
        key for key, updated in plan.seen.items() if key in items and items[key].updated != updated
    )
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        raise PlanRefused(
            f"the plan is stale: {shown} changed since it was computed",
            hint="run 'roadsync plan' again and review the new plan",
        )


def _send(item: Item, changes: Sequence[FieldChange], writer: Writer) -> list[WriteOutcome]:
    try:
        return writer.write(item, changes)
    except RoadsyncError:
        raise
    except Exception as exc:  # a writer bug must not lose the rest of the run
        message = scrub(f"{type(exc).__name__}: {exc}")
        return [WriteOutcome(c, "failed", message) for c in changes]


def apply_plan(
    plan: Plan,
    items: Mapping[str, Item],
    writers: Mapping[str, Writer],
    state: State,
    journal: Journal,
    run_id: str,
    progress: Callable[[int], None] | None = None,
    held: Mapping[str, str] | None = None,
) -> ApplyResult:
    """Send every change of ``plan``, item by item; returns one outcome per change (plan order).

    A writer may hold changes back to batch them (GitHub Projects mutations) and hand their
    outcomes over from ``flush()``; their journal intents stay open until then. A writer whose
    ``concurrency`` is above 1 (Jira: writes to different issues are independent) gets up
    to that many items in flight at once; one item's changes always go in one call, so two writes
    to the same item never overlap. Journal, state and progress stay on this thread. ``held``
    maps items whose changes are not sent this run to the reason (:mod:`roadsync.sync.reliance`).
    """
    syncs_before = journal.syncs
    by_item: dict[str, list[FieldChange]] = defaultdict(list)
    for change in plan.changes:
        by_item[change.item].append(change)
    settled: dict[str, list[WriteOutcome]] = {}
    work: dict[str, list[tuple[Item, list[FieldChange]]]] = defaultdict(list)
    for key, changes in by_item.items():
        item = items.get(key)
        writer = writers.get(item.source) if item else None
        if held and key in held:
            settled[key] = [WriteOutcome(c, "skipped", held[key]) for c in changes]
        elif item is None or writer is None:
            why = (
                f"not written: {item.source} could not be read this run"
                if item
                else "item gone: deleted, moved or out of scope"
            )
            settled[key] = [WriteOutcome(c, "skipped", why) for c in changes]
        else:
            work[item.source].append((item, changes))
    sink = _Sink(state, journal, run_id, settled, progress)
    _write_lanes([_Lane(batch, writers[source]) for source, batch in work.items()], sink)
    flushed: list[WriteOutcome] = []
    try:
        for writer in writers.values():
            flushed.extend(sink.settle(writer.flush()))
    finally:
        journal.sync()
    results = [outcome for key in by_item for outcome in settled.get(key, ())]
    return ApplyResult(tuple(results + flushed), journal.syncs - syncs_before)


@dataclass
class _Sink:
    """Where outcomes go (on the calling thread): journal entries closed, ownership recorded."""

    state: State
    journal: Journal
    run_id: str
    settled: dict[str, list[WriteOutcome]]
    progress: Callable[[int], None] | None
    open_entries: dict[tuple[str, str], str] = field(default_factory=dict)

    def intend(self, changes: Sequence[FieldChange]) -> None:
        """Journal the intents of every change about to be sent: one append, one fsync."""
        entries = self.journal.intents(changes, self.run_id)
        self.open_entries.update({(c.item, c.field): e for c, e in zip(changes, entries, strict=True)})

    def settle(self, outcomes: Sequence[WriteOutcome]) -> list[WriteOutcome]:
        return _settle(outcomes, self.open_entries, self.state, self.journal)

    def done(self, item: Item, changes: Sequence[FieldChange], outcomes: Sequence[WriteOutcome]) -> None:
        self.settled[item.key] = self.settle(outcomes)
        if self.progress:
            self.progress(len(changes))


class _Lane:
    """One tracker's items and its writer: up to ``width`` items in flight (the first alone,
    so the writer connects and does its one-time lookups once)."""

    def __init__(self, batch: list[tuple[Item, list[FieldChange]]], writer: Writer) -> None:
        self.queue = iter(batch)
        self.writer = writer
        self.width = max(1, writer.concurrency)
        self.running = 0
        self.warmed = self.width == 1
        self.pool = ThreadPoolExecutor(max_workers=self.width, thread_name_prefix="roadsync-write")

    def room(self) -> bool:
        return self.running < (self.width if self.warmed else 1)


def _write_lanes(lanes: list[_Lane], sink: _Sink) -> None:
    """Write every lane at once: trackers are independent, so a sync waits for the slower one.

    Journal intents, outcomes and ownership records stay on this thread; only the writers'
    calls run in the lanes' threads. A RoadsyncError from a writer (401, spent budget) ends
    the run once the writes already in flight have settled.
    """
    running: dict[Future[list[WriteOutcome]], tuple[_Lane, Item, list[FieldChange]]] = {}
    try:
        while True:
            batch = [(lane, *work) for lane in lanes for work in _take(lane)]
            if batch:  # every intent of the batch durable before the first of its writes is sent
                sink.intend([change for _, _, changes in batch for change in changes])
            for lane, item, changes in batch:
                running[lane.pool.submit(_send, item, changes, lane.writer)] = (lane, item, changes)
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                lane, item, changes = running.pop(future)
                lane.running -= 1
                lane.warmed = True
                sink.done(item, changes, future.result())
    finally:
        wait(running)
        for lane in lanes:
            lane.pool.shutdown(wait=True)


def _take(lane: _Lane) -> list[tuple[Item, list[FieldChange]]]:
    """The items ``lane`` has room to start now (counted as running)."""
    taken = []
    while lane.room() and (work := next(lane.queue, None)) is not None:
        taken.append(work)
        lane.running += 1
    return taken


def _settle(
    outcomes: Sequence[WriteOutcome], open_entries: dict[tuple[str, str], str], state: State, journal: Journal
) -> list[WriteOutcome]:
    """Record what roadsync now owns and close the journal entries of these outcomes (appended
    without an fsync of their own: the next batch's intents, or the end of apply, makes them durable)."""
    closed: list[tuple[str, str, str | None]] = []
    for outcome in outcomes:
        change = outcome.change
        if outcome.status == "applied":
            state.record_written(change.item, change.field, change.new)
        entry = open_entries.pop((change.item, change.field), None)
        if entry is not None:
            closed.append((entry, outcome.status, outcome.error))
    journal.outcomes(closed, sync=False)
    return list(outcomes)


def reconcile_uncertain(
    journal: Journal, items: Mapping[str, Item], fields: FieldsConfig, state: State
) -> int:
    """Resolve intents a killed run left without an outcome; returns how many were resolved."""
    resolved = 0
    for entry in journal.uncertain():
        item = items.get(str(entry.get("item")))
        field = str(entry.get("field"))
        found = target_for(fields, field, item) if item else None
        if item is None or found is None:
            journal.resolve(str(entry["entry"]), "skipped", "item or field no longer managed")
        elif current_value(item, found[1]).value == entry.get("after"):
            state.record_written(item.key, field, entry.get("after"))
            journal.resolve(str(entry["entry"]), "applied", "verified after an interrupted run")
        else:
            journal.resolve(str(entry["entry"]), "failed", "not applied: interrupted run, verified")
        resolved += 1
    return resolved
