"""The run lock: two roadsync runs on one state folder never overlap (exit 75)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from roadsync.errors import LockHeld
from roadsync.private import FILE_MODE, private_folder

__all__ = ["LOCK_FILE", "run_lock"]

LOCK_FILE = "roadsync.lock"


@contextmanager
def run_lock(state_dir: Path) -> Iterator[Path]:
    """Hold ``<state_dir>/roadsync.lock`` for the block; yields the lock file's path.

    Never waits: when another run holds the lock, raises :class:`~roadsync.errors.LockHeld`
    (exit 75) naming the lock file. The OS releases the lock when a process dies, so a stale
    lock file left by a crash does not block the next run.
    """
    folder = private_folder(Path(state_dir))
    path = folder / LOCK_FILE
    lock = FileLock(str(path), timeout=0, mode=FILE_MODE)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(
            f"another roadsync run holds the lock {path}",
            hint="wait for it to finish and run again (cron: this run is skipped safely)",
        ) from None
    try:
        yield path
    finally:
        lock.release()
