"""Checks that look at this machine: the config file itself, the state folder and the CA bundle.

:mod:`roadsync.config.checks` is pure; these read the file system, so ``validate`` catches a
state folder that is a file or a CA bundle that is not one (exit 78, the key named) before a
run fails on them. Tokens are not read here: ``validate`` needs none.
"""

from __future__ import annotations

import errno
import os
import ssl
from pathlib import Path

from roadsync.config.source import Source
from roadsync.errors import ConfigError

__all__ = ["CREATE_HINT", "config_file_problem", "local_problems", "path_problem"]

CREATE_HINT = ("create one with 'roadsync init', or copy config.example.toml to roadsync.toml and edit it "
                "(or point --config / $ROADSYNC_CONFIG at an existing file)")


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (a loop, a folder, no permission, missing), or None."""
    try:
        os.stat(path)
    except ValueError:  # a NUL byte: the sanity checks name the key
        return "has a NUL character; write the path as plain text"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link that loops (it points back at itself); point it at a real file"
        if exc.errno == errno.ENOTDIR:
            return "is under a file, not a folder; fix the path"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "cannot be reached (permission denied); check the folder's permissions"
        if exc.errno == errno.ENAMETOOLONG:
            return "has a name too long for the file system; fix the path"
        return "not found"
    if os.path.isdir(path):
        return "is a folder, not a file; name the file inside it"
    return None


def config_file_problem(path: Path, origin: str) -> ConfigError | None:
    """The error for a config path that cannot be read as a file, or None."""
    problem = path_problem(path)
    if problem is None:
        return None
    hint = CREATE_HINT if problem == "not found" else "fix the path or the file"
    return ConfigError(f"config file {path} {problem} (from {origin})", hint=hint)


def local_problems(config: Source, state_dir: str, ca_bundle: str | None) -> list[str]:
    """Problems with ``run.state_dir`` and ``run.ca_bundle`` as this machine sees them."""
    folder = config.path.parent
    problems = []
    state_problem = _state_dir_problem(folder / Path(state_dir).expanduser())
    if state_problem:
        problems.append(config.problem(("run", "state_dir"), state_problem))
    if ca_bundle is not None:
        bundle_problem = _ca_bundle_problem(folder / Path(ca_bundle).expanduser())
        if bundle_problem:
            problems.append(config.problem(("run", "ca_bundle"), bundle_problem))
    return problems


def _state_dir_problem(path: Path) -> str | None:
    """Why roadsync could not keep its state in ``path`` (which need not exist yet), or None."""
    try:
        path = Path(os.path.abspath(path))
        existing = path
        while not existing.exists() and existing != existing.parent:
            if existing.is_symlink():
                return f"{path} goes through a dangling symbolic link {existing}; fix or remove the link"
            existing = existing.parent
    except OSError as exc:  # ELOOP, ENAMETOOLONG and friends from exists()
        return f"{path} cannot be reached ({exc.strerror}); choose another folder"
    except ValueError:  # a NUL byte: the sanity checks name it
        return None
    if not existing.is_dir():
        where = "is a file" if existing == path else f"is under the file {existing}"
        return f"{path} {where}, not a folder; point run.state_dir at a folder (it is created if missing)"
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "is not writable" if existing == path else f"cannot be created: {existing} is not writable"
        return f"{path} {what}; choose a folder this user can write, or fix its permissions"
    return None


def _ca_bundle_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable CA bundle (a PEM file, or a folder of hashed certificates)."""
    is_dir = os.path.isdir(path) if "\x00" not in str(path) else False
    problem = path_problem(path) if not is_dir else None
    if problem:
        return f"{path} {problem}" + ("; give the PEM file of your CA" if problem == "not found" else "")
    context = ssl.create_default_context()
    try:
        if is_dir:
            context.load_verify_locations(capath=str(path))
        else:
            context.load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        return f"{path} holds no certificate that can be read; give a PEM file of CA certificates"
    return None
