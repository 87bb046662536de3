"""The README's first quick-start command as a new user runs it: the installed package, not the checkout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from roadsync.sync.model import DRIFT_KINDS


def test_roadsync_demo_runs_from_the_installed_package(tmp_path: Path) -> None:
    """`roadsync demo` from the installed package (python -I) syncs both trackers and converges."""
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
    assert set(result["drift_by_kind"]) == set(DRIFT_KINDS)
    html = Path(result["report"]["html"]).read_text(encoding="utf-8")
    assert "<svg" in html and "roadsync" in html
    assert (
        result["sandbox_requests"]["github"]["writes"] > 0
        and result["sandbox_requests"]["jira"]["writes"] > 0
    )
