"""A backlog over simulated weeks, planned by the real pipeline: the history the trend tests draw.

Each week people work the backlog (tag unaligned items with a theme, add matching labels,
close items, override a priority) and at weeks 4 and 8 the PM edits the roadmap (raises a
target, adds a theme). Every week is planned with :func:`make_plan` and snapshotted by
:func:`build_report` against the previous week's marks, as a run does; no tracker is involved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from roadsync.connectors.model import Item
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme
from roadsync.sync.history import downsample
from roadsync.sync.pipeline import make_plan
from roadsync.sync.report import Report, build_report
from roadsync.sync.snapshot import Baseline, marks_of
from roadsync.sync.state import iso_utc
from tests.sync.test_render_golden import FIELDS, ITEMS, ROADMAP, WRITTEN

START = datetime(2024, 2, 5, 9, 0, tzinfo=timezone.utc)  # a Monday


def _week_items(week: int) -> list[Item]:
    """The sample backlog as it stands in ``week`` (0-based): more work aligned each week."""
    items = list(ITEMS)
    extra = [
        Item(source="github", key=f"acme/web#{100 + n}", scope="acme/web", kind="issue",
             title=f"Task {n}", url=f"https://github.com/acme/web/issues/{100 + n}", status="open",
             updated="2024-05-01T08:00:00Z",
             labels=(("checkout",) if n % 3 == 0 else ("onboarding",) if n % 3 == 1 else ())
             if n < week * 2 else ())
        for n in range(24)
    ]  # fmt: skip
    return items + extra


def _week_roadmap(week: int) -> Roadmap:
    themes = list(ROADMAP.themes)
    if week >= 4:  # the PM raises checkout's target
        themes[0] = replace(themes[0], target_share=0.5)
    if week >= 8:  # and adds a theme for the mobile push
        themes.append(Theme(id="payments-api", name="Payments API", priority="P1", horizon="next",
                            target_share=0.1, match=(MatchBlock(labels=("api",)),), order=5))  # fmt: skip
    return Roadmap(themes=tuple(themes))


def weekly_report(weeks: int = 12) -> Report:
    """The report of the last of ``weeks`` weekly runs, its history holding every week."""
    history: list = []
    baseline = Baseline()
    report = None
    for week in range(weeks):
        now = START + timedelta(weeks=week)
        items, roadmap = _week_items(week), _week_roadmap(week)
        plan = make_plan(items, roadmap, FIELDS, WRITTEN)
        report = build_report(plan, items, roadmap, generated_at=iso_utc(now), history=history,
                              baseline=baseline, run_id=f"run{week:02d}")  # fmt: skip
        history = downsample(list(report.history), now)
        baseline = Baseline(report.generated_at, marks_of(plan, report.open_keys), roadmap.checksum)
    assert report is not None
    return report
