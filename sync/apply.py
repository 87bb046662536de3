"""Apply does only apply: a plan and writers in, one outcome per change out.

It never re-plans and never decides what to write. Per change: journal the intent, send it
through the item's tracker writer, record the value roadsync now owns, journal the outcome. An
intent is durable before its write is sent: the writer calls the journal's barrier
(:meth:`~roadsync.sync.journal.Journal.sync_intents`, given by :meth:`Writer.guard`) right before
each request that changes its tracker, so the intents of every change a request carries (a Jira
bulk task of hundreds of issues, a GraphQL document of many updates) share one fsync.
A per-item failure is an outcome, not an exception: apply keeps going. Guards (the change limit
in :mod:`roadsync.sync.guard`, a stale plan) are checked before anything is sent.

:func:`reconcile_uncertain` finishes what a killed run left open: an intent without an
outcome is checked against the item in the mirror the pull just refreshed (found by its identity,
so a Jira issue moved since is found under its new key): the field holds the new value (applied:
roadsync owns it), the old one (not applied), or neither: someone changed it since, and the
tracker's evidence (the marker read with the item, else the field's history the plan asks for)
says whether roadsync's write landed first; the intent alone records nothing, so a lost state
folder decides the same.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldsConfig
from roadsync.connectors.contracts import Writer
from roadsync.connectors.model import Item
from roadsync.errors import AuthError, RoadsyncError, scrub
from roadsync.sync.fields import current_value
from roadsync.sync.fresh import Freshness, Queue
from roadsync.sync.journal import Journal
from roadsync.sync.mirror import Mirror
from roadsync.sync.model import Plan
from roadsync.sync.ownership import for_target
from roadsync.sync.plan import target_for
from roadsync.sync.state import State
from roadsync.targets import TargetKind, kind_of

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
    """fsyncs of the journal during this apply: at most one per request that changes a tracker
    (the intents appended since the last fsync made durable before it is sent), plus one at the
    end; outcomes ride on the next fsync."""

    refused: tuple[tuple[str, str], ...] = ()
    """``(tracker, why)`` for each tracker that refused roadsync's writes this run (401/403,
    :class:`~roadsync.errors.AuthError`): its writes stopped there, the other tracker's went on."""

    @property
    def failed(self) -> int:
        return self.count("failed")

    def to_json(self) -> dict[str, Any]:
        """``applied``, ``skipped``, ``failed``, ``unwritable`` counts, the changes not applied and
        every outcome (``apply --format json``)."""
        return {**self.summary.to_json(), "outcomes": [outcome.to_dict() for outcome in self.outcomes]}


def check_fresh(plan: Plan, items: Mapping[str, Item], fields: FieldsConfig) -> None:
    """Refuse a plan whose planned fields no longer hold the plan's ``old`` values.

    Every planned field is compared as the tracker compares it (board values included, GitHub
    label names in any case); an item that vanished is left to apply (skipped as gone).
    """
    stale: list[str] = []
    for change in plan.changes:
        item = items.get(change.item)
        found = target_for(fields, change.field, item) if item is not None else None
        if item is None or found is None:
            continue
        current = current_value(item, found[1])
        if current.ambiguous or not kind_of(found[1]).same(item, current.value, change.old):
            now = ", ".join(current.ambiguous) if current.ambiguous else (current.value or "empty")
            stale.append(f"{change.item} {change.field} (planned from {change.old or 'empty'}, now {now})")
    if stale:
        shown = "; ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        raise PlanRefused(
            f"the plan is stale: {shown}",
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
    fields: FieldsConfig | None = None,
    fresh: Mapping[str, Freshness] | None = None,
    held: Mapping[str, str] | None = None,
) -> ApplyResult:
    """Send every change of ``plan``, item by item; returns one outcome per change (plan order).

    A writer may hold changes back to batch them (GitHub Projects mutations) and hand their
    outcomes over from ``flush()``; their journal intents stay open until then. A writer whose
    ``concurrency`` is above 1 (Jira: writes to different issues are independent) gets up
    to that many items in flight at once; one item's changes always go in one call, so two writes
    to the same item never overlap. Journal, state and progress stay on this thread. With
    ``fresh`` (per tracker), an item whose read is too old is read again right before it is
    written, and changes whose ``old`` no longer holds are skipped (:mod:`roadsync.sync.fresh`).
    ``held`` maps items whose changes are not sent this run to the reason
    (:mod:`roadsync.sync.reliance`).

    A tracker that refuses roadsync's writes (its writer raises
    :class:`~roadsync.errors.AuthError`: a 401, or a 403 for the whole request) gets no more
    requests this run, not even its flush; the other trackers' writes go on and are recorded
    (:func:`_refused_outcomes` says what became of its changes). Any other RoadsyncError of a
    writer (a spent budget) still ends the run once the writes in flight have settled.
    """
    syncs_before = journal.syncs
    for each in writers.values():
        each.guard(journal.sync_intents)
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
    sink = _Sink(state, journal, run_id, settled, progress, _Records(items, fields))
    # every writer gets a lane, one with no items too: a lane flushes its writer once written
    lanes = [_Lane(name, work.get(name, []), writer, (fresh or {}).get(name))
             for name, writer in writers.items()]  # fmt: skip
    try:
        by_writer = _write_lanes(lanes, sink)
    finally:
        journal.sync()
    refused = {lane.source: lane.refused for lane in lanes if lane.refused is not None}
    flushed = [outcome for name in writers for outcome in by_writer.get(name, ())]
    results = [outcome for key in by_item for outcome in settled.get(key, ())] + flushed
    results += _refused_outcomes(by_item, items, refused, results, sink.open_entries)
    said = tuple((source, exc.one_line()) for source, exc in sorted(refused.items()))
    return ApplyResult(tuple(results), journal.syncs - syncs_before, said)


