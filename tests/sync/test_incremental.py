"""A run that plans only what changed (roadsync.sync.scope) answers exactly as a full re-plan."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from roadsync.config.load import load_settings
from roadsync.sync.report import build_report
from roadsync.sync.run import Run, RunResult, RunSpec, read_backlog
from roadsync.sync.snapshot import marks_of
from roadsync.sync.state import STATE_FILE

VOLATILE = ("generated_at", "sources", "history", "trend", "applied")


def _config(sandbox: Any, folder: Path, text: str | None = None) -> Path:
    path = sandbox.write_config(folder / "roadsync.toml")
    if text is not None:
        path.write_text(text, encoding="utf-8")
    return path


def _twin(sandbox: Any, config: Path, copy: Path) -> Path:
    """The config and state folder copied to ``copy``, without the kept plan outcomes: a run
    there pulls what the live run pulls (same cursors) and plans every item afresh."""
    _config(sandbox, copy, config.read_text(encoding="utf-8"))
    shutil.copytree(config.parent / ".roadsync", copy / ".roadsync")
    with closing(sqlite3.connect(copy / ".roadsync" / STATE_FILE)) as conn, conn:
        conn.execute("DELETE FROM planned")
    return copy / "roadsync.toml"


def _same_answers(incremental: RunResult, full: RunResult) -> None:
    assert incremental.plan is not None and full.plan is not None
    assert incremental.report is not None and full.report is not None
    assert incremental.plan.to_json() == full.plan.to_json()
    mine, theirs = incremental.report.to_json(), full.report.to_json()
    for key in VOLATILE:
        mine.pop(key), theirs.pop(key)
    assert mine == theirs
    points = [r.report.history[-1].to_json() for r in (incremental, full) if r.report is not None]
    for point in points:
        for key in ("at", "run", "first_at", "since"):
            point.pop(key, None)
    assert points[0] == points[1]


def _plan_json(config: Path) -> dict[str, Any]:
    planned = Run(load_settings(config), RunSpec.for_plan()).execute().plan
    assert planned is not None
    return planned.to_json()


def _pick(settings: Any, plan: dict[str, Any]) -> dict[str, str]:
    """Keys to edit: an open Jira item with a parent and children, another epic, another project,
    a Jira item alone with a priority, an unaligned GitHub issue and a Jira item with a rule's theme."""
    items = read_backlog(settings).items
    steps = {a["item"]: a["step"] for a in plan["assignments"]}
    parents = {item.parent for item in items if item.parent}
    jira = [i for i in items if i.source == "jira" and i.is_open]
    parent = next(i for i in jira if i.key in parents and i.parent)
    epics = [i for i in jira if i.key in parents and i.kind == "epic"]
    alone = [i for i in jira if i.key not in parents and not i.parent]
    github = [i for i in items if i.source == "github" and i.is_open and not i.links]
    return {
        "parent": parent.key,
        "epic": next(i.key for i in epics if i.key != parent.parent),
        "project": next(p for p in {i.scope for i in jira} if p != parent.scope),
        "plain": next(i.key for i in alone if i.priority not in (None, "Lowest")),
        "github": next(i.key for i in github if steps[i.key] == "none"),
        "target": next(i.key for i in alone if steps[i.key] == "rule"),
    }


