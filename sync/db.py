"""The embedded SQLite file behind the mirror and the state: one connection, per-part migrations.

Each part of roadsync that keeps tables here (``mirror``, ``state``) declares its own ordered
list of migrations; :func:`migrate` applies the ones not yet applied, atomically, and records
the part's schema version in ``schema_versions``. A file written by a newer roadsync (a
version above the known ones) is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from roadsync.errors import ConfigError

__all__ = ["connect", "migrate"]


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating) the state file with WAL journaling and foreign keys on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_versions (part TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    return conn


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
            conn.execute("ROLLBACK")
            raise