def _refused_outcomes(
    by_item: Mapping[str, Sequence[FieldChange]],
    items: Mapping[str, Item],
    refused: Mapping[str, AuthError],
    settled: Sequence[WriteOutcome],
    open_entries: Mapping[tuple[str, str], str],
) -> list[WriteOutcome]:
    """An outcome for each change of a tracker that refused roadsync's writes and had none yet.
    A change whose intent was journaled (sent, or held by the writer) is ``failed``: most were
    refused or never sent, but a held batch may have landed before the refusal, so its intent
    stays open and the next run's recovery checks the tracker (:func:`reconcile_uncertain`). A
    change never handed to the writer is ``skipped``: nothing was sent for it."""
    done = {(o.change.item, o.change.field) for o in settled}
    outcomes = []
    for key, changes in by_item.items():
        item = items.get(key)
        if item is None or item.source not in refused:
            continue
        exc = refused[item.source]
        for change in changes:
            where = (change.item, change.field)
            if where in done:
                continue
            said = f"{item.source} refused roadsync's writes this run ({exc.one_line()})"
            if where in open_entries:
                why = f"not confirmed: {said}; the next run checks whether it landed"
                outcomes.append(WriteOutcome(change, "failed", why))
            else:
                outcomes.append(WriteOutcome(change, "skipped", f"not sent: {said}"))
    return outcomes


@dataclass
class _Sink:
    """Where outcomes go (on the calling thread): journal entries closed, ownership recorded."""

    state: State
    journal: Journal
    run_id: str
    settled: dict[str, list[WriteOutcome]]
    progress: Callable[[int], None] | None
    records: _Records
    open_entries: dict[tuple[str, str], str] = field(default_factory=dict)

    def intend(self, changes: Sequence[FieldChange]) -> None:
        """Journal the intents of every change about to be handed to a writer: one append, made
        durable by the writer's barrier before a request carrying any of them is sent."""
        identities = [self.records.identity(c.item) for c in changes]
        entries = self.journal.intents(changes, self.run_id, identities, sync=False)
        self.open_entries.update({(c.item, c.field): e for c, e in zip(changes, entries, strict=True)})

    def settle(self, outcomes: Sequence[WriteOutcome]) -> list[WriteOutcome]:
        return _settle(outcomes, self.open_entries, self.records, self.state, self.journal)

    def done(self, item: Item, changes: Sequence[FieldChange], outcomes: Sequence[WriteOutcome]) -> None:
        self.settled.setdefault(item.key, []).extend(self.settle(outcomes))
        if self.progress:
            self.progress(len(changes))

    def dropped(self, outcomes: Sequence[WriteOutcome]) -> None:
        """Changes never sent (the re-read before writing found the field changed, or the item gone).
        Nothing is recorded: roadsync wrote nothing, so the next plan decides the field from the
        tracker's evidence as it would with no state folder (design.md: an earlier write by
        roadsync makes the new value a person's; none, and the policy decides, shown in the plan)."""
        for outcome in outcomes:
            self.settled.setdefault(outcome.change.item, []).append(outcome)
        if self.progress and outcomes:
            self.progress(len(outcomes))


