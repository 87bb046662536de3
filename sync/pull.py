"""Refresh the mirror from the trackers: incremental by cursor, with a periodic full refresh.

For each configured source and each of its scopes (Jira project, GitHub repo)::

    cursor = mirror.cursor(source, scope)
    full   = --full, or no cursor yet, or the last full refresh is older than run.full_refresh_hours,
             or the scope was read with another basis than the config asks now (below)
    since  = None if full else cursor.since - run.overlap_minutes
    items  = reader.fetch_items(scope, since)      stored in batches as they arrive
    full   -> items of the scope not seen are removed (deleted, transferred, out of scope)
    lost   -> scopes the reader saw lose items (an issue transferred out of a repository and met in
              another) are read in full again in the same run (reader.lost_scopes())
    commit the cursor, atomically with the removal, only after the scope finished

**The cursor rule.** The new cursor is ``now``, the time this pull started (never moving back),
so the next run asks for what changed since this run's start minus the overlap window: a quiet
run re-reads only the window, not whatever the last big sync wrote. Why this is safe:

- An item edited *during* the pull has ``updated >= start``, so the next pull reads it even when
  this pull read its old version.
- The overlap window (``run.overlap_minutes``, default 5) covers what the trackers' clocks and
  indexes add: a tracker clock up to that much behind ours, JQL's minute resolution, and Jira's
  eventually consistent search ("recent updates might not be immediately visible").
- The cursor never moves back (a run whose clock is behind the previous one cannot rewind it).
- When an item seen is stamped at or after the start, someone edited the scope while it was
  paged, and offset paging may have skipped an item whose position shifted. Such a pass is
  ``unstable``: the cursor stays where it was and a full refresh removes nothing (and is
  repeated next run), so the skipped item is read next time rather than lost or dropped.

**The read basis.** What a read contains depends on the config: the Jira custom fields and
issue properties requested, the Projects v2 fields whose values and marks are kept, the JQL and
filters (:func:`roadsync.sync.sources.read_bases`). An incremental pull re-reads only what
changed, so a copy read before ``[fields.alignment]`` was configured would hold no alignment
value for ever, and the plan would take the tracker's value for empty. So each scope's cursor
keeps the basis of its last full read, and a scope whose basis differs from the config's (or is
unknown) is read in full, once, with the reason on the result (:attr:`SourcePull.reread`). A verb
that cannot read (``--offline``, explain) refuses a mirror read with another basis
(:func:`roadsync.sync.readbasis.refuse_another_basis`).

A reader that fails with a :class:`~roadsync.errors.TrackerError` (a spent budget included)
marks its source failed: what was fetched stays in the mirror, the failed scope's cursor is not
moved (the next run resumes from the old one, losing nothing), the other sources still run,
and the result is incomplete (exit 4).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from roadsync.connectors.contracts import Reader
from roadsync.connectors.model import Item
from roadsync.errors import AuthError, BudgetExhausted, TrackerError
from roadsync.logs import event
from roadsync.sync.mirror import Cursor, Mirror
from roadsync.sync.readbasis import basis_change, basis_text
from roadsync.sync.sources import build_readers, close_all, read_bases, unconfigured
from roadsync.sync.state import iso_utc, open_state

if TYPE_CHECKING:

    from roadsync.config.load import Settings

__all__ = [
    "PullResult",
    "Reader",
    "ScopePull",
    "SourcePull",
    "next_cursor",
    "parse_time",
    "pull",
    "pull_into",
    "wants_full",
]

BATCH = 1000
"""Items stored per transaction while a scope is read: bounded memory, progress kept on a crash."""

Progress = Callable[[str, str, int], None]
"""``progress(source, scope, items_read_so_far)``, called as items arrive."""


@dataclass
class ScopePull:
    """One scope's pull: whether it was full, what was read, and the cursor committed (if any)."""

    scope: str
    full: bool
    since: str | None
    fetched: int = 0
    unchanged: int = 0
    removed: int = 0
    cursor: str | None = None
    error: str | None = None
    unstable: bool = False
    reread: str | None = None
    """Why the scope was read in full beyond its schedule: its read basis changed."""

    def to_json(self) -> dict[str, Any]:
        data = {name: value for name, value in asdict(self).items() if name != "scope"}
        return {k: v for k, v in data.items() if v is not None or k not in ("error", "reread")}


