"""A clone of this repository alone, with nothing beside it, carries everything its tests need.

Contributors and users clone the repository on its own; CI's checkout happens to have other
folders beside it, so a test that reads ``../something`` passes in CI and fails for everyone
else. These tests make the lone clone (``git clone`` of this checkout, plus its uncommitted
changes so that the tree under test is the one cloned) and check it from the inside.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from subprocess import PIPE

import pytest

from tests.paths import REPO

_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "node_modules", "__pycache__", "artifacts",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", ".roadsync", "roadsync-demo",
)  # fmt: skip


def _git(*args: str, cwd: Path = REPO, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=True, timeout=300
    )
    return done.stdout


def _is_git_checkout() -> bool:
    try:
        return _git("rev-parse", "--show-toplevel").decode().strip() == str(REPO)
    except (OSError, subprocess.CalledProcessError):
        return False


def _lone_clone(parent: Path) -> Path:
    """``git clone`` of this checkout into ``parent/roadsync``, with the working tree's
    uncommitted changes (tracked and new files) laid over it; a copy when this is no git checkout."""
    clone = parent / "roadsync"
    if not _is_git_checkout():
        shutil.copytree(REPO, clone, symlinks=True, ignore=_IGNORED)
        return clone
    _git("clone", "--quiet", "--no-hardlinks", str(REPO), str(clone), cwd=parent)
    patch = _git("diff", "HEAD", "--binary")
    if patch:
        _git("apply", "--binary", "-", cwd=clone, stdin=patch)
    for name in _git("ls-files", "--others", "--exclude-standard", "-z").decode().split("\0"):
        if name:
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, clone / name, follow_symlinks=False)
    return clone


def _collect(*roots: Path) -> list[tuple[int, list[str], str]]:
    """``pytest --collect-only`` in each root at once: exit code, collected test ids, what it printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    runs = [
        subprocess.Popen(command, cwd=root, env=env, text=True, stdout=PIPE, stderr=PIPE)
        for root in roots
    ]
    found = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        ids = sorted(line for line in out.splitlines() if "::" in line)
        found.append((run.returncode, ids, out[-3000:] + err[-3000:]))
    return found


@pytest.fixture(scope="module")
def lone_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _lone_clone(tmp_path_factory.mktemp("alone"))


def test_a_lone_clone_collects_every_test_without_errors(lone_clone: Path) -> None:
    """A clone with nothing beside it (no ``../shared``) collects the checkout's tests, no errors."""
    assert sorted(p.name for p in lone_clone.parent.iterdir()) == ["roadsync"]
    (code, cloned, shown), (here_code, here, here_shown) = _collect(lone_clone, REPO)
    assert code == 0 and " error" not in shown.lower(), shown
    assert here_code == 0, here_shown
    assert len(cloned) == len(here) > 0
    assert cloned == here


def test_a_lone_clone_holds_every_file_the_tests_read_and_imports_itself(lone_clone: Path) -> None:
    """In the clone, roadsync imports from the clone, and every API description the tests read is there."""
    probe = (
        "import roadsync, roadsync.sync, tests.paths as p\n"
        "print(roadsync.__file__); print(roadsync.sync.__file__); print(p.REPO)\n"
        "for name in ('JIRA_OPENAPI', 'GITHUB_OPENAPI', 'GITHUB_GRAPHQL_SCHEMA'):\n"
        "    path = getattr(p, name)\n"
        "    assert path.is_file() and path.stat().st_size > 10_000, path\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=lone_clone, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    package, stage, repo = (Path(line).resolve() for line in done.stdout.split())
    clone = lone_clone.resolve()
    assert package.is_relative_to(clone) and stage.is_relative_to(clone) and repo == clone
