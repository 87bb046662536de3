"""End to end against the sandbox trackers: sync writes, converges, and never clobbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadsync.cli import main

Run = Callable[..., tuple[int, Any]]


@pytest.fixture(params=["cloud", "datacenter"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def demo(sandbox_factory: Any, flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    sandbox = sandbox_factory("demo", jira_flavor=flavor)
    sandbox.config = sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    return sandbox


@pytest.fixture
def run(demo: Any, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the real CLI in-process; returns (exit code, parsed JSON stdout or text)."""

    def invoke(*args: str, fmt: str = "json") -> tuple[int, Any]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--config", str(demo.config), "--format", fmt])
        out = capsys.readouterr().out
        return int(exit_info.value.code or 0), json.loads(out) if fmt == "json" else out

    return invoke


def test_first_sync_writes_and_second_sync_sends_nothing(demo: Any, run: Run) -> None:
    """The first sync applies the whole plan; a second sync plans nothing and sends zero writes."""
    code, planned = run("plan")
    assert code == 0 and planned["changes"], planned["summary"]
    code, report = run("sync")
    assert code == 0
    assert report["applied"]["applied"] == len(planned["changes"]) and report["applied"]["failed"] == 0
    assert demo.stats()["jira"]["writes"] > 0 and demo.stats()["github"]["writes"] > 0
    demo.reset_stats()
    code, again = run("sync")
    assert code == 0 and again["changes"] == []
    assert demo.stats()["jira"]["writes"] == 0 and demo.stats()["github"]["writes"] == 0


def test_first_sync_sets_the_planned_native_values(demo: Any, run: Run) -> None:
    """Every planned Jira change lands as the tracker-native value the plan showed."""
    _, planned = run("plan")
    run("sync")
    for change in planned["changes"]:
        if "#" in change["item"]:
            continue
        issue = demo.jira_store.get(change["item"])
        if change["field"] == "priority":
            assert issue.priority == change["new"]
        elif change["field"] == "theme":
            assert change["new"] in issue.labels and change["old"] not in issue.labels


def test_labels_nobody_manages_are_never_touched(demo: Any, run: Run) -> None:
    """Labels without a managed prefix are identical before and after a sync, on both trackers."""

    def unmanaged() -> dict[str, set[str]]:
        jira = {k: set(demo.jira_store.get(k).labels) for k in _keys(demo, "jira")}
        github = {k: set(demo.github_store.get(k).labels) for k in _keys(demo, "github")}
        both = jira | github
        return {
            k: {label for label in v if not label.startswith(("theme:", "theme/"))} for k, v in both.items()
        }

    before = unmanaged()
    code, report = run("sync")
    assert code == 0 and report["applied"]["applied"] > 0
    assert unmanaged() == before


def test_a_value_changed_by_hand_is_kept_and_reported(demo: Any, run: Run) -> None:
    """A priority a person changes after roadsync wrote it survives the next sync as manual_override."""
    _, planned = run("sync")
    written = next(c for c in planned["changes"] if c["field"] == "priority" and "#" not in c["item"])
    key = written["item"]
    hand = "Lowest" if written["new"] != "Lowest" else "Highest"
    demo.jira_store.edit_as_person(key, priority=hand)
    code, report = run("sync")
    assert code == 0
    assert demo.jira_store.get(key).priority == hand
    assert [c for c in report["changes"] if c["item"] == key and c["field"] == "priority"] == []
    overrides = [d for d in report["drift"] if d["kind"] == "manual_override" and d["item"] == key]
    assert overrides and "priority" in overrides[0]["detail"]


def test_retired_theme_work_is_reported_not_deleted(demo: Any, run: Run) -> None:
    """Open work on a retired theme is retired_theme drift, and its theme tags stay on the items."""
    code, report = run("sync")
    retired = [d for d in report["drift"] if d["kind"] == "retired_theme"]
    assert code == 0 and retired
    for finding in retired:
        item = finding["item"]
        store = demo.github_store if "#" in item else demo.jira_store
        labels = store.get(item).labels
        assert not any(
            c["item"] == item and c["field"] == "theme" and c["new"] is None for c in report["changes"]
        )
        tag = f"theme/{finding['theme']}" if "#" in item else f"theme:{finding['theme']}"
        assert tag in labels or not any(label.startswith(("theme/", "theme:")) for label in labels)


