"""The README's first quick-start command as a new user runs it: the installed package, not the checkout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from roadsync.sync.model import DRIFT_KINDS


def test_roadsync_demo_runs_from_the_installed_package(tmp_path: Path) -> None:
    """`roadsync demo` from the installed package (python -I) syncs both trackers, converges, and
    shows a short trend: four weekly runs with one roadmap edit, in its output and its reports."""
    done = subprocess.run(
        [sys.executable, "-I", "-m", "roadsync", "demo", "--dir", str(tmp_path / "demo"), "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["errors"] == [] and result["failed"] == 0
    assert result["items"] == 390 and result["applied"] == result["changes_planned"] > 0
    assert result["second_plan_changes"] == 0
    # Every drift kind but `unwritable` and `overwritten_edit`: the demo company's Jira takes every
    # write (its doctor passes; the configured-site seed is where a site refuses writes), and an
    # overwritten edit needs a person's edit in the second between a read and a write, which the
    # demo plays none of.
    assert set(result["drift_by_kind"]) == set(DRIFT_KINDS) - {"unwritable", "overwritten_edit"}
    html = Path(result["report"]["html"]).read_text(encoding="utf-8")
    assert "<svg" in html and "roadsync" in html and '<svg id="trend"' in html
    report = json.loads(Path(result["report"]["json"]).read_text(encoding="utf-8"))
    assert len(report["history"]) == 4 and len(report["trend"]["roadmap_edits"]) == 1
    assert report["trend"]["newly_aligned"] == {"by_people": 8, "by_roadsync": 10}
    assert result["trend"][0].startswith("4 snapshots from ") and "roadmap edited" in result["trend"][0]
    assert len(Path(result["history"]).read_text(encoding="utf-8").splitlines()) == 4
    assert (
        result["sandbox_requests"]["github"]["writes"] > 0
        and result["sandbox_requests"]["jira"]["writes"] > 0
    )
