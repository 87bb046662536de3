"""A run with one tracker unreadable writes no decision that rests on it.

With Jira unreadable on a first run, ``sync`` used to exit 4 yet write GitHub changes such as
``inherited -> unaligned`` (links into Jira could not be resolved), which the next good run
wrote back. Now such changes are skipped with the reason, and the next good run writes nothing
back. Real CLI against the demo sandbox; Jira is made unreadable with a wrong token (401).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

JIRA_TOKEN = "ROADSYNC_SANDBOX_JIRA_TOKEN"


def _roadsync(*args: str, env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "roadsync", *args, "--format", "json"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout) if done.stdout else {}, done.stderr


def _applied_by_run(journal: Path) -> list[dict[tuple[str, str], tuple[str | None, str | None]]]:
    """Per run, in order: (item, field) -> (before, after) of every write the journal says landed."""
    runs: dict[str, dict[tuple[str, str], tuple[str | None, str | None]]] = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["event"] == "done" and entry["status"] == "applied":
            writes = runs.setdefault(entry["run_id"], {})
            writes[(entry["item"], entry["field"])] = (entry["before"], entry["after"])
    return list(runs.values())


def test_no_write_rests_on_an_unreadable_tracker_and_nothing_is_written_back(
    demo_sandbox: Any, tmp_path: Path
) -> None:
    """Jira down: GitHub changes that rest on Jira are skipped with why; the next good sync undoes nothing."""
    config = str(demo_sandbox.write_config(tmp_path / "roadsync.toml"))
    good = {**os.environ, **demo_sandbox.info()["env"]}
    down = {**good, JIRA_TOKEN: "not-the-token"}
    code, applied, err = _roadsync("apply", "--auto-approve", "--config", config, env=down)
    assert code == 4, err
    held = [o for o in applied["outcomes"] if o["status"] == "skipped" and "#" in o["item"]]
    assert held and all("jira, which could not be read this run" in o["error"] for o in held), held
    assert {o["item"] for o in held} >= {"acme/web#63", "acme/web#64", "acme/web#65"}  # themes via PAY-*
    assert all(o["status"] != "applied" for o in applied["outcomes"] if "#" not in o["item"])
    code, _, err = _roadsync("sync", "--config", config, env=good)
    assert code == 0, err
    first, second = _applied_by_run(tmp_path / ".roadsync" / "journal.jsonl")
    undone = {key: (first[key], second[key]) for key in first.keys() & second.keys()}
    assert undone == {}
    code, planned, _ = _roadsync("plan", "--config", config, env=good)
    assert code == 0 and planned["changes"] == []


def test_a_report_from_an_unreadable_tracker_says_its_items_are_not_todays(
    demo_sandbox: Any, tmp_path: Path
) -> None:
    """Both trackers down after a good pull: report and plan still show the mirror (exit 1), and the
    report's notes say, per tracker, that its items are an earlier pull's copy (JSON and table)."""
    config = str(demo_sandbox.write_config(tmp_path / "roadsync.toml"))
    good = {**os.environ, **demo_sandbox.info()["env"]}
    code, _, err = _roadsync("pull", "--config", config, env=good)
    assert code == 0, err
    down = {**good, JIRA_TOKEN: "not-the-token", "ROADSYNC_SANDBOX_GITHUB_TOKEN": "ghp_not_the_token"}
    code, reported, _ = _roadsync("report", "--config", config, env=down)
    assert code == 1
    notes = reported["notes"]
    assert [n.split(" ", 1)[0] for n in notes] == ["github", "jira"], notes
    assert all("not today's values" in n and "not-the-token" not in n for n in notes)
    table = subprocess.run(
        [sys.executable, "-m", "roadsync", "plan", "--config", config], env=down,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert table.returncode == 1 and table.stdout.count("not today's values") == 2, table.stdout
