"""A damaged or unusable state folder, said in one line: which file, what is wrong, how to recover.

The state file is a cache of what the trackers hold (ownership is decided from the trackers'
own evidence), so deleting it loses nothing at the trackers; the journal is an audit log that
no decision needs. ``--rebuild-state`` moves them aside (:func:`move_aside`) and starts afresh.

=====================================  ===========  ==========================================
what                                   exit code    recovery
=====================================  ===========  ==========================================
not a SQLite file, malformed, torn     1            ``--rebuild-state`` (or delete the file)
locked by another process              75           wait for it (a backup, a sqlite3 shell)
read-only file or folder               78           make run.state_dir writable
disk full, I/O error                   1            free space; run again
journal line damaged (not the last)    1            ``--rebuild-state`` (or move the journal aside)
=====================================  ===========  ==========================================

SQLite's result codes: https://www.sqlite.org/rescode.html (``sqlite_errorname`` on
Python 3.11+; the message text, which SQLite fixes per code, on 3.10).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from roadsync.errors import ConfigError, LocalFileError, LockHeld, RoadsyncError

__all__ = [
    "REBUILD_HINT",
    "file_error",
    "journal_damaged",
    "journal_unwritable",
    "move_aside",
    "state_file_error",
]

REBUILD_HINT = "run 'roadsync pull --rebuild-state' (it moves the file aside and re-reads the trackers)"
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)

# code name -> the message text SQLite gives for it (Python 3.10 has only the text)
_TEXTS = {
    "SQLITE_NOTADB": "file is not a database",
    "SQLITE_CORRUPT": "database disk image is malformed",
    "SQLITE_BUSY": "database is locked",
    "SQLITE_LOCKED": "database table is locked",
    "SQLITE_READONLY": "attempt to write a readonly database",
    "SQLITE_CANTOPEN": "unable to open database file",
    "SQLITE_FULL": "database or disk is full",
    "SQLITE_IOERR": "disk I/O error",
}


def _code(exc: sqlite3.Error) -> str:
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    base = "_".join(name.split("_")[:2])
    if base in _TEXTS:
        return base
    text = str(exc)
    return next((code for code, known in _TEXTS.items() if known in text), "OTHER")


def state_file_error(path: Path, exc: sqlite3.Error) -> RoadsyncError:
    """The one-line error for a SQLite failure on the state file ``path``."""
    code = _code(exc)
    cache = "it is only a cache of what the trackers hold, so nothing is lost"
    if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or (code == "OTHER" and "no such" in str(exc)):
        what = "is not a SQLite file" if code == "SQLITE_NOTADB" else "is damaged (malformed or truncated)"
        return LocalFileError(f"state file {path} {what}",
                              hint=f"{cache}: {REBUILD_HINT}, or delete it and its -wal/-shm files")
    if code in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return LockHeld(f"state file {path} is locked by another process (not a roadsync run)",
                        hint="wait for it to let go (a backup, a sqlite3 shell) and run again")
    if code in ("SQLITE_READONLY", "SQLITE_CANTOPEN"):
        return ConfigError(f"state file {path} cannot be written (read-only file, folder or file system)",
                           hint="make run.state_dir and the files in it writable by this user, "
                           "or point run.state_dir at another folder")
    if code == "SQLITE_FULL" or (code in ("SQLITE_IOERR", "OTHER") and _disk_full(path.parent)):
        return LocalFileError(f"state file {path} cannot grow: the disk is full",
                              hint="free some space and run again; writes already sent are checked "
                              "against the trackers by the next run")
    return LocalFileError(f"state file {path} cannot be read or written ({exc})",
                          hint=f"check the disk; {cache}: {REBUILD_HINT}")


def _disk_full(folder: Path) -> bool:
    """Whether the file system of ``folder`` has (next to) no room left: SQLite reports some
    writes that hit a full disk as a plain I/O error (a -shm or -wal file it could not grow)."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 256 * 1024


def file_error(path: Path, exc: OSError, *, what: str = "state file", after: str = "") -> RoadsyncError:
    """The one-line error for a file in the state folder that could not be written: read-only
    (78, fix the setup) or a full disk and other I/O errors (1)."""
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ConfigError(f"{what} {path} cannot be written ({exc.strerror})",
                           hint=f"make run.state_dir and the files in it writable by this user{after}")
    why = "the disk is full" if exc.errno in _NO_SPACE else exc.strerror
    return LocalFileError(f"{what} {path} cannot be written: {why}",
                          hint=f"free some space and run again{after}")


def journal_unwritable(path: Path, exc: OSError) -> RoadsyncError:
    """The one-line error for a journal append that failed (nothing was sent for that change)."""
    after = "; nothing was sent for the change it was about to journal"
    return file_error(path, exc, what="journal", after=after)


def journal_damaged(path: Path, line: int, why: str) -> LocalFileError:
    """The one-line error for a journal line that is not a journal entry (and not a torn last line)."""
    return LocalFileError(
        f"journal {path} line {line} {why}",
        hint="the journal is an audit log no decision needs: run 'roadsync pull --rebuild-state' "
        f"(it moves the journal aside), or move it aside yourself (mv {path} {path}.damaged)",
    )


def move_aside(paths: list[Path], now: datetime | None = None) -> list[Path]:
    """Rename each existing file in ``paths`` to ``<name>.damaged-<UTC time>``; return the new names."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    moved = []
    for path in paths:
        if path.exists():
            target = path.with_name(f"{path.name}.damaged-{stamp}")
            path.rename(target)
            moved.append(target)
    return moved
