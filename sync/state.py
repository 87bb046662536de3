"""The ownership cache: the last value roadsync wrote per item and field, and the tracker
evidence fetched on demand (never clobber).

**A cache, not the truth.** Who owns a value is decided from what the trackers hold
(:mod:`roadsync.sync.ownership`); these records only decide where a tracker holds no evidence,
detect a read older than roadsync's own write, and spare a re-fetch of tracker evidence while the
item has not changed. Losing, truncating or duplicating the file changes no decision the
trackers' evidence can make.

Records are keyed by the item's identity (:attr:`Item.identity`: the Jira issue id follows a
move) and the managed field, with the target written (a record for another target says nothing
about this one). :meth:`State.last_written` returns a :class:`Written` record or
:data:`NEVER_WRITTEN` (roadsync cleared a field = ``Written(None)``).

The records live in the same SQLite file as the mirror (part ``state``); :func:`open_state`
opens both. Each :meth:`State.record_written` (or batch of outcomes, :meth:`State.record_writes`)
is its own committed transaction, so a crash after a write leaves every earlier record in place.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

from roadsync.connectors.model import Item, Mark
from roadsync.sync.db import connect, migrate, transaction
from roadsync.sync.journal import Settled
from roadsync.sync.mirror import Mirror
from roadsync.sync.ownership import Unasked

__all__ = ["MIGRATIONS", "NEVER_WRITTEN", "STATE_FILE", "State", "Written", "iso_utc", "open_state"]

STATE_FILE = "state.sqlite"
_CHUNK: Final = 500
"""Keys per `IN (...)` query: under the 999 variables older SQLite builds allow."""

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE written (
        item TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        written_at TEXT NOT NULL,
        PRIMARY KEY (item, field)
    )
    """,
    # 2: the target written (a record for another target says nothing about this one), and the
    # tracker evidence fetched on demand, kept while the item's ``updated`` stays the same.
    """
    ALTER TABLE written ADD COLUMN target TEXT NOT NULL DEFAULT '';
    ALTER TABLE written ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE evidence (
        item TEXT NOT NULL,
        field TEXT NOT NULL,
        updated TEXT NOT NULL,
        mark TEXT,
        PRIMARY KEY (item, field)
    )
    """,
    # 3: each item's outcome of the last plan that left it settled (roadsync.sync.scope): an item
    # unchanged since, on the same roadmap and config, keeps it instead of being planned again.
    """
    CREATE TABLE planned (
        key TEXT PRIMARY KEY,
        identity TEXT NOT NULL,
        rev INTEGER NOT NULL,
        basis TEXT NOT NULL,
        parent TEXT,
        links TEXT NOT NULL,
        source TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT NOT NULL,
        status TEXT NOT NULL,
        open INTEGER NOT NULL,
        estimate REAL,
        theme TEXT,
        alignment TEXT NOT NULL,
        step TEXT NOT NULL,
        rule TEXT,
        reason TEXT NOT NULL,
        secondary TEXT NOT NULL,
        unknown_pin TEXT,
        drift TEXT,
        ownership TEXT
    );
    CREATE INDEX planned_by_identity ON planned (identity)
    """,
    # 4: where every intent of the journal is closed (roadsync.sync.journal.Settled): a run reads
    # the journal from there, not every line ever written. One row.
    """
    CREATE TABLE journal_settled (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offset INTEGER NOT NULL,
        tail TEXT NOT NULL
    )
    """,
)


_RECORD_WRITTEN: Final = (
    "INSERT INTO written (item, field, value, written_at, target, disputed) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(item, field) DO UPDATE SET value = excluded.value, "
    "written_at = excluded.written_at, target = excluded.target, disputed = excluded.disputed"
)


_UNPLAN: Final = "DELETE FROM planned WHERE identity = ? OR key = ?"


