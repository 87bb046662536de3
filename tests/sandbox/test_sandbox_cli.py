"""`roadsync sandbox` in a subprocess: one JSON line when ready, config written, clean stop."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from roadsync.config.model import SettingsModel


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "roadsync", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_json_line_when_ready_then_clean_stop(tmp_path: Path, stop_signal: signal.Signals) -> None:
    """--json prints one flushed line once both trackers answer and the config exists; a signal stops it."""
    config = tmp_path / "sandbox.toml"
    proc = _start("--seed", "demo", "--write-config", str(config), "--json", "--jira-flavor", "datacenter")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the sandbox flushed its line
        info = json.loads(line)
        assert config.exists() and info["config"] == str(config.resolve())
        SettingsModel.model_validate(tomllib.loads(config.read_text()))
        assert info["jira"]["flavor"] == "datacenter" and info["control"].endswith("/_sandbox")
        with httpx.Client(timeout=10) as client:
            assert client.get(info["control"] + "/stats").json()["jira"]["issues"] == 211
            answer = client.get(  # a Data Center personal access token goes as Bearer
                info["jira"]["url"] + "/rest/api/2/serverInfo",
                headers={"Authorization": "Bearer " + info["jira"]["token"]},
            )
            assert answer.json()["deploymentType"] == "Server"
        proc.send_signal(stop_signal)
        rest, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert rest == ""  # exactly one line on stdout


def test_human_summary_has_a_curl_line(tmp_path: Path) -> None:
    """Without --json the summary names the URLs and a curl command to try."""
    proc = _start("--seed", "demo", "--jira-token", "tok-1234")
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or "/user" not in lines[-1]:  # the last line of the summary
            lines.append(proc.stdout.readline())
            assert lines[-1], "the sandbox ended before its summary"
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = "".join(lines)
    assert "curl -u roadsync-bot@example.com:tok-1234 http://127.0.0.1:" in text
    assert "/rest/api/2/serverInfo" in text and proc.returncode == 0


def test_bad_seed_file_is_a_config_error(tmp_path: Path) -> None:
    """A seed file that is not a fixture exits 78 naming the file, and prints nothing on stdout."""
    bad = tmp_path / "seed.json"
    bad.write_text('{"jira": {"issues": [{"summary": "no key"}]}}')
    result = subprocess.run(
        [sys.executable, "-m", "roadsync", "sandbox", "--seed", str(bad), "--json"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 78 and result.stdout == ""
    assert str(bad) in result.stderr and "lacks key" in result.stderr


def test_configured_site_seed_writes_a_config_naming_the_alignment_field(tmp_path: Path) -> None:
    """``--seed configured-site --write-config`` serves a site with people and writes a config that
    manages Jira priority, theme labels and the Alignment field by its name, which validates."""
    config = tmp_path / "site.toml"
    proc = _start("--seed", "configured-site", "--write-config", str(config), "--json")
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    settings = tomllib.loads(config.read_text())
    SettingsModel.model_validate(settings)
    assert settings["jira"]["projects"] == ["SHOP", "OPS", "MOB"] and "github" not in settings
    assert settings["fields"]["alignment"]["jira"] == {"target": "field", "field": "Alignment"}
    assert settings["fields"]["theme"]["jira"] == {"target": "label", "prefix": "theme:"}
    assert {t["id"] for t in settings["themes"]} == {
        "reliability",
        "checkout",
        "mobile-app",
        "legacy-reports",
    }
    assert [p["name"] for p in info["people"]] == ["Dana Reyes", "Lee Park"]
    assert all(p["jira"]["token"] and p["jira"]["email"] for p in info["people"])
    validated = subprocess.run(
        [sys.executable, "-m", "roadsync", "validate", "--config", str(config)],
        capture_output=True,
        text=True,
    )
    assert validated.returncode == 0, validated.stderr
