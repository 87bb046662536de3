"""roadsync at a terminal: progress bars and colour on, and the run still ends as it does when piped."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.cli.terminal import run_on_a_terminal


def test_sync_on_a_terminal_shows_progress_and_finishes(sandbox_factory: Any, tmp_path: Path) -> None:
    """With a terminal attached, sync draws its progress and table and exits 0, like the piped run."""
    sandbox = sandbox_factory("demo")
    config = sandbox.write_config(tmp_path / "roadsync.toml")
    env = {**os.environ, **sandbox.info()["env"], "COLUMNS": "120", "TERM": "xterm-256color"}
    code, shown = run_on_a_terminal(["sync", "--config", str(config)], env)
    assert code == 0, shown[-3000:]
    assert "\x1b[" in shown  # colour / cursor control: rich knows it is on a terminal
    assert "Drift" in shown or "drift" in shown
    assert "Traceback" not in shown
    assert sandbox.stats()["jira"]["writes"] > 0
