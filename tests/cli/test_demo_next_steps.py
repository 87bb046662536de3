"""After the demo, the next step is plain: keep its sandbox serving, or point roadsync at your own trackers.

The demo's trackers are loopback emulators that stop when it ends, so its config and report
links would point at dead ports; ``roadsync demo`` says so and names the one command that keeps
them serving the demo company (``roadsync demo --serve``), and how to start on one's own Jira
and GitHub (``init``, ``doctor``). Everything runs the real CLI.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _roadsync(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "roadsync", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_demo_says_its_trackers_stopped_and_what_to_run_next(tmp_path: Path) -> None:
    """`roadsync demo` ends by saying its ports are dead, the exact --serve command, and init/doctor;
    its reports carry a note that their links answer only while `demo --serve` runs."""
    done = _roadsync("demo", "--dir", str(tmp_path / "my demo"), "--jira-flavor", "datacenter", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    words = " ".join(done.stdout.split())
    assert "ports that no longer answer" in words
    again = shlex.join(["roadsync", "demo", "--serve", "--dir", str(tmp_path / "my demo"),
                        "--jira-flavor", "datacenter"])  # fmt: skip
    assert f"  {again}\n" in done.stdout
    assert "roadsync init " in done.stdout and "roadsync doctor " in done.stdout
    folder = tmp_path / "my demo"
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert any("roadsync demo --serve" in note for note in report["notes"])  # the report says it too
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert 'role="note"' in page and "demo --serve" in page
    assert "demo --serve" in (folder / "report.md").read_text(encoding="utf-8")


def test_demo_serve_keeps_the_demo_company_serving_for_its_config(tmp_path: Path) -> None:
    """`demo --serve` keeps serving: its printed exports and config plan the demo's state; Ctrl-C stops it."""
    folder = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "roadsync", "demo", "--serve", "--dir", str(folder)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        shown: list[str] = []
        assert proc.stdout is not None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            shown.append(line)
            if "roadsync doctor" in line:
                break
        text = "".join(shown)
        exports = next(line for line in shown if line.startswith("  export "))
        env = {**os.environ, **dict(word.split("=", 1) for word in shlex.split(exports)[1:])}
        config = folder / "roadsync.toml"
        assert f"roadsync plan --config {shlex.quote(str(config))}" in text
        planned = _roadsync("plan", "--config", str(config), "--format", "json", cwd=tmp_path, env=env)
        assert planned.returncode == 0, planned.stderr
        plan = json.loads(planned.stdout)
        assert plan["changes"] == []  # the company as the demo left it: synced, converged
        assert any(finding["kind"] == "manual_override" for finding in plan["drift"])
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        for key in ("PAY-6", "acme/web#65"):  # the report's links open the item's page
            page = httpx.get(report["items"][key]["url"], timeout=10)
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            assert report["items"][key]["title"] in page.text
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "sandbox stopped" in err and "Traceback" not in err
