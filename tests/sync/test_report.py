"""The report is built from typed results and survives its own JSON (the Action re-renders it)."""

from __future__ import annotations

from roadsync.sync.apply import ApplySummary
from roadsync.sync.pull import ScopePull, SourcePull
from roadsync.sync.report import Report
from tests.sync.test_render_golden import sample_report


def test_json_round_trip_keeps_sources_applied_and_drift() -> None:
    """Report.from_json(report.to_json()) gives back the typed sources, apply summary and drift counts."""
    report = sample_report(applied={"applied": 7, "skipped": 1, "failed": 1})
    again = Report.from_json(report.to_json())
    assert again.applied == ApplySummary(7, 1, 1)
    assert again.sources == report.sources and isinstance(again.sources["jira"], SourcePull)
    assert again.drift_counts == report.drift_counts
    assert sum(again.drift_counts.values()) == len(report.plan.drift)
    document, rebuilt = report.to_json(), again.to_json()
    assert {k: v for k, v in rebuilt.items() if k != "checksum"} == {
        k: v for k, v in document.items() if k != "checksum"
    }


def test_a_failed_source_with_scopes_survives_json() -> None:
    """A source's scopes and error come back from its JSON as they were."""
    source = SourcePull("github", fetched=3, total=9, requests=4, error="github: budget spent",
                        scopes=[ScopePull("acme/web", full=False, since="2026-01-01T00:00:00Z", fetched=3,
                                          cursor="2026-01-02T00:00:00Z")])  # fmt: skip
    assert SourcePull.from_json("github", source.to_json()) == source
