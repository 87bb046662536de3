"""The embedded SQLite file behind the mirror and the state: one connection, per-part migrations.

Each part of roadsync that keeps tables here (``mirror``, ``state``) declares its own ordered
list of migrations; :func:`migrate` applies the ones not yet applied, atomically, and records
the part's schema version in ``schema_versions``. A file written by a newer roadsync (a
version above the known ones) is refused rather than misread.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from roadsync.errors import ConfigError, LocalFileError
from roadsync.private import private_file, private_folder
from roadsync.sync.damage import file_error

__all__ = ["connect", "migrate", "rollback", "transaction"]


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating) the state file with WAL journaling and foreign keys on.

    The file is created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the
    database file's permissions (``findCreateFileMode`` in SQLite's os_unix.c), so they are
    private too. Another process holding the file's lock is waited for 5 seconds (roadsync's
    own runs never contend: they take the run lock first).
    """
    private_folder(path.parent)
    if path.is_dir():
        raise LocalFileError(f"state file {path} is a folder, not a file",
                             hint="remove or rename that folder, or run 'roadsync pull --rebuild-state' "
                             "(it moves the folder aside and re-reads the trackers)")
    try:
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            if name == path.name or (path.parent / name).exists():
                private_file(path.parent / name)
    except OSError as exc:
        raise file_error(path, exc) from None
    conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_versions (part TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    return conn


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already done so.

    After some errors (a full disk, an I/O error) SQLite rolls the transaction back itself, and
    a second ROLLBACK would fail with "no transaction is active", hiding the real error.
    """
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction (``BEGIN IMMEDIATE``, committed at the end, rolled back on any
    error); inside a caller's transaction it joins that one (the connection is in autocommit
    mode, so ``in_transaction`` says whether one is open)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        rollback(conn)
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, part: str, migrations: Sequence[str]) -> None:
    """Bring ``part``'s tables to ``len(migrations)``; each migration is a SQL script."""
    row = conn.execute("SELECT version FROM schema_versions WHERE part = ?", (part,)).fetchone()
    current = int(row[0]) if row else 0
    if current > len(migrations):
        raise ConfigError(
            f"the state file's '{part}' schema is version {current}, newer than this roadsync knows",
            hint="upgrade roadsync, or point run.state_dir at a fresh folder",
        )
    for version in range(current, len(migrations)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in migrations[version].split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_versions (part, version) VALUES (?, ?) "
                "ON CONFLICT(part) DO UPDATE SET version = excluded.version",
                (part, version + 1),
            )
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
