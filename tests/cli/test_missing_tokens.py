"""Missing tokens are reported all at once, each naming its variable (or file), exit 78 (design.md).

A first run usually lacks every token; fixing them one run at a time is the slow way to learn.
Runs the real CLI with no token in the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

JIRA_ENV, GITHUB_ENV = "ROADSYNC_SANDBOX_JIRA_TOKEN", "ROADSYNC_SANDBOX_GITHUB_TOKEN"


@pytest.fixture
def config(demo_sandbox: Any, tmp_path: Path) -> Path:
    return Path(demo_sandbox.write_config(tmp_path / "roadsync.toml"))


def _without_tokens() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in (JIRA_ENV, GITHUB_ENV)}


def _roadsync(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "roadsync", *args]
    return subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "verb", [["pull"], ["plan"], ["sync"], ["report"], ["doctor"], ["apply", "--auto-approve"]]
)
def test_every_missing_token_is_named_at_once(verb: list[str], config: Path, demo_sandbox: Any) -> None:
    """Each verb that talks to trackers exits 78 naming both missing variables, before any request."""
    done = _roadsync(*verb, "--config", str(config), env=_without_tokens())
    assert done.returncode == 78, done.stderr
    lines = done.stderr.strip().splitlines()
    assert "2 tokens missing" in lines[0]
    assert any(JIRA_ENV in line for line in lines[1:]) and any(GITHUB_ENV in line for line in lines[1:])
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert demo_sandbox.stats()["jira"]["reads"] == 0 and demo_sandbox.stats()["github"]["reads"] == 0


def test_a_missing_token_file_and_a_missing_variable_are_both_named(config: Path) -> None:
    """A token_file that does not exist and an unset variable: one error, both named."""
    text = config.read_text(encoding="utf-8")
    text = text.replace("[jira]\n", '[jira]\ntoken_file = "secrets/jira.token"\n', 1)
    config.write_text(text, encoding="utf-8")
    done = _roadsync("plan", "--config", str(config), env=_without_tokens())
    assert done.returncode == 78, done.stderr
    assert "jira.token_file" in done.stderr and "jira.token" in done.stderr and GITHUB_ENV in done.stderr


def test_verbs_that_need_no_token_still_run_without_them(config: Path) -> None:
    """validate and the offline verbs read no token (design.md: validate needs no tokens)."""
    assert _roadsync("validate", "--config", str(config), env=_without_tokens()).returncode == 0
    offline = _roadsync("report", "--offline", "--config", str(config), env=_without_tokens())
    assert offline.returncode == 0, offline.stderr


def test_a_github_app_needs_its_private_key_not_a_token(config: Path) -> None:
    """With [github.app], the missing App key is named (not GITHUB_TOKEN), beside the missing Jira token."""
    text = config.read_text(encoding="utf-8")
    app = '\n[github.app]\napp_id = 123456\ninstallation_id = 7\nprivate_key_env = "ROADSYNC_TEST_APP_KEY"\n'
    config.write_text(text + app, encoding="utf-8")
    env = {k: v for k, v in _without_tokens().items() if k != "ROADSYNC_TEST_APP_KEY"}
    done = _roadsync("plan", "--config", str(config), env=env)
    assert done.returncode == 78, done.stderr
    assert "2 tokens missing" in done.stderr and "ROADSYNC_TEST_APP_KEY" in done.stderr
    assert JIRA_ENV in done.stderr and GITHUB_ENV not in done.stderr