@dataclass
class SourcePull:
    """One source's pull: fetched (new or changed items), total in the mirror, requests made."""

    source: str
    fetched: int = 0
    unchanged: int = 0
    removed: int = 0
    total: int = 0
    requests: int = 0
    scopes: list[ScopePull] = field(default_factory=list)
    error: str | None = None
    budget_exhausted: bool = False
    reread: str | None = None
    """Why every scope of the source was read in full this run, if for a changed read basis
    (what the config asks reads to contain); shown once per source."""

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def full(self) -> bool:
        return bool(self.scopes) and all(scope.full for scope in self.scopes)

    @classmethod
    def from_json(cls, source: str, document: Mapping[str, Any]) -> SourcePull:
        """Rebuild what :meth:`to_json` wrote (``budget_exhausted`` is not part of it)."""
        scopes = [ScopePull(scope, **data) for scope, data in (document.get("scopes") or {}).items()]
        def count(key: str) -> int:
            return int(document.get(key, 0))

        return cls(source, count("fetched"), count("unchanged"), count("removed"), count("total"),
                   count("requests"), scopes, document.get("error"),
                   reread=document.get("reread"))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """``fetched``, ``total``, ``requests`` (the contract) plus detail; ``error`` when it failed."""
        data: dict[str, Any] = {"fetched": self.fetched, "total": self.total, "requests": self.requests}
        data.update(unchanged=self.unchanged, removed=self.removed, full=self.full)
        data["scopes"] = {scope.scope: scope.to_json() for scope in self.scopes}
        if self.reread is not None:
            data["reread"] = self.reread
        return data if self.error is None else {**data, "error": self.error}


@dataclass
class PullResult:
    """Every source's pull. ``complete`` is False when any source failed (exit 4)."""

    sources: dict[str, SourcePull] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not any(source.failed for source in self.sources.values())

    @property
    def incomplete(self) -> bool:
        return not self.complete

    @property
    def fetched(self) -> int:
        return sum(source.fetched for source in self.sources.values())

    @property
    def exit_code(self) -> int:
        """0 done; 4 when a source failed but the rest was processed, or a budget ran out;
        1 when every source failed for another reason (nothing was processed)."""
        failed = [source for source in self.sources.values() if source.failed]
        if not failed:
            return 0
        if len(failed) == len(self.sources) and not any(source.budget_exhausted for source in failed):
            return 1
        return 4

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": {name: source.to_json() for name, source in self.sources.items()},
            "complete": self.complete,
        }


def parse_time(value: str) -> datetime | None:
    """An ISO timestamp (``...Z``, ``+00:00``, ``+0000``, fractions) as aware UTC; ``None`` if unreadable."""
    text = value.strip()
    if not text:
        return None
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def wants_full(cursor_since: str | None, last_full: str | None, now: datetime, refresh_hours: float) -> bool:
    """Whether a scope needs a full refresh: never pulled, never fully, or the last full one too old."""
    if cursor_since is None or last_full is None:
        return True
    last = parse_time(last_full)
    return last is None or now - last >= timedelta(hours=refresh_hours)


def next_cursor(previous: str | None, now: datetime) -> str:
    """The cursor to commit after a successful scope pull: this pull's start, never moving back
    (see the module docstring)."""
    before = parse_time(previous) if previous else None
    return iso_utc(max(now, before) if before else now)


def _since(cursor_since: str, overlap_minutes: float) -> str | None:
    moment = parse_time(cursor_since)
    return iso_utc(moment - timedelta(minutes=overlap_minutes)) if moment else None


