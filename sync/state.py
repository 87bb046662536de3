"""Ownership records: the last value roadsync wrote per item and field (never clobber).

design.md: a managed value that differs from what roadsync last wrote was changed by a person
and is not overwritten. So the planner needs to tell apart three cases for an (item, field):
roadsync never wrote it (:data:`NEVER_WRITTEN`), roadsync wrote a value, and roadsync cleared it
(wrote ``None``). :meth:`State.last_written` returns a :class:`Written` record or
:data:`NEVER_WRITTEN`.

The records live in the same SQLite file as the mirror (part ``state``); :func:`open_state`
opens both. Each :meth:`State.record_written` is its own committed transaction, so a crash
after a write leaves every earlier record in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Final

from roadsync.sync.db import connect, migrate
from roadsync.sync.mirror import Mirror

__all__ = ["MIGRATIONS", "NEVER_WRITTEN", "STATE_FILE", "State", "Written", "iso_utc", "open_state"]

STATE_FILE = "state.sqlite"

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
)


def iso_utc(moment: datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Written:
    """What roadsync last wrote to one field of one item: ``value`` (``None`` = cleared) and when."""

    value: str | None
    written_at: str


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
            "SELECT value, written_at FROM written WHERE item = ? AND field = ?", (item, field)
        ).fetchone()
        return Written(row[0], row[1]) if row else NEVER_WRITTEN

    def all_written(self) -> dict[tuple[str, str], Written]:
        """Every record, keyed by (item, field): one query for the planner."""
        rows = self.conn.execute("SELECT item, field, value, written_at FROM written")
        return {(row[0], row[1]): Written(row[2], row[3]) for row in rows}

    def record_written(self, item: str, field: str, value: str | None, *, at: datetime | None = None) -> None:
        """Record that roadsync wrote ``value`` (``None``: cleared) to a field; committed at once."""
        when = iso_utc(at or datetime.now(timezone.utc))
        self._run(
            "INSERT INTO written (item, field, value, written_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(item, field) DO UPDATE SET value = excluded.value, written_at = excluded.written_at",
            (item, field, value, when),
        )

    def forget(self, item: str, fields: Iterable[str] | None = None) -> int:
        """Drop the records of ``item`` (only ``fields`` if given); return how many were dropped."""
        if fields is None:
            return self._run("DELETE FROM written WHERE item = ?", (item,))
        dropped = 0
        for field in fields:
            dropped += self._run("DELETE FROM written WHERE item = ? AND field = ?", (item, field))
        return dropped

    def _run(self, sql: str, params: tuple[object, ...]) -> int:
        # The connection is in autocommit mode, so one statement outside a transaction is
        # atomic and durable on its own; inside a caller's transaction it joins that one.
        return self.conn.execute(sql, params).rowcount


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
