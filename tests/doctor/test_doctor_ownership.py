"""``roadsync doctor`` says what ownership evidence each tracker gives and what it costs, and
warns when the token's account looks like a person's (their history would be taken for roadsync's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roadsync.sandbox.server import GITHUB_TOKEN_ENV, JIRA_TOKEN_ENV
from tests.doctor.conftest import Doctor


def _checks(document: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    return {c["source"]: c for c in document["checks"] if c["check"] == name}


def test_doctor_names_the_evidence_and_its_cost_per_tracker(sandbox_factory: Any, doctor: Doctor,
                                                            tmp_path: Path) -> None:  # fmt: skip
    """Jira: issue properties read with the search; GitHub: label events and the board's marker field."""
    sandbox = sandbox_factory("demo")
    code, document = doctor(sandbox, tmp_path)
    assert code == 0, document
    evidence = _checks(document, "ownership evidence")
    jira = evidence["jira"]["detail"]
    assert "roadsync.priority" in jira and "0 extra requests" in jira and "/changelog/bulkfetch" in jira
    assert "label events by roadsync-bot" in evidence["github"]["detail"]
    assert "text field \"roadsync\"" in evidence["github"]["detail"]
    accounts = _checks(document, "ownership: token account")
    assert accounts["jira"]["level"] == "ok" and accounts["github"]["level"] == "ok"


def test_doctor_warns_when_the_token_is_a_persons(sandbox_factory: Any, doctor: Doctor,
                                                  tmp_path: Path) -> None:  # fmt: skip
    """Run with a person's own tokens, doctor warns on both trackers and says how to fix it."""
    sandbox = sandbox_factory("demo")
    who = sandbox.info()["people"][0]
    env = {JIRA_TOKEN_ENV: who["jira"]["token"], GITHUB_TOKEN_ENV: who["github"]["token"],
           "ROADSYNC_JIRA__EMAIL": who["jira"]["email"]}  # fmt: skip
    _, document = doctor(sandbox, tmp_path, env=env)
    accounts = _checks(document, "ownership: token account")
    assert accounts["jira"]["level"] == "warn" and "own Jira account" in accounts["jira"]["fix"]
    assert "jira.shared_account" in accounts["jira"]["fix"]
    assert accounts["github"]["level"] == "warn" and "shared_account" in accounts["github"]["fix"]
