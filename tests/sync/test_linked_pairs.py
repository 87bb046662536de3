"""A sync creates no drift of its own: linked Jira/GitHub pairs converge to the roadmap.

Each open item of a linked pair gets its own theme's priority; closed items are not written and
do not count; a disagreement that one side's own finding explains is reported once, there. So
the report after a sync holds no ``cross_tracker`` finding that the sync's report did not (the
demo's ``acme/web#65`` was set P0 -> P1 beside its done, unwritten ``PAY-6``). Real CLI, sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def _roadsync(*args: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "roadsync", *args, "--format", "json"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def _cross_tracker(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["item"], d["detail"]) for d in report["drift"] if d["kind"] == "cross_tracker"}


def test_a_sync_then_a_report_adds_no_cross_tracker_finding(demo_sandbox: Any, tmp_path: Path) -> None:
    """Every cross_tracker finding after a sync was already in the sync's report (found before writing)."""
    # The case: web#65 and its linked PAY-6 (done, so never written) agree on P4 while
    # their theme says P0; the sync moves the open web#65 to P0 and leaves PAY-6 as it closed.
    demo_sandbox.jira_store.edit_as_person("PAY-6", priority="Lowest")
    demo_sandbox.github_store.edit_as_person("acme/web#65", project_values={"Priority": "P4"})
    config = str(demo_sandbox.write_config(tmp_path / "roadsync.toml"))
    env = {**os.environ, **demo_sandbox.info()["env"]}
    synced = _roadsync("sync", "--config", config, env=env)
    assert synced["applied"]["applied"] > 0
    assert any(c["item"] == "acme/web#65" and c["field"] == "priority" for c in synced["changes"])
    after = _roadsync("report", "--config", config, env=env)
    assert _cross_tracker(after) <= _cross_tracker(synced), _cross_tracker(after) - _cross_tracker(synced)
    again = _roadsync("sync", "--config", config, env=env)
    assert again["changes"] == [] and _cross_tracker(again) == _cross_tracker(after)


def test_closed_items_and_explained_priorities_are_not_cross_tracker(
    demo_sandbox: Any, tmp_path: Path
) -> None:
    """No cross_tracker finding names a closed linked item, nor a priority another finding explains."""
    demo_sandbox.jira_store.edit_as_person("PAY-6", priority="Lowest")  # done: P4
    demo_sandbox.github_store.edit_as_person("acme/web#65", project_values={"Priority": "P2"})  # open: P2
    config = str(demo_sandbox.write_config(tmp_path / "roadsync.toml"))
    env = {**os.environ, **demo_sandbox.info()["env"]}
    report = _roadsync("report", "--config", config, env=env)
    closed = {key for key, ref in report["items"].items() if not ref["open"]}
    per_item = {d["item"] for d in report["drift"] if d["kind"] in ("priority_mismatch", "manual_override")}
    assert "acme/web#65" in per_item  # P2 against its theme's P0: reported there, once
    for item, detail in _cross_tracker(report):
        linked = detail.rsplit(" on linked ", 1)[1]
        assert linked not in closed, detail
        if detail.startswith("priority"):
            assert item not in per_item and linked not in per_item, detail
