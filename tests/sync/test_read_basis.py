"""A mirror read for another config is read again, not planned from (roadsync.sync.readbasis).

A Jira search returns only the custom fields and issue properties it names (``fields=``,
``properties=``: developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search), and
the GitHub reader keeps only the managed Projects v2 fields' values and marks. So copies read before
``[fields.alignment]`` was configured hold no alignment; an incremental pull re-reads only what
changed, and without the read basis the plan wanted ``None -> aligned`` for values the trackers
already hold. Everything runs the real CLI against the sandbox trackers.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from roadsync.sync.readbasis import basis_change, basis_text
from roadsync.sync.state import STATE_FILE

ALIGNMENT = """[fields.alignment]
policy = "enforce"
override = false
jira = { target = "field", field = "Alignment" }
github = { target = "project", field = "Alignment" }
"""


def _cli(config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "roadsync", *args, "--config", str(config), "--format", "json"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


def _ok(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _configs(sandbox: Any, folder: Path) -> tuple[Path, Path]:
    """The demo config (alignment managed) and the same without ``[fields.alignment]``, each
    with its own state folder."""
    full = sandbox.write_config(folder / "with" / "roadsync.toml")
    text = full.read_text(encoding="utf-8")
    assert ALIGNMENT in text
    without = folder / "without" / "roadsync.toml"
    without.parent.mkdir()
    without.write_text(text.replace(ALIGNMENT, ""), encoding="utf-8")
    return full, without


@pytest.fixture
def demo(sandbox_factory: Any) -> Any:
    sandbox = sandbox_factory("demo", jira_flavor="cloud")
    sandbox.env = {**os.environ, **sandbox.info()["env"]}
    return sandbox


def _writes(sandbox: Any) -> int:
    stats = sandbox.stats()
    return int(stats["jira"]["writes"] + stats["github"]["writes"])


def test_a_field_managed_after_earlier_syncs_is_read_before_it_is_planned(demo: Any, tmp_path: Path) -> None:
    """After syncs without ``[fields.alignment]``, adding it makes the next plan read both trackers
    in full (said once per tracker on stderr) and agree with a fresh state folder's plan; the sync
    after it writes nothing the trackers already hold, and the pull after that is incremental."""
    full, without = _configs(demo, tmp_path)
    _ok(_cli(full, "sync", env=demo.env))  # the trackers now hold every alignment value
    _ok(_cli(without, "sync", env=demo.env))  # a mirror read without the Alignment field
    _ok(_cli(without, "sync", env=demo.env))
    with_field = without.read_text(encoding="utf-8") + "\n" + ALIGNMENT
    without.write_text(with_field, encoding="utf-8")

    done = _cli(without, "plan", env=demo.env)
    plan = _ok(done)
    fresh = tmp_path / "fresh" / "roadsync.toml"
    fresh.parent.mkdir()
    fresh.write_text(with_field, encoding="utf-8")
    assert plan["changes"] == _ok(_cli(fresh, "plan", env=demo.env))["changes"] == []
    jira, github = plan["sources"]["jira"], plan["sources"]["github"]
    assert jira["full"] and "custom fields: + Alignment" in jira["reread"]
    assert github["full"] and "board fields: + alignment=Alignment" in github["reread"]
    lines = done.stderr.strip().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["jira", "github"], done.stderr
    assert all("reading every item again" in line for line in lines)

    before = _writes(demo)
    synced = _ok(_cli(without, "sync", env=demo.env))
    assert synced["applied"]["applied"] == 0 and synced["changes"] == []
    assert _writes(demo) == before
    pulled = _ok(_cli(without, "pull", env=demo.env))
    assert not any(source["full"] or "reread" in source for source in pulled["sources"].values())


def test_an_offline_plan_refuses_a_mirror_read_for_another_config(demo: Any, tmp_path: Path) -> None:
    """``plan --offline`` over a mirror read without the managed Alignment field exits 78 with one
    line naming the field and ``roadsync pull``, printing no plan; after that pull it plans as a
    fresh state folder does."""
    full, without = _configs(demo, tmp_path)
    _ok(_cli(full, "sync", env=demo.env))
    _ok(_cli(without, "pull", env=demo.env))
    without.write_text(without.read_text(encoding="utf-8") + "\n" + ALIGNMENT, encoding="utf-8")

    refused = _cli(without, "plan", "--offline", env=demo.env)
    assert refused.returncode == 78, refused.stderr
    assert refused.stdout == "" and len(refused.stderr.strip().splitlines()) == 1
    assert "Alignment" in refused.stderr and "roadsync pull" in refused.stderr
    assert "Traceback" not in refused.stderr
    explained = _cli(without, "explain", "PAY-1", env=demo.env)
    assert explained.returncode == 78 and "roadsync pull" in explained.stderr

    _ok(_cli(without, "pull", env=demo.env))
    offline = _ok(_cli(without, "plan", "--offline", env=demo.env))
    assert offline["changes"] == _ok(_cli(full, "plan", "--offline", env=demo.env))["changes"] == []


def test_a_mirror_without_a_recorded_basis_is_read_in_full_once(demo: Any, tmp_path: Path) -> None:
    """A state file from a roadsync that kept no read basis is read in full by the next pull
    (saying why), and incrementally after it; offline verbs take it as it is meanwhile."""
    full, _ = _configs(demo, tmp_path)
    _ok(_cli(full, "pull", env=demo.env))
    with closing(sqlite3.connect(full.parent / ".roadsync" / STATE_FILE)) as conn, conn:
        conn.execute("UPDATE cursors SET basis = NULL")
    _ok(_cli(full, "plan", "--offline", env=demo.env))
    first = _ok(_cli(full, "pull", env=demo.env))["sources"]
    assert all(s["full"] and s["reread"] == "the mirror does not record what its items were read with"
               for s in first.values())  # fmt: skip
    second = _ok(_cli(full, "pull", env=demo.env))["sources"]
    assert not any(s["full"] for s in second.values())


def test_a_basis_change_names_what_a_read_gains_and_loses() -> None:
    """The reason lists fields added and removed, changed settings, and nothing when equal."""
    before = {"custom fields": ["Alignment"], "jql": None, "board fields": {"priority": "Priority"}}
    after = {"custom fields": ["Theme"], "jql": "type = Bug", "board fields": {}}
    assert basis_change(basis_text(before), before) is None
    why = basis_change(basis_text(before), after)
    assert why == ('board fields: - priority=Priority; custom fields: + Theme, - Alignment; '
                   'jql: null -> "type = Bug"')
    assert basis_change(None, after) == "the mirror does not record what its items were read with"


BASE = """
[[themes]]
id = "checkout"
name = "Checkout"
priority = "P1"