class _Lane:
    """One tracker's items and its writer: up to ``width`` items in flight (the first alone,
    so the writer connects and does its one-time lookups once). A lane whose tracker refused a
    write (``refused``) starts no more."""

    def __init__(
        self, source: str, batch: list[tuple[Item, list[FieldChange]]], writer: Writer,
        fresh: Freshness | None = None,
    ) -> None:  # fmt: skip
        self.source = source
        self.refused: AuthError | None = None
        self.queue: Queue = deque(batch)
        self.fresh = fresh
        self.writer = writer
        self.width = max(1, writer.concurrency)
        self.running = 0
        self.flushing = False
        self.warmed = self.width == 1
        self.pool = ThreadPoolExecutor(max_workers=self.width, thread_name_prefix="roadsync-write")

    def written(self) -> bool:
        """Whether every item of this lane has been written and its flush not yet started."""
        return not (self.flushing or self.queue or self.running) and self.refused is None

    def room(self) -> bool:
        return self.refused is None and self.running < (self.width if self.warmed else 1)

    def next(self, sink: _Sink) -> tuple[Item, list[FieldChange]] | None:
        """The next item and changes to write (re-read first when its read is too old)."""
        if self.refused is not None:
            return None
        if self.fresh is None:
            return self.queue.popleft() if self.queue else None
        work, dropped = self.fresh.next(self.queue)
        sink.dropped(dropped)
        return work


def _write_lanes(lanes: list[_Lane], sink: _Sink) -> dict[str, list[WriteOutcome]]:
    """Write every lane at once: trackers are independent, so a sync waits for the slower one.
    A lane flushes its writer (:meth:`Writer.flush`: the changes it held to batch) as soon as its
    own items are written, so Jira's bulk tasks need not wait for GitHub's paced documents nor the
    other way round; the flushed outcomes come back by tracker.

    Journal intents, outcomes and ownership records stay on this thread; only the writers'
    calls run in the lanes' threads. An AuthError from a writer (its tracker refused the
    token's writes) stops that lane only, its flush included; any other RoadsyncError from a
    writer's write (a spent budget) ends the run once the writes already in flight have settled;
    from a flush, it is raised once every other lane has finished and its outcomes are recorded.
    """
    running: dict[Future[list[WriteOutcome]], tuple[_Lane, Item | None, list[FieldChange]]] = {}
    flushed: dict[str, list[WriteOutcome]] = {}
    error: BaseException | None = None
    try:
        while True:
            batch = [(lane, *work) for lane in lanes for work in _take(lane, sink)]
            if batch:  # every intent of the batch appended before any of its writes is handed over
                sink.intend([change for _, _, changes in batch for change in changes])
            for lane, item, changes in batch:
                running[lane.pool.submit(_send, item, changes, lane.writer)] = (lane, item, changes)
            for lane in lanes:
                if lane.written():
                    lane.flushing, lane.running = True, lane.running + 1
                    running[lane.pool.submit(lane.writer.flush)] = (lane, None, [])
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                lane, written, changes = running.pop(future)
                lane.running -= 1
                lane.warmed = True
                try:
                    outcomes = future.result()
                except AuthError as exc:  # its intents stay open: see _refused_outcomes
                    lane.refused = lane.refused or exc
                    continue
                except BaseException as exc:
                    if written is not None:
                        raise
                    error = error or exc  # a flush's: raised below, once the others have settled
                    continue
                if written is None:
                    flushed[lane.source] = sink.settle(outcomes)
                else:
                    sink.done(written, changes, outcomes)
    finally:
        wait(running)
        for lane in lanes:
            lane.pool.shutdown(wait=True)
    if error is not None:
        raise error
    return flushed


def _take(lane: _Lane, sink: _Sink) -> list[tuple[Item, list[FieldChange]]]:
    """The items ``lane`` has room to start now (counted as running; re-read first when their
    read is too old, see :meth:`_Lane.next`)."""
    taken = []
    while lane.room() and (work := lane.next(sink)) is not None:
        taken.append(work)
        lane.running += 1
    return taken


@dataclass(frozen=True)
class _Records:
    """How a change is recorded in the ownership cache: by the item's identity and target."""

    items: Mapping[str, Item]
    fields: FieldsConfig | None

    def identity(self, key: str) -> str:
        item = self.items.get(key)
        return item.identity if item is not None else key

    def target(self, key: str, name: str) -> str:
        item = self.items.get(key)
        found = target_for(self.fields, name, item) if item is not None and self.fields is not None else None
        return kind_of(found[1]).signature(found[1]) if found is not None else ""


def _settle(
    outcomes: Sequence[WriteOutcome],
    open_entries: dict[tuple[str, str], str],
    records: _Records,
    state: State,
    journal: Journal,
) -> list[WriteOutcome]:
    """Record what roadsync now owns and close the journal entries of these outcomes (appended
    without an fsync of their own: the next batch's intents, or the end of apply, makes them durable)."""
    closed: list[tuple[str, str, str | None]] = []
    written: list[tuple[str, str, str | None, str]] = []
    for outcome in outcomes:
        change = outcome.change
        if outcome.status == "applied":
            written.append((records.identity(change.item), change.field, change.new,
                            records.target(change.item, change.field)))  # fmt: skip
        entry = open_entries.pop((change.item, change.field), None)
        if entry is not None:
            closed.append((entry, outcome.status, outcome.error))
    state.record_writes(written)
    journal.outcomes(closed, sync=False)
    return list(outcomes)


