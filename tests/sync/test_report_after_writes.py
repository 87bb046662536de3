"""What a report says after a run wrote, and before anything was read. Real CLI, sandbox trackers.

After ``sync``/``apply`` the drift is still what was found before the writes (design.md), and the
report also says which of those findings the writes resolved and how many remain, in every
format; so nobody takes fixed mismatches for open ones. A Changes card says "pending" only when
something is. An empty mirror is not "Aligned 100%": the report says to pull.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def _roadsync(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "roadsync", *args], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture
def demo(sandbox_factory: Any, tmp_path: Path) -> tuple[str, dict[str, str]]:
    sandbox = sandbox_factory("demo")
    return str(sandbox.write_config(tmp_path / "roadsync.toml")), {**os.environ, **sandbox.info()["env"]}


def _mismatches(config: str, env: dict[str, str]) -> set[str]:
    planned = json.loads(_roadsync("plan", "--config", config, "--format", "json", env=env).stdout)
    found = {d["item"] for d in planned["drift"] if d["kind"] == "priority_mismatch"}
    fixed = {c["item"] for c in planned["changes"] if c["field"] == "priority"}
    assert found & fixed, "the demo has priority mismatches its plan fixes"
    return found & fixed


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "table"])
def test_after_a_sync_the_report_says_what_its_writes_resolved(
    fmt: str, demo: tuple[str, dict[str, str]]
) -> None:
    """sync's report keeps the drift found before writing and says how much of it the writes resolved."""
    config, env = demo
    fixed = _mismatches(config, env)
    done = _roadsync("sync", "--config", config, "--format", fmt, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    if fmt == "json":
        report = json.loads(out)
        assert {d["item"] for d in report["resolved"] if d["kind"] == "priority_mismatch"} == fixed
        assert report["drift_remaining"] == len(report["drift"]) - len(report["resolved"])
        assert any(d["kind"] == "priority_mismatch" for d in report["drift"])  # still listed: found before
    elif fmt == "markdown":
        assert f"| Resolved by this run's writes | {len(fixed)} |" in out
        assert "### Drift (found before this run's writes)" in out and "_(resolved by this run)_" in out
        assert [line for line in out.splitlines() if line][:2] == ["## roadsync report", _drift_line(out)]
    elif fmt == "html":
        assert f"{len(fixed)} resolved by them" in out and "resolved by this run</span>" in out
        assert "pending: run" not in out and "applied · nothing pending" in out
    else:
        words = " ".join(out.split())
        assert f"{len(fixed)} resolved by them" in words and "(resolved by this run)" in words


def _drift_line(markdown: str) -> str:
    found = re.search(r"^Drift: \d+$", markdown, flags=re.MULTILINE)
    assert found is not None
    return found.group(0)


def test_the_html_changes_card_says_pending_only_when_something_is(demo: tuple[str, dict[str, str]]) -> None:
    """Before a sync the card asks for apply; once nothing is left to change it says so instead."""
    config, env = demo
    before = _roadsync("report", "--config", config, "--format", "html", env=env).stdout
    assert "pending: run <code>roadsync apply</code>" in before
    assert _roadsync("sync", "--config", config, env=env).returncode == 0
    after = _roadsync("report", "--config", config, "--format", "html", env=env).stdout
    card = re.search(r'data-kpi="changes">(.*?)</div></div>', after, flags=re.S)
    assert card is not None and "pending" not in card.group(1) and "nothing to change" in card.group(1)


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "json"])
def test_an_empty_mirror_says_to_pull_instead_of_aligned_100(fmt: str, tmp_path: Path) -> None:
    """report --offline before any pull shows no aligned share, says to pull, and finds no theme drift."""
    config = tmp_path / "roadsync.toml"
    config.write_text((Path(__file__).parents[2] / "config.example.toml").read_text(encoding="utf-8"))
    done = _roadsync("report", "--offline", "--config", str(config), "--format", fmt, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "roadsync pull" in out
    if fmt == "table":
        assert "Aligned — " in out and "Drift by kind: none" in out
    elif fmt == "markdown":
        assert "| Aligned share of open items | — |" in out
    elif fmt == "html":
        assert re.search(r'data-kpi="aligned">.*?<div class="value">—</div>', out) is not None
    else:
        report = json.loads(done.stdout)
        assert report["drift"] == [] and any("roadsync pull" in note for note in report["notes"])
