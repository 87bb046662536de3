"""Where the history lives: the state file's ``history`` part, and the ``--history`` JSON-lines file.

**The state file** (part ``history`` of ``<state_dir>/state.sqlite``, :class:`HistoryStore`):
``snapshots`` holds one row per point of the downsampled history (``at``, ``run``, and the
snapshot's compact JSON, zlib-compressed: a point of a 200-theme roadmap is 18 kB as JSON, a
few kB compressed); ``history_marks`` the newest run's marks (open unaligned item keys and
override identities, never item text) and ``history_meta`` when they were taken. Each
:meth:`HistoryStore.save` brings all three to the new history in one transaction, writing
only the rows that changed (a run adds or refolds a point or two, not the 345 of two years).

**The history file** (``--history FILE``): one snapshot per line, the JSON of
:meth:`Snapshot.to_json` plus ``"schema": "roadsync.snapshot/1"``, appended by every run that
records a snapshot, never rewritten, so it can live in a repository (one line per run in a diff)
or travel as a CI artifact. A missing file is an empty history; a line that is not a snapshot
is a usage error naming the file and the line, raised before the run pulls or writes anything.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from roadsync.errors import LocalFileError, UsageError
from roadsync.sync.db import migrate, rollback
from roadsync.sync.history import cutoff, downsample, merge, parse_time, since
from roadsync.sync.snapshot import SCHEMA, Baseline, Snapshot
from roadsync.sync.state import iso_utc

__all__ = ["MIGRATIONS", "HistoryStore", "RunHistory", "append_history_file", "read_history_file"]

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE snapshots (
        at TEXT NOT NULL,
        run TEXT NOT NULL,
        runs INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (at, run)
    );
    CREATE TABLE history_marks (
        mark TEXT PRIMARY KEY
    );
    CREATE TABLE history_meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
)


def _pack(snapshot: Snapshot) -> bytes:
    text = json.dumps(snapshot.to_json(), separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode("utf-8"), 6)


def _unpack(data: bytes) -> Snapshot:
    return Snapshot.from_json(json.loads(zlib.decompress(data).decode("utf-8")))


class HistoryStore:
    """The ``history`` part of the state file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        migrate(conn, "history", MIGRATIONS)

    def snapshots(self) -> list[Snapshot]:
        """Every stored point, oldest first."""
        rows = self.conn.execute("SELECT data FROM snapshots ORDER BY at, run")
        return [_unpack(row[0]) for row in rows]

    def marks(self) -> tuple[str | None, frozenset[str]]:
        """When the newest recorded run took its marks (``None``: never), and the marks."""
        row = self.conn.execute("SELECT value FROM history_meta WHERE name = 'marks_at'").fetchone()
        marks = frozenset(r[0] for r in self.conn.execute("SELECT mark FROM history_marks"))
        return (row[0] if row else None), marks

    def save(self, history: Sequence[Snapshot], marks: frozenset[str], marks_at: str) -> None:
        """Make the stored history and marks these, in one transaction. A point is the same row
        while its ``at``, ``run`` and ``runs`` are: folding a run into it changes all three."""
        want = {(s.at, s.run, s.runs): s for s in history}
        have = set(self.conn.execute("SELECT at, run, runs FROM snapshots").fetchall())
        marks_had = {row[0] for row in self.conn.execute("SELECT mark FROM history_marks")}
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany("DELETE FROM snapshots WHERE at = ? AND run = ? AND runs = ?",
                                  sorted(have - want.keys()))  # fmt: skip
            self.conn.executemany(
                "INSERT INTO snapshots (at, run, runs, data) VALUES (?, ?, ?, ?)",
                [(*key, _pack(want[key])) for key in sorted(want.keys() - have)],
            )
            gone, new = sorted(marks_had - marks), sorted(marks - marks_had)
            self.conn.executemany("DELETE FROM history_marks WHERE mark = ?", [(mark,) for mark in gone])
            self.conn.executemany("INSERT INTO history_marks (mark) VALUES (?)", [(mark,) for mark in new])
            self.conn.execute(
                "INSERT INTO history_meta (name, value) VALUES ('marks_at', ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (marks_at,),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            rollback(self.conn)
            raise


def read_history_file(path: Path) -> list[Snapshot]:
    """The snapshots of a ``--history`` file in file order; ``[]`` when it does not exist yet.

    Raises :class:`UsageError` naming the line when one is not a roadsync snapshot (a merge
    conflict, a hand edit), and when the path is a folder or cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read history file {path}: {reason}",
                         hint="give --history a readable file (it is created on the first run)") from None
    snapshots = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            snapshots.append(_parse_line(path, number, line))
    return snapshots


def _parse_line(path: Path, number: int, line: str) -> Snapshot:
    try:
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("schema", SCHEMA) != SCHEMA:
            raise ValueError(f"not a {SCHEMA} object")
        return Snapshot.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise UsageError(
            f"history file {path} line {number} is not a roadsync snapshot ({detail[:120]})",
            hint="fix or delete that line (a merge conflict?); every other line is kept",
        ) from None


def append_history_file(path: Path, snapshot: Snapshot) -> None:
    """Append one line to ``path`` (created, with its folder, when missing) and flush it to disk.

    A path that cannot be a writable file is a usage error (64); a full disk or an I/O error a
    :class:`~roadsync.errors.LocalFileError` (1). The file holds theme ids and figures, no item
    text, so it keeps the user's usual file mode (it is meant to be shared)."""
    line = json.dumps({"schema": SCHEMA, **snapshot.to_json()}, separators=(",", ":"), ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+b") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell():
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":  # a hand edit left the last line open
                    line = "\n" + line
            handle.write((line + "\n").encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
    except (IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        raise UsageError(f"cannot append to history file {path}: {exc.strerror or exc}",
                         hint="give --history a file this user can write") from None
    except OSError as exc:
        raise LocalFileError(f"cannot append to history file {path}: {exc.strerror or exc}",
                             hint="free some disk space (or fix the file system); the run's snapshot is "
                             "also in the state file") from None


@dataclass
class RunHistory:
    """One run's history: the state's points and the ``--history`` file's, merged once (see
    :func:`roadsync.sync.history.merge`). :meth:`open` reads the file first, so a damaged one
    stops the run before it pulls or writes anything."""

    store: HistoryStore
    file: Path | None
    kept: Sequence[Snapshot]
    _merged: list[Snapshot] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, conn: sqlite3.Connection, file: Path | None) -> RunHistory:
        return cls(HistoryStore(conn), file, read_history_file(file) if file is not None else [])

    def earlier(self, now: datetime) -> list[Snapshot]:
        """Every point up to ``now``, oldest first (a point from a clock that ran ahead never sorts
        after the run that shows it)."""
        if self._merged is None:
            self._merged = merge(self.store.snapshots(), self.kept)
        moment = iso_utc(now)
        return [point for point in self._merged if point.at <= moment]

    def shown(self, now: datetime, window: datetime | timedelta | None) -> list[Snapshot]:
        """What a report at ``now`` shows before its own point: downsampled, from ``window`` on."""
        return since(downsample(self.earlier(now), now), cutoff(window, now))

    def baseline(self, now: datetime) -> Baseline:
        """What the run's snapshot counts its events from: the newest run's marks, the newest
        point's roadmap checksum."""
        marks_at, marks = self.store.marks()
        earlier = self.earlier(now)
        return Baseline(marks_at, marks, earlier[-1].roadmap_checksum if earlier else None)

    def record(self, own: Snapshot, marks: frozenset[str]) -> None:
        """Keep the run's snapshot: the state's history (downsampled) and marks, then one line of
        the ``--history`` file."""
        now = parse_time(own.at)
        self.store.save(downsample([*self.earlier(now), own], now), marks, own.at)
        if self.file is not None:
            append_history_file(self.file, own)
