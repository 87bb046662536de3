"""Two runs at once, and people editing while apply runs.

A second ``roadsync sync`` started while one is applying exits 75 and writes nothing (the
journal holds one run id only). A person who edits an item while apply runs keeps the edit:
labels are added and removed one by one, so a label someone adds mid-run survives; a
single-value field a person sets after roadsync wrote it is reported as ``manual_override``
on the next run and not overwritten (docs/reliability.md explains why there is no fresh read
before each single-value write).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from roadsync.sandbox.server import start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, spawn_cli, write_config


def _wait_for_writes(sb: object, n: int, deadline_s: float = 30) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        stats = sb.stats()  # type: ignore[attr-defined]
        if stats["jira"]["writes"] + stats["github"]["writes"] >= n:
            return
        time.sleep(0.002)
    raise AssertionError("the first run never started writing")


def test_a_second_run_exits_75_without_writing_and_a_mid_run_edit_survives(tmp_path: Path) -> None:
    """While one sync applies, another exits 75 writing nothing, and a label a person adds mid-apply stays."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        sb.set_faults(latency_ms=15)
        first = spawn_cli(config, "sync", env=env)
        _wait_for_writes(sb, 2)
        sb.jira_store.edit_as_person("CORE-10", labels_add=["pat-was-here"])
        sb.github_store.edit_as_person("acme/mobile#6", labels_add=["pat-was-here"])
        # The first run must still hold the lock when the second one starts: a slow answer to each
        # of its remaining requests keeps it running however long the second run's start-up takes
        # on a loaded machine (without it, the first run could end first and the second exit 0).
        sb.set_faults(latency_ms=1500)
        code, _, err = run_cli(config, "sync", env=env)
        sb.set_faults(latency_ms=15)
        assert first.poll() is None, "the first run ended before the second one started"
        assert code == 75 and "Traceback" not in err, err
        out, first_err = first.communicate(timeout=60)
        assert first.returncode == 0, first_err
        sb.set_faults(latency_ms=0)
        journal = (config.parent / ".roadsync" / "journal.jsonl").read_text(encoding="utf-8").splitlines()
        assert len({json.loads(line)["run_id"] for line in journal}) == 1
        assert "pat-was-here" in sb.jira_store.get("CORE-10").labels
        mobile = sb.github_store.get("acme/mobile#6")
        assert mobile is not None and "pat-was-here" in mobile.labels
        assert json.loads(out)["applied"]["failed"] == 0


def test_a_value_set_by_hand_during_apply_is_reported_not_overwritten(tmp_path: Path) -> None:
    """A priority a person sets right after roadsync wrote it survives the next sync as manual_override."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, first, _ = run_cli(config, "sync", env=env)
        assert code == 0
        written = next(c for c in first["changes"] if c["item"] == "PAY-1" and c["field"] == "priority")
        hand = "Highest" if written["new"] != "Highest" else "Low"
        sb.jira_store.edit_as_person("PAY-1", priority=hand)
        code, second, _ = run_cli(config, "sync", env=env)
        assert code == 0 and sb.jira_store.get("PAY-1").priority == hand
        assert not [c for c in second["changes"] if c["item"] == "PAY-1" and c["field"] == "priority"]
        assert any(d["kind"] == "manual_override" and d["item"] == "PAY-1" for d in second["drift"])