def pull(
    settings: Settings,
    *,
    full: bool = False,
    now: datetime,
    readers: Sequence[Reader] | None = None,
    progress: Progress | None = None,
    mirror: Mirror | None = None,
) -> PullResult:
    """Refresh the mirror (``mirror``, else the one in ``settings.state_dir``) from every configured source.

    ``now`` is the pull's start time (aware; naive is taken as UTC). ``readers`` default to
    :func:`build_readers` (closed afterwards). Tracker errors are caught per source and reported
    in the result; anything else (a config error, a bug) propagates. The caller holds the run lock.
    """
    target = open_state(settings.state_dir)[0] if mirror is None else mirror
    try:
        active = build_readers(settings, target) if readers is None else readers
        try:
            _drop_unconfigured_sources(settings, target)
            run = settings.model.run
            return pull_into(target, active, full=full, now=now, overlap_minutes=run.overlap_minutes,
                             full_refresh_hours=run.full_refresh_hours, progress=progress,
                             bases=read_bases(settings))  # fmt: skip
        finally:
            if readers is None:
                close_all(active)
    finally:
        if mirror is None:
            target.conn.close()


def pull_into(
    mirror: Mirror,
    readers: Iterable[Reader],
    *,
    full: bool = False,
    now: datetime,
    overlap_minutes: float = 5.0,
    full_refresh_hours: float = 24.0,
    progress: Progress | None = None,
    bases: Mapping[str, Mapping[str, object]] | None = None,
) -> PullResult:
    """Pull every reader's scopes into ``mirror`` (the engine behind :func:`pull`). ``bases``:
    what each source's reads contain (:func:`roadsync.sync.sources.read_bases`); a source
    without one is read by its cursors alone and records no basis."""
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    wanted = bases or {}
    pullers = [
        _SourcePuller(
            mirror, reader, now, overlap_minutes, full_refresh_hours, progress, wanted.get(reader.source)
        )
        for reader in readers
    ]
    # Sources are independent (their own trackers, budgets and cursors), so they are read at the
    # same time: a sync waits for the slower tracker, not for both. The mirror serializes writes.
    with ThreadPoolExecutor(max_workers=max(1, len(pullers)), thread_name_prefix="pull") as pool:
        done = [pool.submit(puller.run, force_full=full) for puller in pullers]
        result = PullResult()
        for puller, future in zip(pullers, done, strict=True):
            result.sources[puller.reader.source] = future.result()
    return result


