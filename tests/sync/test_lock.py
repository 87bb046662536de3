"""The run lock: one run at a time per state folder; the other exits 75 naming the lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from roadsync.errors import LockHeld
from roadsync.sync.lock import run_lock

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from roadsync.sync.lock import run_lock
    with run_lock(Path(sys.argv[1])):
        print("held", flush=True)
        sys.stdin.readline()
    """
)

CONTENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from roadsync.errors import LockHeld
    from roadsync.sync.lock import run_lock
    try:
        with run_lock(Path(sys.argv[1])):
            sys.exit(0)
    except LockHeld as exc:
        print(exc.one_line(), file=sys.stderr)
        sys.exit(exc.exit_code)
    """
)


def test_second_process_gets_exit_75_while_first_holds_the_lock(tmp_path: Path) -> None:
    """While one process holds the lock another exits 75; after release it proceeds."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        blocked = subprocess.run(
            [sys.executable, "-c", CONTENDER, str(tmp_path)], capture_output=True, text=True, timeout=60
        )
        assert blocked.returncode == 75
        assert str(tmp_path / "roadsync.lock") in blocked.stderr
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    freed = subprocess.run([sys.executable, "-c", CONTENDER, str(tmp_path)], capture_output=True, timeout=60)
    assert freed.returncode == 0


def test_lock_is_refused_in_process_and_released_after_the_block(tmp_path: Path) -> None:
    """A nested attempt on the same folder raises LockHeld; after the block the lock is free again."""
    with run_lock(tmp_path) as path:
        assert path == tmp_path / "roadsync.lock"
        with pytest.raises(LockHeld) as caught, run_lock(tmp_path):
            pass
        assert caught.value.exit_code == 75
    with run_lock(tmp_path):
        pass


def test_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    """A process killed while holding the lock does not block the next run."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=30)
    with run_lock(tmp_path):
        assert (tmp_path / "roadsync.lock").exists() or True