[jira]
url = "https://acme.atlassian.net"
projects = ["PAY"]

[github]
repos = ["acme/web"]

[github.project]
owner = "acme"
number = 1

[fields.theme]
policy = "enforce"
jira = { target = "label", prefix = "theme:" }
github = { target = "label", prefix = "theme/" }
"""


@pytest.mark.parametrize(("old", "new", "source", "why"), [
    ('jira = { target = "label", prefix = "theme:" }', 'jira = { target = "field", field = "Theme" }',
     "jira", "custom fields: + Theme"),
    ('github = { target = "label", prefix = "theme/" }', 'github = { target = "project", field = "Theme" }',
     "github", "board fields: + theme=Theme"),
    ('projects = ["PAY"]', 'projects = ["PAY"]\njql = "type = Bug"', "jira", 'jql: null -> "type = Bug"'),
])  # fmt: skip
def test_a_changed_target_or_filter_changes_what_a_read_must_hold(
    old: str, new: str, source: str, why: str, tmp_path: Path
) -> None:
    """Moving a managed field to a custom or board field, or filtering the JQL, changes that
    tracker's read basis (and only that tracker's); a label prefix alone does not (labels are
    always read whole)."""
    from roadsync.config.load import load_settings
    from roadsync.sync.sources import read_bases

    path = tmp_path / "roadsync.toml"
    path.write_text(BASE, encoding="utf-8")
    before = read_bases(load_settings(path))
    path.write_text(BASE.replace('prefix = "theme:"', 'prefix = "roadmap:"'), encoding="utf-8")
    assert read_bases(load_settings(path)) == before
    path.write_text(BASE.replace(old, new), encoding="utf-8")
    after = read_bases(load_settings(path))
    other = "github" if source == "jira" else "jira"
    assert after[other] == before[other]
    assert basis_change(basis_text(before[source]), after[source]) == why


def test_turning_remote_links_on_reads_every_issues_links_once(demo: Any, tmp_path: Path) -> None:
    """Jira remote links recorded while ``remote_links`` was off (none) are not reused once it is
    on: the next pull reads them (the mirror then holds the demo's Jira-to-GitHub links), and the
    pull after it reuses them for unchanged issues (no remotelink request)."""
    from roadsync.config.load import load_settings
    from roadsync.sync.run import read_backlog

    config, _ = _configs(demo, tmp_path)
    _ok(_cli(config, "pull", env=demo.env))
    settings = load_settings(config, env=demo.env)
    assert not any(item.links for item in read_backlog(settings).items if item.source == "jira")
    config.write_text(config.read_text(encoding="utf-8").replace("[jira]\n", "[jira]\nremote_links = true\n"))
    reread = _ok(_cli(config, "pull", env=demo.env))["sources"]["jira"]
    assert reread["full"] and reread["reread"] == "remote links: false -> true"
    settings = load_settings(config, env=demo.env)
    linked = [item for item in read_backlog(settings).items if item.source == "jira" and item.links]
    assert linked and all("#" in link for item in linked for link in item.links)
    again = _ok(_cli(config, "pull", env=demo.env))["sources"]["jira"]
    assert not again["full"] and again["requests"] < reread["requests"] - len(linked)