def test_a_stale_plan_is_refused(
    demo: Any, run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """apply refuses a reviewed plan when a planned field changed since, names the item and the
    field, and writes nothing; a change elsewhere on a planned item does not make it stale."""
    plan_file = tmp_path / "plan.json"
    code, planned = run("plan", "--out", str(plan_file))
    assert code == 0
    change = next(c for c in planned["changes"] if "#" not in c["item"] and c["field"] == "priority")
    demo.jira_store.edit_as_person(change["item"], labels_add=["touched-by-pat"])
    hand = "Highest" if change["new"] != "Highest" else "High"
    demo.jira_store.edit_as_person(change["item"], priority=hand)
    demo.reset_stats()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["apply", str(plan_file), "--config", str(demo.config)])
    assert exit_info.value.code == 1
    assert f"{change['item']} priority" in capsys.readouterr().err
    assert demo.stats()["jira"]["writes"] == 0 and demo.stats()["github"]["writes"] == 0


def test_a_reviewed_plan_applies_exactly(demo: Any, run: Run, tmp_path: Path) -> None:
    """apply PLAN writes exactly the reviewed changes when nothing changed since."""
    plan_file = tmp_path / "plan.json"
    _, planned = run("plan", "--out", str(plan_file))
    code, applied = run("apply", str(plan_file))
    assert code == 0
    assert applied["applied"] == len(planned["changes"]) and applied["checksum"] == planned["checksum"]


def test_the_change_guard_holds_unless_forced(demo: Any, run: Run) -> None:
    """A plan larger than --max-changes is refused (exit 5) with nothing written; --force applies it."""
    demo.reset_stats()
    code, _ = run("apply", "--auto-approve", "--max-changes", "1", fmt="table")
    assert code == 5
    assert demo.stats()["jira"]["writes"] == 0 and demo.stats()["github"]["writes"] == 0
    code, applied = run("apply", "--auto-approve", "--max-changes", "1", "--force")
    assert code == 0 and applied["applied"] > 1


def test_plan_detailed_exitcode_and_report_fail_on(run: Run) -> None:
    """plan --detailed-exitcode is 2 with changes, 0 after a sync; report --fail-on gives 3."""
    assert run("plan", "--detailed-exitcode")[0] == 2
    assert run("sync")[0] == 0
    assert run("plan", "--detailed-exitcode")[0] == 0
    code, report = run("report", "--fail-on", "unaligned")
    assert code == 3 and any(d["kind"] == "unaligned" for d in report["drift"])
    assert run("report", "--fail-on", "manual_override")[0] == 0


def _keys(demo: Any, source: str) -> list[str]:
    fixture = demo.fixture[source]
    if source == "jira":
        return [issue["key"] for issue in fixture["issues"]]
    owner = fixture["owner"]
    return [f"{owner}/{issue['repo']}#{issue['number']}" for issue in fixture["issues"]]


def test_a_tracker_that_cannot_be_read_gets_no_writes(
    demo: Any, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    """When GitHub's pull fails, sync writes Jira only, skips GitHub's changes, says why, and exits 4."""
    run("pull")
    import httpx

    httpx.post(demo.control_url + "/github/budget", json={"limit": 5000, "remaining": 0}).raise_for_status()
    demo.reset_stats()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["sync", "--config", str(demo.config), "--format", "json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert exit_info.value.code == 4
    assert "roadsync: github:" in captured.err
    assert demo.stats()["github"]["writes"] == 0 and demo.stats()["jira"]["writes"] > 0
    skipped = [c for c in report["changes"] if "#" in c["item"]]
    assert skipped and report["applied"]["skipped"] >= len(skipped)


def test_unreachable_trackers_are_one_line_each_and_exit_1(
    demo: Any, run: Run, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With both trackers down, plan prints one line per source naming it, and exits 1 (nothing read)."""
    run("pull")
    demo.stop()
    monkeypatch.setenv("ROADSYNC_RUN__RETRY_SCALE", "0.01")  # the documented knob: same retries, short sleeps
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", "--config", str(demo.config), "--format", "json"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert [line for line in err.splitlines() if line.startswith("roadsync: ")] == [
        line for line in err.splitlines() if line.startswith(("roadsync: jira:", "roadsync: github:"))
    ]
    assert "roadsync: jira:" in err and "roadsync: github:" in err and "Traceback" not in err
