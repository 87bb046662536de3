"""Terraform's manners for ``apply``: no plan file means show the plan and ask for a yes.

On a terminal, ``apply`` without a plan file shows the plan and writes only after ``yes``;
without a terminal it refuses (exit 64) unless ``--auto-approve``; ``sync`` stays unattended.
The terminal check comes before the change guard, whose refusal has its own exit code (5) and
explains its limit. Everything runs the real CLI against the sandbox trackers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.terminal import run_on_a_terminal

QUESTION = "Apply these changes?"


@pytest.fixture
def demo(sandbox_factory: Any, tmp_path: Path) -> Any:
    sandbox = sandbox_factory("demo")
    sandbox.config = sandbox.write_config(tmp_path / "roadsync.toml")
    sandbox.env = {**os.environ, **sandbox.info()["env"], "COLUMNS": "120", "TERM": "xterm-256color"}
    return sandbox


def _writes(sandbox: Any) -> int:
    stats = sandbox.stats()
    return int(stats["jira"]["writes"] + stats["github"]["writes"])


def _piped(sandbox: Any, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI with no terminal anywhere (stdin empty, output piped), as cron runs it."""
    return subprocess.run(
        [sys.executable, "-m", "roadsync", *args, "--config", str(sandbox.config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env or sandbox.env,
        timeout=300,
    )


def test_apply_without_a_plan_file_or_a_terminal_refuses_unless_auto_approve(demo: Any) -> None:
    """Piped, plain `apply` exits 64 naming --auto-approve before reading anything; with it, it applies."""
    done = _piped(demo, "apply")
    assert done.returncode == 64, done.stderr
    assert "--auto-approve" in done.stderr and "no terminal" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert demo.stats()["jira"]["reads"] == 0 and _writes(demo) == 0
    done = _piped(demo, "apply", "--auto-approve", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert _writes(demo) > 0


def test_the_terminal_check_comes_before_the_change_guard(demo: Any) -> None:
    """Piped `apply --max-changes 1` is the usage error 64, not the guard's 5: nothing was even planned."""
    done = _piped(demo, "apply", "--max-changes", "1")
    assert done.returncode == 64, done.stderr
    assert "--auto-approve" in done.stderr and "change guard" not in done.stderr


def test_a_guard_refusal_explains_its_limit_and_exits_5(demo: Any) -> None:
    """Over the guard, apply and sync exit 5 naming the limit and the setting behind it, writing nothing."""
    done = _piped(demo, "apply", "--auto-approve", "--max-changes", "3")
    assert done.returncode == 5, done.stderr
    assert "more than the 3 it allows (--max-changes 3)" in done.stderr and "--force" in done.stderr
    by_share = {**demo.env, "ROADSYNC_RUN__MAX_CHANGES_SHARE": "0.01"}
    done = _piped(demo, "sync", env=by_share)
    assert done.returncode == 5, done.stderr
    assert "run.max_changes_share 0.01 x " in done.stderr and "open items = " in done.stderr
    assert "raised to the minimum of 25" in done.stderr and "nothing was written" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert _writes(demo) == 0
    by_count = {**demo.env, "ROADSYNC_RUN__MAX_CHANGES": "7"}
    done = _piped(demo, "sync", env=by_count)
    assert done.returncode == 5 and "(run.max_changes = 7)" in done.stderr, done.stderr


def test_sync_stays_unattended(demo: Any) -> None:
    """sync with no terminal writes without asking and exits 0."""
    done = _piped(demo, "sync")
    assert done.returncode == 0, done.stderr
    assert QUESTION not in done.stderr + done.stdout and _writes(demo) > 0


def test_on_a_terminal_apply_shows_the_plan_and_writes_only_after_yes(demo: Any) -> None:
    """At a terminal, any answer but yes cancels with nothing written; yes applies what was shown."""
    args = ["apply", "--config", str(demo.config)]
    code, shown = run_on_a_terminal(args, demo.env, answers={QUESTION: "no"})
    assert code == 1, shown[-3000:]
    assert "Plan:" in shown and "changes" in shown and QUESTION in shown
    assert "apply cancelled: nothing was written" in shown and "Traceback" not in shown
    assert _writes(demo) == 0
    code, shown = run_on_a_terminal(args, demo.env, answers={QUESTION: "yes"})
    assert code == 0, shown[-3000:]
    assert _writes(demo) > 0
    code, shown = run_on_a_terminal(args, demo.env, answers={QUESTION: "yes"})
    assert code == 0 and QUESTION not in shown, shown[-3000:]  # nothing left to change: nothing to ask


def test_on_a_terminal_the_guard_refuses_before_asking(demo: Any) -> None:
    """At a terminal, a plan over the guard exits 5 without asking a question nobody could act on."""
    args = ["apply", "--max-changes", "2", "--config", str(demo.config)]
    code, shown = run_on_a_terminal(args, demo.env, answers={QUESTION: "yes"})
    assert code == 5, shown[-3000:]
    assert QUESTION not in shown and "more than the 2 it allows" in shown
    assert _writes(demo) == 0
