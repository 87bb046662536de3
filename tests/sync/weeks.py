"""A backlog over simulated weeks, planned by the real pipeline: the history the trend tests draw.

The golden dataset plus 24 GitHub tasks, all unaligned at week 0. In week ``w`` (0-based):

- task ``n`` with ``n % 3 != 2`` carries a label checkout's or onboarding's rule matches once
  ``n < 2w`` (roadsync's rules align it): 15 tasks by week 11, two or so a week;
- task ``n`` with ``n % 3 == 2`` carries a person's theme tag ``theme/mobile`` once ``n < w``
  (people align it): tasks 2, 5 and 8 by week 11;
- from week 8 the team closes onboarding tasks (``n < 3(w - 7)``) and starts no new ones, so
  onboarding falls further below its 50% target;
- from week 6 roadsync's record says it wrote PAY-4's priority ``Highest``; it is ``High``, so a
  manual override appears in week 6 (2024-W12) and stays;
- the PM raises checkout's target from 40% to 50% in week 4 and adds a theme in week 8.

Every week is planned with :func:`make_plan` and snapshotted by :func:`build_report` against
the previous week's marks, as a run does; no tracker is involved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from roadsync.connectors.model import Item
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme
from roadsync.sync.history import downsample
from roadsync.sync.pipeline import make_plan
from roadsync.sync.report import Report, build_report
from roadsync.sync.snapshot import Baseline, Snapshot, marks_of
from roadsync.sync.state import iso_utc
from tests.sync.test_render_golden import FIELDS, ITEMS, ROADMAP, WRITTEN

START = datetime(2024, 2, 5, 9, 0, tzinfo=timezone.utc)  # a Monday


def _week_items(week: int) -> list[Item]:
    """The sample backlog as it stands in ``week`` (0-based): more work aligned each week."""
    items = list(ITEMS)
    extra = [
        Item(source="github", key=f"acme/web#{100 + n}", scope="acme/web", kind="issue",
             title=f"Task {n}", url=f"https://github.com/acme/web/issues/{100 + n}",
             status="closed" if n % 3 == 1 and n < 3 * (week - 7) else "open",
             status_category="done" if n % 3 == 1 and n < 3 * (week - 7) else "todo",
             updated="2024-05-01T08:00:00Z",
             labels=_task_labels(n, week))
        for n in range(24)
    ]  # fmt: skip
    return items + extra


def _task_labels(n: int, week: int) -> tuple[str, ...]:
    if n % 3 == 2:
        return ("theme/mobile",) if n < week else ()
    if n < week * 2:
        return ("checkout",) if n % 3 == 0 else ("onboarding",)
    return ()


def _week_written(week: int) -> dict[tuple[str, str], str | None]:
    return {**WRITTEN, ("PAY-4", "priority"): "Highest"} if week >= 6 else dict(WRITTEN)


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
    history: list[Snapshot] = []
    baseline = Baseline()
    report = None
    for week in range(weeks):
        now = START + timedelta(weeks=week)
        items, roadmap = _week_items(week), _week_roadmap(week)
        plan = make_plan(items, roadmap, FIELDS, _week_written(week))
        report = build_report(plan, items, roadmap, generated_at=iso_utc(now), history=history,
                              baseline=baseline, run_id=f"run{week:02d}")  # fmt: skip
        history = downsample(list(report.history), now)
        baseline = Baseline(report.generated_at, marks_of(plan, report.open_keys), roadmap.checksum)
    assert report is not None
    return report
