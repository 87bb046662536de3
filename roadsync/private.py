"""Files and folders only their owner can read: everything roadsync creates holds tracker titles,
bodies or plans, so the state folder is 0700 and each file 0600 (group and others get nothing).

A folder that exists already keeps its mode (it may be one the user chose and shares on
purpose); files roadsync owns inside the state folder are tightened when found looser, since an
older roadsync created them 0644.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from roadsync.errors import LocalFileError, UsageError

__all__ = ["FILE_MODE", "FOLDER_MODE", "private_file", "private_folder", "write_private"]

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700 for the folder itself; return it."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists with mode 0600: created so, or tightened if it is ours and looser."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        info = os.stat(path)
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)
    return path


def write_private(path: Path, text: str, *, option: str) -> None:
    """Write ``text`` (UTF-8) to ``path``; a new file is 0600, an existing one keeps its mode.

    ``option`` names what gave the path (``--output``, ``--out``) for the error: a path that
    cannot be a file is a usage error (64), a full disk or an I/O error a runtime error (1).
    """
    path = Path(path)
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UsageError(f"cannot write {option} {path}: {blocker} is a file, not a folder",
                         hint=f"give {option} a path in a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except (IsADirectoryError, NotADirectoryError, PermissionError, FileNotFoundError) as exc:
        raise UsageError(f"cannot write {option} {path}: {exc.strerror}",
                         hint=f"give {option} a file path this user can write") from None
    except OSError as exc:
        raise LocalFileError(f"cannot write {option} {path}: {exc.strerror}",
                            hint="free some disk space (or fix the file system) and run again") from None
