"""The trend end to end: simulated weeks against the sandbox trackers, the series checked exactly.

Four weekly runs (each :class:`~roadsync.sync.run.Run` given its week's clock, as every verb
runs it) over a small company, with Pat Person (the sandbox's person) editing items between runs
over the real Jira and GitHub REST endpoints with Pat's own tokens (so the trackers' histories
name Pat, as they would a colleague), and the PM editing roadmap.toml before week 2; then the
real CLI's ``report --history`` at today's time, and again after the state folder is lost. The
weeks lie in the past, so the trackers' own (real) clocks stay ahead of every cursor the runs keep.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from roadsync.cli import main
from roadsync.config.load import load_settings
from roadsync.sandbox.server import Sandbox
from roadsync.sync.model import DRIFT_KINDS
from roadsync.sync.run import Run, RunResult, RunSpec
from roadsync.sync.snapshot import EVENTS
from tests.conftest import SandboxFactory

SEED: dict[str, Any] = {
    "jira": {
        "projects": [{"key": "PAY", "name": "Payments"}],
        "issues": [
            {"key": "PAY-1", "type": "Epic", "summary": "Checkout revamp", "labels": ["checkout"],
             "priority": "Medium"},
            {"key": "PAY-2", "type": "Story", "summary": "Saved cards", "priority": "Medium"},
            {"key": "PAY-3", "type": "Story", "summary": "Email confirmation", "priority": "Medium"},
            {"key": "PAY-4", "type": "Story", "summary": "Welcome tour", "labels": ["onboarding"],
             "priority": "Medium"},
            {"key": "PAY-5", "type": "Story", "summary": "Refactor logging", "priority": "Medium"},
        ],
    },
    "github": {
        "owner": "acme",
        "repos": [{"name": "web"}],
        "issues": [
            {"repo": "web", "number": 1, "title": "Pay button", "labels": ["checkout"], "state": "open"},
            {"repo": "web", "number": 2, "title": "Invite teammates", "state": "open"},
            {"repo": "web", "number": 3, "title": "Signup wizard", "labels": ["onboarding"], "state": "open"},
            {"repo": "web", "number": 4, "title": "Flaky CI", "state": "open"},
        ],
    },
}  # fmt: skip

ROADMAP_V1 = """
[[themes]]
id = "checkout"
name = "One-page checkout"
priority = "P0"
target_share = 0.3
[[themes.match]]
labels = ["checkout"]

[[themes]]
id = "onboarding"
name = "Self-serve onboarding"
priority = "P1"
target_share = 0.3
[[themes.match]]
labels = ["onboarding"]
"""

# The PM's edit before week 2: checkout's target up to 40%, and signup work counts as onboarding.
ROADMAP_V2 = ROADMAP_V1.replace("target_share = 0.3\n[[themes.match]]\nlabels = [\"checkout\"]",
                                "target_share = 0.4\n[[themes.match]]\nlabels = [\"checkout\"]") + """
[[themes.match]]
labels = ["signup"]
"""  # fmt: skip

FIELDS = """
[fields.priority]
policy = "enforce"
[fields.priority.jira]
target = "priority"
values = { P0 = "Highest", P1 = "High", P2 = "Medium", P3 = "Low", P4 = "Lowest" }
[fields.priority.github]
target = "label"
prefix = "priority/"

[fields.theme]
policy = "enforce"
jira = { target = "label", prefix = "theme:" }
github = { target = "label", prefix = "theme/" }
"""


def _drift(**found: int) -> dict[str, int]:
    return {kind: found.get(kind, 0) for kind in DRIFT_KINDS}


def _events(**found: int) -> dict[str, int]:
    return {name: found.get(name, 0) for name in EVENTS}


class Company:
    """The sandbox, its config (roadmap.toml beside it) and Pat Person's hands on both trackers."""

    def __init__(self, sandbox: Sandbox, folder: Path) -> None:
        self.sandbox = sandbox
        self.config = sandbox.write_config(folder / "roadsync.toml", roadmap=False)
        text = self.config.read_text(encoding="utf-8")
        self.config.write_text('roadmap = "roadmap.toml"\n' + text + FIELDS, encoding="utf-8")
        self.roadmap = folder / "roadmap.toml"
        self.roadmap.write_text(ROADMAP_V1, encoding="utf-8")
        self.history = folder / "history" / "roadsync-history.jsonl"
        person = sandbox.info()["people"][0]
        self.jira = httpx.Client(base_url=f"{sandbox.jira_url}/rest/api/3",
                                 auth=(person["jira"]["email"], person["jira"]["token"]))  # fmt: skip
        token = person["github"]["token"]
        self.github = httpx.Client(base_url=sandbox.github_url, headers={"Authorization": f"token {token}"})

    def run(self, spec: RunSpec, at: datetime) -> RunResult:
        return Run(load_settings(self.config), spec, clock=lambda: at).execute()

    def jira_edit(self, key: str, body: dict[str, Any]) -> None:
        self.jira.put(f"/issue/{key}", json=body).raise_for_status()

    def github_label(self, number: int, label: str) -> None:
        answer = self.github.post(f"/repos/acme/web/issues/{number}/labels", json={"labels": [label]})
        answer.raise_for_status()

    def github_close(self, number: int) -> None:
        self.github.patch(f"/repos/acme/web/issues/{number}", json={"state": "closed"}).raise_for_status()


