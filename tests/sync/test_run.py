"""The Run: one sequence of steps that every verb configures, and its one exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.load import load_settings
from roadsync.errors import LockHeld
from roadsync.sync.apply import ApplyResult, PlanRefused
from roadsync.sync.journal import JOURNAL_FILE, Journal
from roadsync.sync.lock import run_lock
from roadsync.sync.model import DriftFinding, Plan
from roadsync.sync.pull import PullResult, SourcePull
from roadsync.sync.run import Run, RunResult, RunSpec

CHANGE = FieldChange("PAY-1", "priority", "Low", "High", "theme says P1")
DRIFT = DriftFinding("unaligned", "PAY-2", None, "matches no theme")


def _pulled(*errors: str | None, budget: bool = False) -> PullResult:
    sources = {
        f"s{n}": SourcePull(f"s{n}", error=error, budget_exhausted=budget) for n, error in enumerate(errors)
    }
    return PullResult(sources)


@pytest.mark.parametrize(
    ("spec", "result", "code"),
    [
        (RunSpec.for_sync(), {"pulled": _pulled(None, None)}, 0),
        (RunSpec.for_sync(), {"applied": ApplyResult((WriteOutcome(CHANGE, "failed", "x"),))}, 1),
        # a failed write outranks a failed source
        (
            RunSpec.for_sync(),
            {"pulled": _pulled("down", None), "applied": ApplyResult((WriteOutcome(CHANGE, "failed", "x"),))},
            1,
        ),
        (RunSpec.for_sync(), {"pulled": _pulled("down", None)}, 4),
        (RunSpec.for_sync(), {"pulled": _pulled("down", "down")}, 1),
        (RunSpec.for_sync(), {"pulled": _pulled("spent", "spent", budget=True)}, 4),
        # a failed source outranks drift, drift outranks pending changes
        (
            RunSpec.for_report(fail_on={"unaligned"}),
            {"pulled": _pulled("down", None), "plan": Plan.build((), (DRIFT,))},
            4,
        ),
        (RunSpec.for_report(fail_on={"unaligned"}), {"plan": Plan.build((), (DRIFT,))}, 3),
        (RunSpec.for_report(fail_on={"allocation"}), {"plan": Plan.build((), (DRIFT,))}, 0),
        (RunSpec.for_plan(detailed_exitcode=True), {"plan": Plan.build((CHANGE,))}, 2),
        (RunSpec.for_plan(detailed_exitcode=True), {"plan": Plan.build(())}, 0),
        (RunSpec.for_plan(), {"plan": Plan.build((CHANGE,))}, 0),
    ],
)
def test_exit_code_is_decided_in_one_place(spec: RunSpec, result: dict[str, Any], code: int) -> None:
    """Exit codes by design.md's precedence: failed write 1, failed source 1/4, drift 3, pending 2."""
    assert RunResult(spec, **result).exit_code == code


def _settings(sandbox: Any, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    return load_settings(sandbox.write_config(folder / "roadsync.toml"))


def test_each_verb_takes_only_its_steps(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pull stops after the pull, plan and report write nothing, sync applies and reports; an
    offline plan (no tracker history to ask) plans no write that sync does not make: a value whose
    history it has not read is undecided, never taken over."""
    settings = _settings(demo_sandbox, tmp_path, monkeypatch)
    pulled = Run(settings, RunSpec.for_pull(full=True)).execute()
    assert pulled.pulled is not None and pulled.pulled.fetched > 300
    assert (pulled.plan, pulled.applied, pulled.report) == (None, None, None)
    writes_before = demo_sandbox.stats()["jira"]["writes"]
    planned = Run(settings, RunSpec.for_plan(offline=True)).execute()
    assert planned.pulled is None and planned.plan is not None
    assert planned.applied is None and planned.report is not None
    assert demo_sandbox.stats()["jira"]["writes"] == writes_before
    synced = Run(settings, RunSpec.for_sync()).execute()
    assert synced.plan is not None and synced.plan.changes
    assert set(planned.plan.changes) <= set(synced.plan.changes)
    assert synced.applied is not None and synced.applied.count("applied") == len(synced.plan.changes)
    assert synced.report is not None and synced.report.changes_applied == len(synced.plan.changes)
    assert synced.exit_code == 0


def test_recovery_is_a_step_after_the_pull(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An intent a killed run left open is resolved by the next run that pulls, not by an offline one."""
    settings = _settings(demo_sandbox, tmp_path, monkeypatch)
    Run(settings, RunSpec.for_pull(full=True)).execute()
    journal = Journal(settings.state_dir / JOURNAL_FILE)
    journal.intent(FieldChange("CORE-1", "priority", None, "Highest"), "killed-run")
    offline = Run(settings, RunSpec.for_report(offline=True)).execute()
    assert offline.recovered == 0 and len(journal.uncertain()) == 1
    online = Run(settings, RunSpec.for_report()).execute()
    assert online.recovered == 1 and journal.uncertain() == []


def test_an_intent_a_killed_run_never_carried_out_closes_as_skipped_not_failed(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An open intent whose field still holds its ``before`` value was not applied: the next run
    closes it ``skipped`` (nothing was written, nothing failed) and plans the field again."""
    settings = _settings(demo_sandbox, tmp_path, monkeypatch)
    Run(settings, RunSpec.for_pull(full=True)).execute()
    current = demo_sandbox.jira_store.get("CORE-1").priority
    wanted = "Highest" if current != "Highest" else "Low"
    journal = Journal(settings.state_dir / JOURNAL_FILE)
    entry = journal.intent(FieldChange("CORE-1", "priority", current, wanted), "killed-run")
    assert Run(settings, RunSpec.for_report()).execute().recovered == 1
    closed = [e for e in journal.entries() if e.get("entry") == entry and e.get("event") != "intent"]
    assert [(e.get("status"), e.get("error")) for e in closed] == [
        ("skipped", "not applied: interrupted run, verified")
    ]


def test_a_refused_plan_writes_nothing(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan over the change guard raises before any write; the lock is released afterwards."""
    settings = _settings(demo_sandbox, tmp_path, monkeypatch)
    with pytest.raises(PlanRefused):
        Run(settings, RunSpec.for_sync(max_changes=1)).execute()
    assert demo_sandbox.stats()["jira"]["writes"] == 0 and demo_sandbox.stats()["github"]["writes"] == 0
    with run_lock(settings.state_dir), pytest.raises(LockHeld):
        Run(settings, RunSpec.for_plan(offline=True)).execute()
