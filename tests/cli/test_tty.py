"""roadsync at a terminal: progress bars and colour on, and the run still ends as it does when piped."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _run_on_a_terminal(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; returns (exit code, what it showed)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "roadsync", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    shown = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            shown.extend(chunk)
        elif proc.poll() is not None:
            break
    os.close(leader)
    return proc.wait(timeout=10), shown.decode("utf-8", "replace")


def test_sync_on_a_terminal_shows_progress_and_finishes(sandbox_factory: Any, tmp_path: Path) -> None:
    """With a terminal attached, sync draws its progress and table and exits 0, like the piped run."""
    sandbox = sandbox_factory("demo")
    config = sandbox.write_config(tmp_path / "roadsync.toml")
    env = {**os.environ, **sandbox.info()["env"], "COLUMNS": "120", "TERM": "xterm-256color"}
    code, shown = _run_on_a_terminal(["sync", "--config", str(config)], env)
    assert code == 0, shown[-3000:]
    assert "\x1b[" in shown  # colour / cursor control: rich knows it is on a terminal
    assert "Drift" in shown or "drift" in shown
    assert "Traceback" not in shown
    assert sandbox.stats()["jira"]["writes"] > 0
