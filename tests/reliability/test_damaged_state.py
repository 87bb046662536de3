"""A damaged state folder ends every run in one line: the file, what is wrong, how to recover.

Each case damages a real state folder (written by a real pull against the sandbox trackers),
then runs ``roadsync sync`` as a real process: it exits with the documented code, says so in one
``roadsync:`` line naming the file, writes nothing to the trackers, and -- where the damage is to
data roadsync keeps (the state file is a cache; the journal an audit log) -- ``--rebuild-state``
recovers: it moves the damaged files aside and the run succeeds.

A full disk is a real one: a 64 KiB tmpfs mounted on the state folder inside a user and mount
namespace (``unshare --user --map-root-user --mount``, no root needed where user namespaces are
allowed), so writes fail with ENOSPC as on a full disk. A read-only state folder is a read-only
bind mount in such a namespace (file modes alone do not stop root, and CI runs as root).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from roadsync.sandbox.server import Sandbox, start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, write_config

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Damage:
    name: str
    damage: Callable[[Path], None]  # gets the state folder
    code: int
    says: str
    names: str = "state.sqlite"  # the file the line must name
    namespace: str = ""  # a shell snippet run in a user+mount namespace before roadsync ({state})
    rebuilds: bool = True  # --rebuild-state recovers
    lines: int = 1  # a config error (78) is a heading line plus one line per problem


def _overwrite(data: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / "state.sqlite"
        path.write_bytes(data(path.read_bytes()))
    return damage


def _journal(data: bytes) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        (folder / "journal.jsonl").write_bytes(data)
    return damage


def _folder_for_file(folder: Path) -> None:
    for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
        (folder / name).unlink(missing_ok=True)
    (folder / "state.sqlite").mkdir()


ENTRY = b'{"entry": "e1", "event": "intent", "item": "PAY-1", "field": "priority", "status": "pending"}\n'
CASES = [
    Damage("random bytes", _overwrite(lambda d: random.Random(1).randbytes(len(d))), 1,
           "is not a SQLite file"),
    Damage("a text file", _overwrite(lambda d: b"hello, I am not a database\n"), 1, "is not a SQLite file"),
    Damage("truncated to half", _overwrite(lambda d: d[: len(d) // 2]), 1, "is damaged"),
    Damage("truncated to 100 bytes", _overwrite(lambda d: d[:100]), 1, "is damaged"),
    Damage("pages zeroed after the header", _overwrite(lambda d: d[:4096] + bytes(len(d) - 4096)), 1,
           "is damaged"),
    Damage("a folder where the file goes", _folder_for_file, 1, "is a folder, not a file"),
    Damage("journal of binary data", _journal(ENTRY + bytes(range(256)) + b"\n" + ENTRY), 1,
           "line 2 is not a journal entry", names="journal.jsonl"),
    Damage("journal line edited by hand", _journal(ENTRY + b"this is not json\n" + ENTRY), 1,
           "line 2 is not a journal entry", names="journal.jsonl"),
    Damage("journal that is a folder", lambda f: (f / "journal.jsonl").mkdir(), 1, "cannot be read",
           names="journal.jsonl"),
    Damage("journal line torn in the middle", _journal(ENTRY + ENTRY[:40] + b"\n" + ENTRY), 1,
           "line 2 is not a journal entry (cut short in the middle of the file", names="journal.jsonl"),
    Damage("journal entry of an unknown status", _journal(ENTRY + ENTRY.replace(b"pending", b"bogus")), 1,
           'line 2 is not a journal entry (intent line with status "bogus", expected pending)',
           names="journal.jsonl"),
    Damage("journal entry of an unknown event", _journal(ENTRY.replace(b'"intent"', b'"oops"') + ENTRY), 1,
           'line 1 is not a journal entry (event "oops"', names="journal.jsonl"),
    Damage("full disk", lambda f: None, 1, "the disk is full",
           namespace="mount -t tmpfs -o size=64k tmpfs {state}", rebuilds=False),
    Damage("read-only state folder", lambda f: None, 78, "run.state_dir", names="",
           namespace="mount --bind {state} {state} && mount -o remount,bind,ro {state}", rebuilds=False,
           lines=2),
    Damage("read-only state file", lambda f: None, 78, "cannot be written",
           namespace="mount --bind {state}/state.sqlite {state}/state.sqlite && "
           "mount -o remount,bind,ro {state}/state.sqlite", rebuilds=False),
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(small_fixture()) as sb:
        yield sb


def _roadsync(config: Path, env: dict[str, str], *args: str, namespace: str = "") -> tuple[int, str]:
    """The real CLI: in-process, or as a process inside a user and mount namespace."""
    if not namespace:
        code, _, err = run_cli(config, *args, env=env)
        return code, err
    command = [sys.executable, "-m", "roadsync", *args, "--config", str(config)]
    if namespace:
        if shutil.which("unshare") is None:
            _cannot("unshare (util-linux) is not installed")
        script = f"{namespace.format(state=config.parent / '.roadsync')} && exec \"$@\""
        command = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", *command]
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, cwd=REPO,
                          timeout=120, check=False)
    if namespace and ("unshare:" in done.stderr or "mount:" in done.stderr):
        _cannot(f"this machine does not allow user and mount namespaces: {done.stderr.strip()}")
    return done.returncode, done.stderr


def _cannot(why: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI: {why}")
    pytest.skip(why)


def _writes(sandbox: Sandbox) -> int:
    stats = sandbox.stats()
    return int(stats["jira"]["writes"]) + int(stats["github"]["writes"])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_damaged_state_gets_one_line_and_writes_nothing(
    case: Damage, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Sync on a damaged state folder exits with the documented code and one line naming the file,
    what is wrong and how to recover, sends no write; --rebuild-state recovers where it can."""
    config = write_config(sandbox, tmp_path / "roadsync.toml")
    env = cli_env(sandbox)
    code, err = _roadsync(config, env, "pull")
    assert code == 0, err
    state = tmp_path / ".roadsync"
    case.damage(state)
    before = _writes(sandbox)
    code, err = _roadsync(config, env, "sync", namespace=case.namespace)
    lines = err.strip().splitlines()
    assert code == case.code, err
    assert len(lines) == case.lines and lines[0].startswith("roadsync: "), err
    assert case.says in lines[-1] and str(state / case.names) in lines[-1], err
    assert "unexpected error" not in err and "Traceback" not in err
    assert _writes(sandbox) == before, "a damaged state folder must stop the run before any write"
    if case.names == "state.sqlite" and not case.namespace:  # the offline verbs read it too
        code, err = _roadsync(config, env, "explain", "PAY-1")
        assert code == case.code and err.count("\n") == 1 and str(state / case.names) in err, err
    if case.rebuilds:
        assert "--rebuild-state" in lines[0]
        code, err = _roadsync(config, env, "sync", "--rebuild-state")
        assert code == 0, err
        assert any(p.name.startswith(f"{case.names}.damaged-") for p in state.iterdir())
        code, err = _roadsync(config, env, "plan", "--detailed-exitcode")
        assert code == 0, err  # converged: the rebuilt state plans nothing more