class _SourcePuller:
    """Pulls the scopes of one reader; catches its tracker errors into the SourcePull."""

    def __init__(
        self,
        mirror: Mirror,
        reader: Reader,
        now: datetime,
        overlap_minutes: float,
        full_refresh_hours: float,
        progress: Progress | None,
        basis: Mapping[str, object] | None = None,
    ) -> None:
        self.mirror = mirror
        self.basis = basis
        self.reader = reader
        self.now = now
        self.overlap_minutes = overlap_minutes
        self.full_refresh_hours = full_refresh_hours
        self.progress = progress
        self.outcome = SourcePull(reader.source)
        self._storer: ThreadPoolExecutor | None = None
        self._pending: tuple[Future[tuple[int, int]], ScopePull] | None = None

    def run(self, *, force_full: bool) -> SourcePull:
        source = self.reader.source
        requests_before = self.reader.requests
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"store-{source}") as self._storer:
                scopes = self.reader.scopes()
                self.mirror.remove_scopes_except(source, scopes)
                for scope in scopes:
                    self._pull_scope(scope, force_full)
                for scope in _lost(scopes, self.reader.lost_scopes()):
                    self._pull_scope(scope, force_full=True)  # forgets what was transferred out
        except TrackerError as exc:
            self._fail(exc)
        finally:
            self._storer = None
            self.reader.pulled()
        self.outcome.requests = self.reader.requests - requests_before
        self.outcome.total = self.mirror.count(source)
        done = self.outcome
        level = logging.WARNING if done.failed else logging.INFO
        reread = {"reread": done.reread} if done.reread is not None else {}
        event("pull.source", level, source=source, fetched=done.fetched, total=done.total,
              requests=done.requests, failed=done.failed, **reread)  # fmt: skip
        return done

    def _pull_scope(self, scope: str, force_full: bool) -> bool:
        """Pull one scope; False when it failed (its cursor unmoved). Auth errors end the source."""
        source = self.reader.source
        cursor = self.mirror.cursor(source, scope)
        previous = cursor.since if cursor else None
        last_full = cursor.last_full if cursor else None
        reread = self._reread(cursor)
        full = force_full or reread is not None or wants_full(previous, last_full, self.now,
                                                               self.full_refresh_hours)  # fmt: skip
        since = None if full or previous is None else _since(previous, self.overlap_minutes)
        full = full or since is None
        record = ScopePull(scope, full=full, since=since, reread=reread)
        if reread is not None and self.outcome.reread is None:
            self.outcome.reread = reread
        self.outcome.scopes.append(record)
        try:
            seen, newest = self._read(scope, since, record)
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError as exc:
            record.error = exc.one_line()
            self._fail(exc)
            return False
        # An item stamped at or after the start was edited while we paged: offset paging may have
        # skipped a neighbour whose position shifted, so nothing is concluded from this pass.
        record.unstable = newest is not None and newest >= self.now
        self._finish(record, seen, previous if record.unstable else next_cursor(previous, self.now))
        return True

    def _reread(self, cursor: Cursor | None) -> str | None:
        """Why a scope pulled before must be read in full for its read basis (None: it need not)."""
        if self.basis is None or cursor is None or cursor.since is None:
            return None
        return basis_change(cursor.basis, self.basis)

    def _read(self, scope: str, since: str | None, record: ScopePull) -> tuple[set[str], datetime | None]:
        seen: set[str] = set()
        newest: datetime | None = None
        batch: list[Item] = []
        try:
            for item in self.reader.fetch_items(scope, since):
                seen.add(item.key)
                stamp = parse_time(item.updated)
                if stamp is not None and (newest is None or stamp > newest):
                    newest = stamp
                batch.append(item)
                if len(batch) >= BATCH:
                    self._store(batch, record)
                if self.progress is not None:
                    self.progress(self.reader.source, scope, len(seen))
        except TrackerError as exc:
            record.error = exc.one_line()
            raise
        finally:
            # Whatever was read before a failure is kept: the cursor does not move, so the
            # next run re-reads it without counting it again.
            self._store(batch, record)
            self._stored()
        return seen, newest

    def _store(self, batch: list[Item], record: ScopePull) -> None:
        """Store ``batch`` on the store thread while the reader asks for its next page (the batch
        handed over before it is stored first: a scope's batches are stored in order, one at a
        time, and :meth:`_read` returns only once all of them are)."""
        self._stored()
        if not batch:
            return
        items = list(batch)
        batch.clear()
        if self._storer is None:  # not within run(): store here
            self._count(self.mirror.upsert(items), record)
        else:
            self._pending = (self._storer.submit(self.mirror.upsert, items), record)

    def _stored(self) -> None:
        """Wait for the batch handed to the store thread, and count it (its error raised here)."""
        if self._pending is not None:
            future, record = self._pending
            self._pending = None
            self._count(future.result(), record)

    def _count(self, stored: tuple[int, int], record: ScopePull) -> None:
        fetched, unchanged = stored
        record.fetched += fetched
        record.unchanged += unchanged
        self.outcome.fetched += fetched
        self.outcome.unchanged += unchanged

    def _finish(self, record: ScopePull, seen: set[str], cursor: str | None) -> None:
        source = self.reader.source
        settled = record.full and not record.unstable
        with self.mirror.transaction():
            if settled:
                record.removed = self.mirror.remove_missing(source, record.scope, seen)
                self.outcome.removed += record.removed
            if cursor is not None:
                full_at = iso_utc(self.now) if settled else None
                basis = basis_text(self.basis) if settled and self.basis is not None else None
                self.mirror.commit_cursor(source, record.scope, cursor, full_at=full_at, basis=basis)
        record.cursor = cursor
        event("pull.scope", source=source, scope=record.scope, **record.to_json())

    def _fail(self, exc: TrackerError) -> None:
        if self.outcome.error is None:
            self.outcome.error = exc.one_line()
        if isinstance(exc, BudgetExhausted):
            self.outcome.budget_exhausted = True


def _lost(scopes: Sequence[str], lost: Iterable[str]) -> list[str]:
    """The ``scopes`` the reader found losing items (any case), in pull order."""
    names = {name.lower() for name in lost}
    return [scope for scope in scopes if scope.lower() in names]


def _drop_unconfigured_sources(settings: Settings, mirror: Mirror) -> None:
    # The mirror holds every item *in scope*: a source removed from the config leaves it.
    for source in unconfigured(settings):
        mirror.remove_scopes_except(source, ())