def iso_utc(moment: datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Written:
    """What roadsync last wrote to one field of one item: ``value`` (``None`` = cleared), when, and
    the target's signature (``""``: recorded before targets were kept)."""

    value: str | None
    written_at: str
    target: str = ""
    disputed: bool = False
    """roadsync's write of ``value`` landed (the tracker's history showed it) and a person's edit it
    overwrote in a race was put back (:mod:`roadsync.sync.overwritten`): the field's value is the
    person's. Only a write the tracker evidences is recorded so; an intent alone never is
    (:func:`roadsync.sync.apply.reconcile_uncertain`). State files from before this rule may hold
    such records made from a killed run's intent."""

    def mark(self) -> Mark:
        """The record as ownership evidence from the state cache."""
        return Mark(self.value, self.target, self.written_at, "state cache", touched_after=self.disputed)


class _NeverWritten:
    """The type of :data:`NEVER_WRITTEN`; falsy, a singleton."""

    _instance: _NeverWritten | None = None

    def __new__(cls) -> _NeverWritten:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NEVER_WRITTEN"


NEVER_WRITTEN: Final = _NeverWritten()


class State:
    """The ``written`` table: one record per (item, field) that roadsync has written."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        migrate(conn, "state", MIGRATIONS)

    def last_written(self, item: str, field: str) -> Written | _NeverWritten:
        """What roadsync last wrote to ``field`` of ``item``, or :data:`NEVER_WRITTEN`."""
        row = self.conn.execute(
            "SELECT value, written_at, target, disputed FROM written WHERE item = ? AND field = ?",
            (item, field),
        ).fetchone()
        return Written(row[0], row[1], row[2], bool(row[3])) if row else NEVER_WRITTEN

    def all_written(self, items: Iterable[Item] | None = None) -> dict[tuple[str, str], Written]:
        """Every record, keyed by (item, field); with ``items``, only the records of those items
        (by identity or key, as :class:`~roadsync.sync.ownership.Ledger` looks them up)."""
        rows = self._rows("written", "item, field, value, written_at, target, disputed", items)
        return {(row[0], row[1]): Written(row[2], row[3], row[4], bool(row[5])) for row in rows}

    def marks(self, items: Iterable[Item] | None = None) -> dict[tuple[str, str], Mark]:
        """The records as ownership evidence (:class:`~roadsync.sync.ownership.Ledger` ``cache``):
        all of them, or those of ``items`` only (a cron run that plans a few items reads a few)."""
        return {key: record.mark() for key, record in self.all_written(items).items()}

    def _rows(self, table: str, columns: str, items: Iterable[Item] | None) -> list[tuple[Any, ...]]:
        """``columns`` of ``table``'s rows, all or those whose ``item`` is one of ``items``'
        identities or keys (by the primary key's index, in chunks under SQLite's variable limit)."""
        if items is None:
            return list(self.conn.execute(f"SELECT {columns} FROM {table}"))
        names = sorted({name for item in items for name in (item.identity, item.key)})
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(names), _CHUNK):
            chunk = names[start : start + _CHUNK]
            query = f"SELECT {columns} FROM {table} WHERE item IN ({','.join('?' * len(chunk))})"
            found += self.conn.execute(query, chunk)
        return found

    def record_written(
        self,
        item: str,
        field: str,
        value: str | None,
        *,
        at: datetime | None = None,
        target: str = "",
        disputed: bool = False,
    ) -> None:
        """Record that roadsync wrote ``value`` (``None``: cleared) to a field of the item whose
        identity is ``item``, in the target ``target``; committed at once. ``disputed``: a person
        changed the field after (see :attr:`Written.disputed`). The item's kept plan outcome goes:
        its ownership evidence changed."""
        when = iso_utc(at or datetime.now(timezone.utc))
        self._unplan(item)
        self._run(_RECORD_WRITTEN, (item, field, value, when, target, int(disputed)))

    def record_writes(self, writes: Iterable[tuple[str, str, str | None, str]]) -> None:
        """:meth:`record_written` of every ``(item identity, field, value, target)`` of one batch of
        outcomes, at the time now, in one committed transaction (a Jira bulk flush settles
        hundreds of changes at once; a transaction each cost about 0.2 ms apiece on the apply
        thread while GitHub's lane waited for it). A crash before the commit records none of the
        batch: their journal intents are still open and the next run checks them."""
        when = iso_utc(datetime.now(timezone.utc))
        rows = [(item, field, value, when, target, 0) for item, field, value, target in writes]
        if not rows:
            return
        with transaction(self.conn):  # inside a caller's transaction, it joins that one
            self.conn.executemany(_UNPLAN, [(row[0], row[0]) for row in rows])
            self.conn.executemany(_RECORD_WRITTEN, rows)

    def recent(self, source: str, within: timedelta, now: datetime | None = None) -> list[str]:
        """Tracker ids of ``source``'s items roadsync wrote within ``within`` (oldest first): the
        issues a lagging search may still show as they were (Jira Cloud ``reconcileIssues``)."""
        since = iso_utc((now or datetime.now(timezone.utc)) - within)
        rows = self.conn.execute(
            "SELECT item, MAX(written_at) AS at FROM written WHERE item LIKE ? AND written_at >= ? "
            "GROUP BY item ORDER BY at",
            (f"{source}:%", since),
        )
        return [str(row[0]).split(":", 1)[1] for row in rows]

    def journal_settled(self) -> Settled:
        """Where the journal was last seen with every intent closed (the file's start if never)."""
        row = self.conn.execute("SELECT offset, tail FROM journal_settled WHERE id = 1").fetchone()
        return Settled(int(row[0]), str(row[1])) if row else Settled()

    def record_journal_settled(self, mark: Settled) -> None:
        """Keep ``mark`` for the next run's :meth:`~roadsync.sync.journal.Journal.uncertain`."""
        self._run(
            "INSERT INTO journal_settled (id, offset, tail) VALUES (1, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET offset = excluded.offset, tail = excluded.tail",
            (mark.offset, mark.tail),
        )

    # -- tracker evidence fetched on demand ------------------------------------------------------

    def known_evidence(self, items: Iterable[Item]) -> dict[tuple[str, str], Mark | Unasked | None]:
        """Evidence fetched earlier for these items, by ``(key, field)``, where the item has not
        changed since (same ``updated``): a no-op run does not fetch it again."""
        by_identity = {item.identity: item for item in items}
        found: dict[tuple[str, str], Mark | Unasked | None] = {}
        rows = self._rows("evidence", "item, field, updated, mark", by_identity.values())
        for identity, field, updated, raw in rows:
            item = by_identity.get(identity)
            if item is not None and item.updated == updated:
                found[(item.key, field)] = _evidence(raw)
        return found

    def record_evidence(
        self, answers: Mapping[tuple[str, str], Mark | Unasked | None], items: Mapping[str, Item]
    ) -> None:
        """Keep fetched evidence (by ``(key, field)``) with the ``updated`` of the item it was read
        for; :attr:`Unasked.UNAVAILABLE` keeps "the tracker holds none roadsync can trust"."""
        rows = [(items[key].identity, field, items[key].updated, _evidence_json(mark))
                for (key, field), mark in answers.items() if key in items]  # fmt: skip
        self.conn.executemany(
            "INSERT INTO evidence (item, field, updated, mark) VALUES (?, ?, ?, ?) ON CONFLICT(item, field) "
            "DO UPDATE SET updated = excluded.updated, mark = excluded.mark",
            rows,
        )

    def forget(self, item: str, fields: Iterable[str] | None = None) -> int:
        """Drop the records of ``item`` (only ``fields`` if given); return how many were dropped."""
        self._unplan(item)
        if fields is None:
            return self._run("DELETE FROM written WHERE item = ?", (item,))
        dropped = 0
        for field in fields:
            dropped += self._run("DELETE FROM written WHERE item = ? AND field = ?", (item, field))
        return dropped

    def _unplan(self, identity: str) -> None:
        """Forget the kept plan outcome of the item ``identity`` (or key, for older records): the next
        plan judges it again."""
        self._run(_UNPLAN, (identity, identity))

    def _run(self, sql: str, params: tuple[object, ...]) -> int:
        # The connection is in autocommit mode, so one statement outside a transaction is
        # atomic and durable on its own; inside a caller's transaction it joins that one.
        return self.conn.execute(sql, params).rowcount


def _evidence(raw: str | None) -> Mark | Unasked | None:
    if not raw:
        return None
    data = json.loads(raw)
    return Unasked.UNAVAILABLE if data.get("unavailable") else Mark.from_dict(data)


def _evidence_json(mark: Mark | Unasked | None) -> str | None:
    if mark is None:
        return None
    return json.dumps({"unavailable": True} if isinstance(mark, Unasked) else mark.to_dict())


def open_state(state_dir: Path) -> tuple[Mirror, State]:
    """Open ``<state_dir>/state.sqlite`` (creating it) with the mirror and state parts migrated.

    Raises :class:`~roadsync.errors.ConfigError` when the file was written by a newer roadsync.
    """
    conn = connect(Path(state_dir) / STATE_FILE)
    try:
        return Mirror(conn), State(conn)
    except BaseException:
        conn.close()
        raise