def test_a_state_file_locked_by_another_process_is_exit_75(sandbox: Sandbox, tmp_path: Path) -> None:
    """A state file another process holds locked (a backup, a sqlite3 shell) gives exit 75, one
    line naming it, and no write."""
    config = write_config(sandbox, tmp_path / "roadsync.toml")
    env = cli_env(sandbox)
    assert _roadsync(config, env, "pull")[0] == 0
    holder = sqlite3.connect(tmp_path / ".roadsync" / "state.sqlite", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        before = _writes(sandbox)
        code, err = _roadsync(config, env, "sync")
    finally:
        holder.close()
    assert code == 75, err
    assert err.startswith("roadsync: state file ") and "locked by another process" in err, err
    assert len(err.strip().splitlines()) == 1 and _writes(sandbox) == before
    assert _roadsync(config, env, "sync")[0] == 0


def test_enough_kinds_of_damage() -> None:
    """At least 8 ways of damaging the state folder are covered (plus the lock held elsewhere)."""
    assert len({c.name for c in CASES}) == len(CASES) >= 8


def test_a_torn_last_journal_line_is_a_crash_and_stays_tolerated(sandbox: Sandbox, tmp_path: Path) -> None:
    """A journal whose last line a crash cut short is read: the sync exits 0, starts on a fresh
    line marked follows_torn_line, and later runs (the torn line now mid-file) still exit 0."""
    config = write_config(sandbox, tmp_path / "roadsync.toml")
    env = cli_env(sandbox)
    assert _roadsync(config, env, "pull")[0] == 0
    journal = tmp_path / ".roadsync" / "journal.jsonl"
    journal.write_bytes(ENTRY + ENTRY[:40])
    code, err = _roadsync(config, env, "sync")
    assert code == 0, err
    lines = journal.read_bytes().split(b"\n")
    assert lines[1] == ENTRY[:40] and b'"follows_torn_line": true' in lines[2], lines[:3]
    code, err = _roadsync(config, env, "sync")
    assert code == 0 and "journal" not in err, err
