"""Ownership holds for Jira Cloud bulk writes, through the real CLI against the sandbox.

A first sync of the small company writes its Jira priorities in bulk edit tasks; every value it
wrote carries its marker, a rerun writes nothing, and with the state folder removed a person's edit
of a bulk-written value is still reported as ``manual_override`` and kept. A run killed after a
bulk task was submitted but before its markers were written (polling widened by the emulator's
``RUNNING`` answers) leaves no older marker contradicting the new value: whether the state folder
survives or not, the next run treats the bulk-written values as roadsync's and follows the roadmap.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from roadsync.sandbox.server import Sandbox, start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, spawn_cli, synced, write_config
from tests.reliability.people import person

LEVELS = {"P0": "Highest", "P1": "High", "P2": "Medium", "P3": "Low", "P4": "Lowest"}


def _set_level(config: Path, theme: str, level: str) -> str:
    """Give ``theme`` the roadmap priority ``level``; returns the level it had."""
    text = config.read_text(encoding="utf-8")
    block = re.search(rf'\[\[themes\]\]\nid = "{re.escape(theme)}"\n(?:(?!\[\[themes\]\]).)*', text, re.S)
    assert block is not None, theme
    old = re.search(r'priority = "(P\d)"', block.group(0))
    assert old is not None
    edited = block.group(0).replace(old.group(0), f'priority = "{level}"')
    config.write_text(text.replace(block.group(0), edited), encoding="utf-8")
    return old.group(1)


def _jira_theme(first: dict[str, Any]) -> tuple[str, list[str]]:
    """The theme with the most Jira items, and those items."""
    themes = Counter(a["theme"] for a in first["assignments"] if "#" not in a["item"] and a["theme"])
    theme = themes.most_common(1)[0][0]
    return theme, sorted(
        a["item"] for a in first["assignments"] if a["theme"] == theme and "#" not in a["item"]
    )


def _marker(sb: Sandbox, key: str, field: str) -> Any:
    return sb.jira_store.get(key).properties.get(f"roadsync.{field}")


def _overrides(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["item"], d["detail"].split(" ", 1)[0].rstrip(":")) for d in report["drift"]
            if d["kind"] == "manual_override"}  # fmt: skip


def test_bulk_written_values_carry_markers_and_hand_edits_survive_a_lost_state(tmp_path: Path) -> None:
    """Bulk-written priorities each carry roadsync's marker; a rerun writes nothing; with the state
    folder removed, a person's edit of one is reported as manual_override and kept."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        assert sb.endpoint_stats()["jira"].get("submit_bulk_edit", 0) >= 1
        priorities = {
            c["item"]: c["new"] for c in first["changes"] if c["field"] == "priority" and "#" not in c["item"]
        }
        assert priorities
        for key, value in priorities.items():
            assert (_marker(sb, key, "priority") or {}).get("value") == value, key
        sb.reset_stats()
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0 and again["changes"] == [], err
        assert sb.stats()["jira"]["writes"] == 0
        key = sorted(priorities)[0]
        theirs = "Low" if priorities[key] != "Low" else "High"
        person(sb)[0].set_priority(key, theirs)
        shutil.rmtree(config.parent / ".roadsync")
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert sb.jira_store.get(key).priority == theirs
        assert (key, "priority") in _overrides(report)


def _kill_after_bulk_submit(sb: Sandbox, config: Path) -> int:
    """A real ``roadsync sync`` killed once it has submitted a bulk edit task (its polls answered
    ``RUNNING`` a few times, so the markers are not written yet)."""
    sb.jira_store.tasks.running_polls = 3
    sb.reset_stats()
    process = spawn_cli(config, "sync", env=cli_env(sb))
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if sb.endpoint_stats()["jira"].get("submit_bulk_edit", 0) >= 1:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    process.communicate(timeout=30)
    sb.jira_store.tasks.running_polls = 0
    return int(process.returncode)