def reconcile_uncertain(
    journal: Journal,
    pending: Sequence[dict[str, Any]],
    mirror: Mirror,
    fields: FieldsConfig,
    state: State,
) -> int:
    """Resolve intents a killed run left without an outcome; returns how many were resolved.

    ``pending`` are the open intents ``journal`` gave (:meth:`Journal.uncertain`, read from where
    the state file says every intent was closed, :meth:`State.journal_settled`; that mark moves on
    here, once they are resolved). Each
    intent's item is looked up in ``mirror`` (just refreshed by the pull; only the items the
    intents name are read), by the identity the intent recorded (a moved Jira issue keeps its id),
    else by key: an item this run's incremental pull did not return is still checked.
    The field holds ``after``: applied, roadsync owns it. It holds ``before``: not applied
    (the next plan decides again). It holds neither: someone changed it since, and whether
    roadsync's write landed before that is the tracker's to say (:func:`_neither`), never the
    intent's: an intent is what roadsync meant to send, not evidence that it reached the tracker.
    Only an item gone from the mirror or a field no longer configured closes as not managed.
    """
    since = state.journal_settled()
    by_identity, by_key = _intent_items(pending, mirror)
    resolved = 0
    for entry in pending:
        item = by_identity.get(str(entry.get("identity"))) or by_key.get(str(entry.get("item")))
        field = str(entry.get("field"))
        found = target_for(fields, field, item) if item else None
        resolved += 1
        if item is None or found is None:
            journal.resolve(str(entry["entry"]), "skipped", _unmanaged(entry, item))
            continue
        kind, target = kind_of(found[1]), found[1]
        current = current_value(item, target)
        after, before = entry.get("after"), entry.get("before")
        signature = kind.signature(target)
        if not current.ambiguous and kind.same(item, current.value, after):
            state.record_written(item.identity, field, after, target=signature)
            journal.resolve(str(entry["entry"]), "applied", "verified after an interrupted run")
        elif not current.ambiguous and kind.same(item, current.value, before):
            journal.resolve(str(entry["entry"]), "skipped", "not applied: interrupted run, verified")
        else:
            _neither(journal, str(entry["entry"]), item, (field, kind, signature), after, state)
    if journal.settled != since:
        state.record_journal_settled(journal.settled)
    return resolved


def _neither(journal: Journal, entry: str, item: Item, managed: tuple[str, TargetKind, str],
             after: str | None, state: State) -> None:  # fmt: skip
    """Close an intent whose field now holds neither its ``before`` nor its ``after`` value.

    Only the tracker's evidence says whether the write landed before the other change (design.md,
    "Managed fields and ownership": losing the state folder changes no decision, so nothing is
    recorded here that a fresh state folder would lack). The marker read with the item names
    ``after`` (it travels in the same request as the value): applied, and the value now there is
    someone else's (the plan's ledger reads the same marker). A marker naming another value of this
    target: roadsync's write did not land. No marker: a write without one (a Jira bulk edit whose
    markers did not follow) shows only in the field's history, which the plan asks for on demand;
    the intent is closed without a verdict and ownership is decided there, as with the state folder lost.
    """
    field, kind, signature = managed
    ours = for_target(item.marks.get(field), signature)
    if ours is not None and kind.same(item, ours.value, after):
        state.record_written(item.identity, field, after, target=signature)
        journal.resolve(entry, "applied", "verified after an interrupted run by roadsync's marker on the "
                        "item; changed by someone else since")  # fmt: skip
    elif ours is not None:
        last = ours.value or "empty"
        journal.resolve(entry, "skipped", "not applied: interrupted run; the item's marker shows "
                        f"roadsync's last write was {last}, and the field has changed since")  # fmt: skip
    else:
        journal.resolve(entry, "skipped", "left to the tracker: interrupted run, and the field has changed "
                        "since; the plan decides ownership from the tracker's history")  # fmt: skip


def _intent_items(
    pending: Sequence[dict[str, Any]], mirror: Mirror
) -> tuple[dict[str, Item], dict[str, Item]]:
    """The mirrored items the intents name: by identity, and by key for those not found so."""
    by_identity = mirror.find(str(e.get("identity")) for e in pending if e.get("identity"))
    missing = {str(e.get("item")) for e in pending if str(e.get("identity")) not in by_identity}
    return by_identity, {item.key: item for item in mirror.load(missing)}


def _unmanaged(entry: Mapping[str, Any], item: Item | None) -> str:
    """Why an open intent is closed without checking: its item is gone, or its field unmanaged."""
    if item is None:
        return f"not checked: {entry.get('item')} is no longer in scope (deleted, moved out of the scope)"
    return f"not checked: field {entry.get('field')} is no longer managed for {item.key}"

