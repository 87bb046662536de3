"""No token ever leaves roadsync: every verb, under faults and --debug, with canary tokens.

The sandbox trackers accept two distinctive random tokens; every verb runs as a real process
with JSON logs and --debug, reports in every format, plan files, the journal and the state
file are written, and none of them holds a canary (nor a third, wrong token that Jira rejects,
whose 401 error text from the jira library would print request headers).
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

from roadsync.sandbox.server import start_sandbox
from tests.reliability.harness import cli_env, small_fixture, write_config


def _canary(kind: str) -> str:
    return f"canary{kind}{secrets.token_hex(12)}"


def _run(config: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "roadsync", *args, "--config", str(config), "--debug", "--log-format", "json"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_no_verb_leaks_a_token_anywhere(tmp_path: Path) -> None:
    """stdout, stderr, logs, reports, plans, journal and state file hold no canary token after every verb."""
    jira_token, github_token, wrong = _canary("jira"), _canary("github"), _canary("wrong")
    with start_sandbox(small_fixture(), jira_token=jira_token, github_token=github_token,
                       fault_rate=0.2, fault_seed=3) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        out = tmp_path / "out"
        runs = [
            ("validate",), ("doctor",), ("pull", "--full"),
            ("plan", "--out", str(out / "plan.json")), ("apply", str(out / "plan.json")),
            ("sync",), ("sync", "--format", "json"),
            ("report", "--format", "markdown", "--output", str(out / "report.md")),
            ("report", "--format", "html", "--output", str(out / "report.html")),
            ("report", "--format", "json", "--output", str(out / "report.json")),
            ("report", "--offline"), ("explain", "PAY-1"), ("roadmap", "--format", "json"),
        ]
        texts: list[str] = []
        codes = []
        for args in runs:
            code, text = _run(config, env, *args)
            codes.append(code)
            texts.append(text)
        code, text = _run(config, {**env, "ROADSYNC_SANDBOX_JIRA_TOKEN": wrong}, "pull", "--full")
        texts.append(text)
        assert code != 0 and "401" in text
        assert sb.stats()["jira"]["writes"] > 0, "the runs did write"
    assert sum(sb.faults.injected.values()) > 0
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "roadsync.toml"]
    assert any(p.name == "state.sqlite" for p in files) and any(p.name == "journal.jsonl" for p in files)
    blobs = [t.encode() for t in texts] + [p.read_bytes() for p in files]
    basic = base64.b64encode(f"{sb.jira_email}:{jira_token}".encode()).decode()
    for canary in (jira_token, github_token, wrong, basic):
        hits = [i for i, blob in enumerate(blobs) if canary.encode() in blob]
        where = [str(files[i - len(texts)]) if i >= len(texts) else "output" for i in hits]
        assert hits == [], f"canary found in {where}"