def test_incremental_plans_agree_with_a_full_replan_after_each_edit(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After people's edits, a roadmap edit, a parent change, a link change and a moved item, a
    run that re-plans only the changed items and their dependents gives the plan and report a
    full re-plan gives on the same data, planning far fewer items (none on a no-op run, whether
    after a first sync, a roadmap edit or a key that left the mirror)."""
    for name, value in demo_sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    config = _config(demo_sandbox, tmp_path / "live")
    Run(load_settings(config), RunSpec.for_sync(force=True)).execute()
    Run(load_settings(config), RunSpec.for_sync(force=True)).execute()
    before = _plan_json(config)
    keys = _pick(load_settings(config), before)
    jira, github = demo_sandbox.jira_store, demo_sandbox.github_store
    text = config.read_text(encoding="utf-8")
    edits: list[tuple[str, Callable[[], object]]] = [
        ("noop", lambda: None),
        ("people", lambda: (jira.edit_as_person(keys["plain"], priority="Lowest"),
                            github.edit_as_person(keys["github"], labels_add=["hand-made"]))),
        ("roadmap", lambda: config.write_text(text.replace('priority = "P1"', 'priority = "P3"', 1))),
        ("noop after the roadmap edit", lambda: None),
        ("parent", lambda: jira.edit_as_person(keys["parent"], fields={"parent": {"key": keys["epic"]}})),
        ("link", lambda: github.edit_as_person(keys["github"], title=f"Follow up {keys['target']}")),
        ("moved", lambda: jira.move(keys["parent"], keys["project"])),
        ("noop after a key left the mirror", lambda: None),
    ]  # fmt: skip
    for step, edit in edits:
        edit()
        twin = _twin(demo_sandbox, config, tmp_path / f"full-{step}")
        incremental = Run(load_settings(config), RunSpec.for_plan()).execute()
        full = Run(load_settings(twin), RunSpec.for_plan()).execute()
        assert full.scope is not None and len(full.scope.dirty) == len(full.entries)
        _same_answers(incremental, full)
        assert incremental.plan is not None
        quiet = step.startswith("noop")
        assert (incremental.plan.to_json() == before) == quiet, f"{step}: the edit mattered"
        scope, total = incremental.scope, len(incremental.entries)
        assert scope is not None and total > 300
        if quiet:
            assert (len(scope.dirty), len(scope.items), len(scope.kept)) == (0, 0, total), step
        elif step == "roadmap":
            assert len(scope.dirty) == total, step
        else:
            assert 0 < len(scope.dirty) < total // 4, (step, len(scope.dirty))
        Run(load_settings(config), RunSpec.for_sync(force=True)).execute()
        before = _plan_json(config)


def test_a_quiet_syncs_report_is_the_one_counted_afresh(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A no-op sync after people's edits, whose report reuses the planner's coverage rows and
    counts its history marks once, reports what a full re-plan reports, and its report equals the
    one built afresh from its plan and items (coverage and marks counted again)."""
    for name, value in demo_sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    config = _config(demo_sandbox, tmp_path / "live")
    for _ in range(2):
        Run(load_settings(config), RunSpec.for_sync(force=True)).execute()
    keys = _pick(load_settings(config), _plan_json(config))
    demo_sandbox.jira_store.edit_as_person(keys["plain"], priority="Lowest")
    demo_sandbox.github_store.edit_as_person(keys["github"], labels_add=["hand-made"])
    runs = [Run(load_settings(config), RunSpec.for_sync(force=True)).execute() for _ in range(3)]
    assert runs[0].scope is not None and runs[0].scope.dirty  # the edits were planned again
    quiet = runs[-1]  # an item whose value a person set settles a run later
    assert quiet.scope is not None and not quiet.scope.dirty and not quiet.scope.items
    twin = _twin(demo_sandbox, config, tmp_path / "full")
    full = Run(load_settings(twin), RunSpec.for_sync(force=True)).execute()
    _same_answers(quiet, full)
    report, plan, applied = quiet.report, quiet.plan, quiet.applied
    assert report is not None and plan is not None and applied is not None
    again = build_report(plan, quiet.entries, load_settings(config).roadmap, generated_at=report.generated_at,
                         pulled=quiet.pulled, applied=applied.summary, history=report.history[:-1],
                         run_id=report.history[-1].run)  # fmt: skip
    assert report.themes == again.themes and report.themes[0].open_items > 0
    mine, theirs = report.to_json(), again.to_json()
    for document in (mine, theirs):
        document["history"][-1].pop("events"), document["history"][-1].pop("since")
    assert mine == theirs
    assert report.marks == marks_of(plan, report.open_keys) == again.marks
    assert any(mark.startswith("u:") for mark in report.marks)
