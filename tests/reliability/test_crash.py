"""A run killed with SIGKILL at a random point of its apply is finished by the next run.

The killed run is a real ``roadsync sync`` process against sandbox trackers served from this
test process (latency widens the window); it dies after its k-th write reaches a tracker. Then a
sandbox person (their own token) changes the field of the write the kill left open, and one
roadsync had written before it. The rerun keeps both people's values (they are reported, never
taken over), converges everywhere else to the state a clean run leaves, the trackers hold no
write twice, and the journal shows each write applied once, or an intent the rerun resolved
after checking.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadsync.sandbox.server import Sandbox, start_sandbox
from tests.reliability.harness import (
    bot_history,
    cli_env,
    duplicates,
    small_fixture,
    snapshot,
    spawn_cli,
    sync_until_done,
    write_config,
)
from tests.reliability.people import hand_edit, shown

SEEDS = range(20)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """What one uninterrupted sync leaves in the trackers."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path_factory.mktemp("clean") / "roadsync.toml")
        sb.reset_stats()
        assert sync_until_done(config, cli_env(sb), tries=1) == [0]
        stats = sb.stats()
        writes = stats["jira"]["writes"] + stats["github"]["writes"]
        yield {"snapshot": snapshot(sb), "history": bot_history(sb), "writes": writes}


def _kill_after_writes(sb: Sandbox, config: Path, writes: int) -> int:
    sb.set_faults(latency_ms=8)
    sb.reset_stats()
    process = spawn_cli(config, "sync", env=cli_env(sb))
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        stats = sb.stats()
        if stats["jira"]["writes"] + stats["github"]["writes"] >= writes:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.001)
    process.communicate(timeout=30)
    sb.set_faults(latency_ms=0)
    return int(process.returncode)


def _journal(config: Path) -> list[dict[str, Any]]:
    path = config.parent / ".roadsync" / "journal.jsonl"
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # a line torn by the kill
    return lines


def _people_edit(sb: Sandbox, config: Path) -> dict[tuple[str, str], Any]:
    """A person changes the field of the write the kill left open (whether it landed or not) and
    one roadsync wrote before it; returns what each should still hold after the rerun."""
    journal = _journal(config)
    closed = {e["entry"] for e in journal if e["event"] == "done"}
    intents = [e for e in journal if e["event"] == "intent"]
    open_ = [e for e in intents if e["entry"] not in closed]
    applied = [e for e in intents if e["entry"] in closed and e not in open_]
    edits: dict[tuple[str, str], Any] = {}
    for entry in (open_[-1:] or intents[-1:]) + applied[:1]:
        if all(key != entry["item"] for key, _ in edits):
            avoid = (entry["before"], entry["after"])
            field, value = hand_edit(sb, entry["item"], entry["field"], avoid=avoid)
            edits[(entry["item"], field)] = value
    return edits


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_apply_is_finished_by_the_next_run(
    seed: int, tmp_path: Path, clean: dict[str, Any], matrix: list[dict[str, Any]]
) -> None:
    """Killed after a random write and edited by a person, the rerun keeps the person's values and
    reaches the clean state everywhere else: no write twice, no open intent."""
    writes = random.Random(seed).randint(1, clean["writes"] - 1)  # inside the apply (bulk edit: fewer writes)
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        code = _kill_after_writes(sb, config, writes)
        assert code == -signal.SIGKILL, f"the run ended before its {writes}th write (exit {code})"
        edits = _people_edit(sb, config)
        codes = sync_until_done(config, cli_env(sb))
        assert codes[-1] == 0, codes
        history = bot_history(sb)
        now = snapshot(sb)
        kept = sum(shown(now, *pair) == value for pair, value in edits.items())
        assert kept == len(edits), {pair: (value, shown(now, *pair)) for pair, value in edits.items()}
        touched = {key for key, _ in edits}
        for tracker in ("jira", "github"):
            others = {k: v for k, v in now[tracker].items() if k not in touched}
            assert others == {k: v for k, v in clean["snapshot"][tracker].items() if k not in touched}
        assert duplicates(history) == {}
        journal = _journal(config)
        applied = Counter((e["item"], e["field"], e["after"]) for e in journal
                          if e["event"] == "done" and e["status"] == "applied")
        assert {k: n for k, n in applied.items() if n > 1} == {}
        intents = {e["entry"] for e in journal if e["event"] == "intent"}
        closed = {e["entry"] for e in journal if e["event"] == "done"}
        assert intents <= closed, "an intent the rerun never checked"
        resolved = [e for e in journal if "verified" in str(e.get("note", ""))]
        matrix.append({
            "case": f"SIGKILL after write {writes} (seed {seed})",
            "faults": 1,
            "runs": 1 + len(codes),
            "items": sb.stats()["jira"]["issues"] + sb.stats()["github"]["issues"],
            "writes": sum(history.values()),
            "edits_kept": f"{kept}/{len(edits)}",
            "duplicates": sum(n - 1 for n in duplicates(history).values()),
            "uncertain_verified": len(resolved),
        })