@pytest.mark.parametrize("state", ["kept", "removed"])
def test_a_kill_between_the_bulk_edit_and_its_markers_makes_no_value_a_persons(
    state: str, tmp_path: Path
) -> None:
    """Killed after the bulk task, before the markers: the new values stand with no contradicting
    marker, and the next run (state folder kept or removed) follows a roadmap edit on them."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        theme, keys = _jira_theme(first)
        assert len(keys) >= 3, keys
        before = {k: sb.jira_store.get(k).priority for k in keys}
        old = _set_level(config, theme, "P0")
        assert _kill_after_bulk_submit(sb, config) == -signal.SIGKILL
        moved = [k for k in keys if sb.jira_store.get(k).priority == "Highest" != before[k]]
        assert len(moved) >= 3, (before, keys)
        for key in moved:  # the old marker is gone, the new one not written yet
            assert (_marker(sb, key, "priority") or {}).get("value") in (None, "Highest"), key
        if state == "removed":
            shutil.rmtree(config.parent / ".roadsync")
        level = next(p for p in ("P3", "P1", "P2") if p != old)
        _set_level(config, theme, level)
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert not {(k, "priority") for k in moved} & _overrides(report)
        assert all(sb.jira_store.get(k).priority == LEVELS[level] for k in moved)
        for key in moved:
            assert (_marker(sb, key, "priority") or {}).get("value") == LEVELS[level], key
        sb.reset_stats()
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0 and again["changes"] == [], err


@pytest.mark.parametrize("markers", ["landed", "failed"])
def test_a_persons_edit_overwritten_by_a_bulk_task_is_restored_and_reported(
    markers: str, tmp_path: Path
) -> None:
    """A person sets a priority after roadsync's read and before its bulk task: the after-apply
    check finds the overwrite in the changelog, puts the person's value back and reports it; the
    restored value stays the person's in the next run with the state folder kept or removed, also
    when the bulk task's markers (``POST /issue/properties/multi``) failed: the restore's own PUT
    carries roadsync's marker naming the value it wrote, so the changelog entry of the restore by
    roadsync's account is not read as roadsync setting the person's value."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml", "[run]\nreread_after_s = 3600")
        if markers == "failed":
            sb.set_faults(fail_path=r"/issue/properties/multi$")
        env = cli_env(sb)
        code, planned, err = run_cli(config, "plan", env=env)
        assert code == 0, err
        ours = {c["item"]: c for c in planned["changes"] if c["field"] == "priority" and "#" not in c["item"]}
        key = sorted(ours)[-1]
        hand = next(
            p for p in ("Lowest", "Low", "High", "Highest") if p not in (ours[key]["old"], ours[key]["new"])
        )
        sb.set_faults(latency_ms=60)
        sb.reset_stats()
        process = spawn_cli(config, "sync", env=env)
        deadline = time.monotonic() + 60
        while sb.endpoint_stats()["jira"].get("editable_bulk_fields", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.002)
        assert sb.jira_store.edit_as_person(key, priority=hand)
        out, err = process.communicate(timeout=120)
        sb.set_faults(latency_ms=0)
        assert process.returncode == 0, err
        report = json.loads(out)
        bulk = [t for t in sb.jira_store.tasks.tasks.values() if t.kind == "bulk-edit"]
        assert any(sb.jira_store.get(key).id in t.processed for t in bulk)  # written by a bulk task
        assert sb.jira_store.get(key).priority == hand
        raced = [d for d in report["drift"] if d["kind"] == "overwritten_edit" and d["item"] == key]
        assert raced and "restored" in raced[0]["detail"], report["drift"]
        assert (_marker(sb, key, "priority") or {}).get("value") == ours[key]["new"]
        sb.set_faults(fail_path=None)
        for state in ("kept", "removed"):
            if state == "removed":
                shutil.rmtree(config.parent / ".roadsync")
            code, again, err = run_cli(config, "sync", env=env)
            assert code == 0, err
            assert sb.jira_store.get(key).priority == hand, state
            assert (key, "priority") in _overrides(again), state


@pytest.mark.parametrize("state", ["kept", "removed"])
def test_a_bulk_edit_whose_markers_never_landed_then_a_persons_edit_stays_the_persons(
    state: str, tmp_path: Path
) -> None:
    """A sync killed after its bulk edit task landed and before its markers
    (``POST /issue/properties/multi``) were sent, then a person's edit of a bulk-written priority:
    the changelog entry by roadsync's account makes the person's later value theirs, whether the
    state folder (with the kill's open intents) is kept or removed; neither the neutral marker nor
    a cache record of the intent decides it. A bulk edit writes changelog entries and its task
    names the caller (``submittedBy``; research/jira.md §8), and runs as the caller, with their
    permissions (https://confluence.atlassian.com/display/JIRA062/Modifying+Multiple+%28Bulk%29+Issues):
    the emulator authors its changelog entries by the caller, as a PUT's (sandbox/jira/api_bulk.py)."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        theme, keys = _jira_theme(first)
        before = {k: sb.jira_store.get(k).priority for k in keys}
        _set_level(config, theme, "P0")
        assert _kill_after_bulk_submit(sb, config) == -signal.SIGKILL
        moved = [k for k in keys if sb.jira_store.get(k).priority == "Highest" != before[k]]
        assert moved, (before, keys)
        key = moved[0]
        assert (_marker(sb, key, "priority") or {}).get("value") is None  # the marker never followed
        person(sb)[0].set_priority(key, "Low")
        if state == "removed":
            shutil.rmtree(config.parent / ".roadsync")
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert sb.jira_store.get(key).priority == "Low"
        assert (key, "priority") in _overrides(report)
        assert not [c for c in report["changes"] if c["item"] == key and c["field"] == "priority"]
        said = next(d["detail"] for d in report["drift"]
                    if d["item"] == key and d["kind"] == "manual_override")  # fmt: skip
        assert "after roadsync wrote Highest" in said, said  # the changelog shows roadsync's write
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0 and again["changes"] == [], err