@pytest.fixture
def company(
    sandbox_factory: SandboxFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Company]:
    sandbox = sandbox_factory(SEED, jira_flavor="cloud")
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    made = Company(sandbox, tmp_path)
    yield made
    made.jira.close()
    made.github.close()


def _cli_report(company: Company, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["report", "--config", str(company.config), "--history", str(company.history),
              "--format", "json", *extra])  # fmt: skip
    assert done.value.code in (0, None)
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def _weeks(company: Company, start: datetime) -> list[RunResult]:
    """Four weekly runs with people and the PM at work in between; returns the runs' results."""
    history = company.history
    week = [start + timedelta(weeks=n) for n in range(4)]
    results = [company.run(RunSpec.for_sync(full=True, history_file=history), week[0])]
    company.jira_edit("PAY-2", {"update": {"labels": [{"add": "theme:checkout"}]}})  # Pat tags a theme
    company.github_label(2, "onboarding")  # Pat adds a label onboarding's rule matches
    results.append(company.run(RunSpec.for_sync(history_file=history), week[1]))
    company.roadmap.write_text(ROADMAP_V2, encoding="utf-8")  # the PM edits the roadmap
    company.jira_edit("PAY-1", {"fields": {"priority": {"name": "Low"}}})  # Pat overrides roadsync
    company.github_close(4)
    results.append(company.run(RunSpec.for_report(history_file=history), week[2]))
    company.jira_edit("PAY-3", {"update": {"labels": [{"add": "signup"}]}})  # the new rule matches
    results.append(company.run(RunSpec.for_sync(history_file=history), week[3]))
    return results


def test_simulated_weeks_give_exactly_this_series(
    company: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    """Four simulated weeks and a report today: the JSON history is exactly what people and the PM
    did (shares, drift, roadmap edit, who aligned what), and survives losing the state folder."""
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(weeks=4)
    v1 = load_settings(company.config).roadmap.checksum
    results = _weeks(company, start)
    v2 = load_settings(company.config).roadmap.checksum
    assert v1 != v2
    report = _cli_report(company, capsys)
    applied = [r.applied.summary.applied if r.applied else 0 for r in results]
    assert applied[0] > 0 and applied[1] > 0 and applied[2] == 0 and applied[3] > 0

    series = [{key: entry[key] for key in ("aligned_share", "roadmap_checksum", "drift_by_kind", "events")}
              for entry in report["history"]]  # fmt: skip
    assert series == [
        {"aligned_share": 0.4444, "roadmap_checksum": v1,
         "drift_by_kind": _drift(unaligned=5, priority_mismatch=4),
         "events": _events(changes_applied=applied[0])},
        {"aligned_share": 0.6667, "roadmap_checksum": v1,
         "drift_by_kind": _drift(unaligned=3, priority_mismatch=2),
         "events": _events(changes_applied=applied[1], aligned_by_people=1, aligned_by_roadsync=1)},
        {"aligned_share": 0.75, "roadmap_checksum": v2,
         "drift_by_kind": _drift(unaligned=2, manual_override=1),  # Pat's priority: no mismatch too
         "events": _events(roadmap_edits=1, new_manual_overrides=1)},
        {"aligned_share": 0.875, "roadmap_checksum": v2,
         "drift_by_kind": _drift(unaligned=1, priority_mismatch=1, manual_override=1, allocation=1),
         "events": _events(changes_applied=applied[3], aligned_by_roadsync=1)},
        {"aligned_share": 0.875, "roadmap_checksum": v2,
         "drift_by_kind": _drift(unaligned=1, manual_override=1, allocation=1),
         "events": _events()},
    ]  # fmt: skip
    assert [entry["at"] for entry in report["history"]] == [
        *(f"{(start + timedelta(weeks=n)):%Y-%m-%dT%H:%M:%S}Z" for n in range(4)), report["generated_at"],
    ]  # fmt: skip
    assert [entry["themes"]["checkout"] for entry in report["history"]][1:3] == [
        {"share": 0.3333, "target_share": 0.3, "open_items": 3, "estimate_sum": 0.0},
        {"share": 0.375, "target_share": 0.4, "open_items": 3, "estimate_sum": 0.0},
    ]
    assert [entry["themes"]["onboarding"]["open_items"] for entry in report["history"]] == [2, 3, 3, 4, 4]
    assert report["history"][-1]["aligned_share"] == report["summary"]["aligned_share"]
    trend = report["trend"]
    assert trend["roadmap_edits"] == [report["history"][2]["at"]]
    assert trend["newly_aligned"] == {"by_people": 1, "by_roadsync": 2}
    assert sum(week["count"] for week in trend["manual_overrides_per_week"]) == 1

    lines = company.history.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and all(json.loads(line)["schema"] == "roadsync.snapshot/1" for line in lines)

    shutil.rmtree(company.config.parent / ".roadsync")  # the state folder is lost (a new CI runner)
    rebuilt = _cli_report(company, capsys)
    assert rebuilt["history"][:5] == report["history"]
    assert len(rebuilt["history"]) == 6 and rebuilt["history"][-1]["events"] == _events()

    # Ten days back: week 3, then today's two reports (one point when they ran in the same hour).
    recent = _cli_report(company, capsys, "--offline", "--since", "10d")
    week3, first, second = (rebuilt["history"][n]["at"] for n in (3, 4, 5))
    today = [(second, 2)] if first[:13] == second[:13] else [(first, 1), (second, 1)]
    assert [(entry["at"], entry["runs"]) for entry in recent["history"][:-1]] == [(week3, 1), *today]
