"""Golden tests: one fixed dataset, planned by the real pipeline, rendered as JSON, Markdown and table.

The golden files live in ``tests/sync/golden/``. They are compared exactly; regenerate them
only on purpose with ``ROADSYNC_UPDATE_GOLDEN=1 pytest tests/sync/test_render_golden.py``
and review the diff. :func:`sample_report` is the dataset the other render tests use too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme
from roadsync.sync.apply import ApplySummary
from roadsync.sync.model import DRIFT_KINDS, DriftFinding
from roadsync.sync.pipeline import make_plan
from roadsync.sync.pull import PullResult, SourcePull
from roadsync.sync.refusals import Refusal, hold_back, with_drift
from roadsync.sync.render import render
from roadsync.sync.report import Report, build_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ROADSYNC_UPDATE_GOLDEN") == "1"

ROADMAP = Roadmap(
    themes=(
        Theme(id="checkout", name="One-click checkout", priority="P0", horizon="now", target_share=0.4,
              match=(MatchBlock(labels=("checkout",)), MatchBlock(components=("Payments",))), order=0),
        Theme(id="onboarding", name="Self-serve onboarding", priority="P1", horizon="now", target_share=0.5,
              match=(MatchBlock(labels=("onboarding",)),), order=1),
        Theme(id="mobile", name="Mobile app parity", priority="P1", horizon="now", target_share=0.1,
              match=(MatchBlock(labels=("mobile",)),), order=2),
        Theme(id="search", name="Search relevance", priority="P2", horizon="next", status="paused",
              match=(MatchBlock(labels=("search",)),), order=3),
        Theme(id="legacy-billing", name="Legacy billing", priority="P3", horizon="later", status="retired",
              match=(MatchBlock(labels=("billing-v1",)),), order=4),
    )
)  # fmt: skip

FIELDS = FieldsConfig(
    priority=ManagedField(policy="enforce", jira=FieldTarget(target="priority"),
                          github=FieldTarget(target="label", prefix="priority/")),
    theme=ManagedField(policy="enforce", jira=FieldTarget(target="label", prefix="theme/"),
                       github=FieldTarget(target="label", prefix="theme/")),
    alignment=ManagedField(policy="report", jira=FieldTarget(target="label", prefix="alignment/")),
)  # fmt: skip

# roadsync wrote these before; PAY-3's priority was changed by hand since (manual_override).
WRITTEN = {("PAY-3", "priority"): "Highest", ("PAY-3", "theme"): "theme/checkout"}
# What apply reports when its write landed over a person's edit made in the seconds before it.
OVERWRITTEN = DriftFinding(
    "overwritten_edit",
    "PAY-4",
    "onboarding",
    "priority set by hand to Low just before roadsync wrote High; restored Low",
)


def _jira(n: int, title: str, **kw: Any) -> Item:
    return Item(source="jira", key=f"PAY-{n}", scope="PAY", url=f"https://acme.atlassian.net/browse/PAY-{n}",
                kind=kw.pop("kind", "issue"), title=title, status=kw.pop("status", "To Do"),
                priority=kw.pop("priority", "Medium"), updated="2024-05-01T08:00:00Z", **kw)  # fmt: skip


def _github(n: int, title: str, **kw: Any) -> Item:
    return Item(source="github", key=f"acme/web#{n}", scope="acme/web", kind="issue", title=title,
                url=f"https://github.com/acme/web/issues/{n}", status=kw.pop("status", "open"),
                updated="2024-05-01T08:00:00Z", **kw)  # fmt: skip


ITEMS = [
    _jira(1, "Checkout epic", kind="epic", labels=("checkout",), priority="Highest"),
    _jira(2, "Apple Pay button", parent="PAY-1", priority="Highest", labels=("theme/checkout",)),
    _jira(3, "Saved cards", components=("Payments",), priority="Low", labels=("theme/checkout",)),
    _jira(4, "Onboarding wizard", labels=("onboarding",), priority="High"),
    _jira(5, "Invite teammates | <script>alert('x')</script>", labels=("onboarding", "theme/onboardng"),
          priority="High"),
    _jira(6, "Tune search ranking", labels=("search",), estimate=3.0),
    _jira(7, "Old invoice export", labels=("billing-v1",), priority="Low"),
    _jira(8, "Refactor logging"),
    _jira(14, "Welcome tour inside checkout", parent="PAY-1", labels=("onboarding",), priority="High"),
    _jira(9, "Shipped checkout fix", labels=("checkout",), status="Done", status_category="done",
          priority="Highest"),
    _github(10, "Checkout: 3DS flow for PAY-3", labels=("checkout", "priority/P2"), links=("PAY-3",)),
    _github(11, "Flaky CI on main"),
    _github(12, "Dark mode [design] *soon*"),
    _github(13, "Onboarding emails", labels=("onboarding", "priority/P3")),
    # A linked pair on a retired theme, whose priority the roadmap no longer sets: cross_tracker.
    _github(15, "Export old invoices as CSV", labels=("billing-v1", "priority/P1"), links=("PAY-7",)),
]  # fmt: skip


REFUSED = {
    ("PAY-6", "theme"): Refusal(
        "theme/search",
        "Field 'labels' cannot be set. It is not on the appropriate screen, or unknown.",
        "2024-04-30T09:00:00Z",
    )
}
FAILED = WriteOutcome(FieldChange("acme/web#13", "priority", "priority/P3", "priority/P1"), "failed",
                      "GitHub answered HTTP 502 (source github, item acme/web#13)")  # fmt: skip
UNWRITABLE = WriteOutcome(FieldChange("PAY-7", "theme", None, "theme/legacy-billing"), "unwritable",
                          "Field 'labels' cannot be set. It is not on the appropriate screen, or unknown. "
                          "(Labels is not on the edit screen of Task in PAY)")  # fmt: skip


def sample_report(
    applied: dict[str, Any] | None = None, written: frozenset[tuple[str, str]] = frozenset()
) -> Report:
    """The fixed dataset as a report (one change held back by a remembered refusal, one person's
    edit a write overwrote and put back): every render test starts from this."""
    plan = with_drift(hold_back(make_plan(ITEMS, ROADMAP, FIELDS, WRITTEN), REFUSED), [OVERWRITTEN])
    pulled = PullResult({
        "jira": SourcePull("jira", fetched=9, total=9, requests=2),
        "github": SourcePull("github", fetched=4, total=4, requests=3),
    })  # fmt: skip
    summary = ApplySummary(**applied) if applied is not None else None
    return build_report(
        plan, ITEMS, ROADMAP, generated_at="2024-05-01T09:00:00Z", pulled=pulled, applied=summary,
        written=written,
    )


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with ROADSYNC_UPDATE_GOLDEN=1 once and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} differs from its golden file (ROADSYNC_UPDATE_GOLDEN=1 regenerates it)"
    )


@pytest.mark.parametrize(
    ("fmt", "name"), [("json", "report.json"), ("markdown", "report.md"), ("table", "report.txt")]
)
def test_report_matches_golden(fmt: str, name: str) -> None:
    """The fixed dataset renders exactly as its reviewed golden file in each text format."""
    assert_golden(name, render(sample_report(), fmt))


def test_applied_table_matches_golden() -> None:
    """After apply, the terminal report shows what was written and what still pends."""
    counts = {"applied": 6, "skipped": 0, "failed": 1, "unwritable": 1}
    written = frozenset({("acme/web#10", "priority"), ("PAY-1", "theme")})  # acme/web#13 failed
    report = sample_report(applied={**counts, "not_written": (FAILED, UNWRITABLE)}, written=written)
    assert [(f.kind, f.item) for f in report.resolved] == [("priority_mismatch", "acme/web#10")]
    assert_golden("report-applied.txt", render(report, "table"))


def test_dataset_covers_the_drift_kinds_the_goldens_show() -> None:
    """The golden dataset exercises theme-level and item-level drift, so the goldens mean something."""
    counts = sample_report().drift_counts
    found = {kind for kind, n in counts.items() if n}
    assert found == set(DRIFT_KINDS)


def test_json_is_stable_and_round_trips() -> None:
    """The JSON document is the same object however often it is built, and survives a round trip."""
    first, second = sample_report().to_json(), sample_report().to_json()
    assert first == second
    assert json.loads(render(sample_report(), "json")) == first
    assert list(first) == [
        "schema", "title", "generated_at", "summary", "sources", "themes", "drift", "changes",
        "assignments", "items", "applied", "checksum", "history", "trend", "resolved", "drift_remaining",
        "notes",
    ]  # fmt: skip
    assert list(first["sources"]) == ["github", "jira"]
