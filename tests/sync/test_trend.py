"""Snapshots and what the trend says: events between runs, the one-line answers, sparklines."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from roadsync.connectors.model import Item
from roadsync.mappings.coverage import coverage
from roadsync.mappings.roadmap import Roadmap
from roadsync.sync.history import downsample
from roadsync.sync.pipeline import make_plan
from roadsync.sync.render._format import sparkline, theme_sparklines
from roadsync.sync.snapshot import Baseline, Snapshot, ThemePoint, marks_of, take_snapshot
from roadsync.sync.state import iso_utc
from roadsync.sync.trend import ThemeTrend, roadmap_changes, trend_of
from tests.sync.test_render_golden import FIELDS, ROADMAP
from tests.sync.weeks import weekly_report

MONDAY = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)


def _jira(n: int, **kw: Any) -> Item:
    return Item(source="jira", key=f"PAY-{n}", scope="PAY", url=f"https://acme.atlassian.net/browse/PAY-{n}",
                kind="issue", title=f"Issue {n}", status=kw.pop("status", "To Do"),
                priority=kw.pop("priority", "Medium"), updated="2024-03-01T08:00:00Z", **kw)  # fmt: skip


def _snapshot(items: list[Item], roadmap: Roadmap, written: dict[tuple[str, str], str | None], at: datetime,
              baseline: Baseline | None = None, applied: int = 0) -> tuple[Snapshot, Baseline]:  # fmt: skip
    plan = make_plan(items, roadmap, FIELDS, written)
    open_keys = frozenset(item.key for item in items if item.is_open)
    rows = coverage(items, {a.item: a for a in plan.assignments}, roadmap)
    point = take_snapshot(plan, rows, open_keys, at=iso_utc(at), run="r", roadmap_checksum=roadmap.checksum,
                          changes_applied=applied, baseline=baseline)  # fmt: skip
    return point, Baseline(point.at, marks_of(plan, open_keys), roadmap.checksum)


def test_events_between_two_runs_say_who_aligned_what() -> None:
    """A person's theme tag, a label a rule matches, a closed item, a new unaligned one, a priority
    changed by hand and a target edit show as exactly those events since the previous run."""
    before = [_jira(1), _jira(2), _jira(3), _jira(4, labels=("checkout",), priority="Highest")]
    first, baseline = _snapshot(before, ROADMAP, {}, MONDAY)
    assert first.since is None and first.events["aligned_by_people"] == 0
    assert first.alignment["unaligned"] == 3
    after = [
        _jira(1, labels=("theme/mobile",)),  # a person tags it with a theme by hand: a pin
        _jira(2, labels=("checkout",)),  # a person adds a label that checkout's rule matches
        _jira(3, status="Done", status_category="done"),  # closed: not aligned, just gone
        _jira(4, labels=("checkout",), priority="Low"),  # roadsync wrote Highest; a person set Low
        _jira(5),  # new, and unaligned
    ]
    edited = replace(ROADMAP, themes=(replace(ROADMAP.themes[0], target_share=0.6), *ROADMAP.themes[1:]))
    second, _ = _snapshot(after, edited, {("PAY-4", "priority"): "Highest"}, MONDAY + timedelta(days=7),
                          baseline, applied=2)  # fmt: skip
    assert dict(second.events) == {
        "changes_applied": 2, "roadmap_edits": 1, "aligned_by_people": 1, "aligned_by_roadsync": 1,
        "newly_unaligned": 1, "new_manual_overrides": 1,
    }  # fmt: skip
    assert second.since == first.at
    assert second.themes["checkout"].target_share == 0.6 and second.themes["mobile"].open_items == 1


def test_an_override_that_stays_is_counted_once() -> None:
    """The same manual override found again next week, even with another value, is not new."""
    written = {("PAY-4", "priority"): "Highest"}
    first, baseline = _snapshot([_jira(4, labels=("checkout",), priority="Low")], ROADMAP, written, MONDAY)
    again, _ = _snapshot([_jira(4, labels=("checkout",), priority="Lowest")], ROADMAP, written,
                         MONDAY + timedelta(days=7), baseline)  # fmt: skip
    assert first.drift_by_kind["manual_override"] == again.drift_by_kind["manual_override"] == 1
    assert again.events["new_manual_overrides"] == 0


def test_the_roadmap_checksum_follows_meaning_not_layout() -> None:
    """The same roadmap built twice has one checksum; moving a target changes it."""
    rebuilt = Roadmap(themes=tuple(ROADMAP.themes), levels=ROADMAP.levels)
    assert rebuilt.checksum == ROADMAP.checksum
    moved = replace(ROADMAP, themes=(replace(ROADMAP.themes[0], target_share=0.41), *ROADMAP.themes[1:]))
    assert moved.checksum != ROADMAP.checksum


def test_twelve_weeks_answer_the_questions() -> None:
    """Twelve weekly runs: the history holds one point per week, marks both roadmap edits, and the
    answers name the theme that drifted furthest, the items aligned and the overrides per week."""
    report = weekly_report()
    trend = report.trend
    assert trend is not None and trend.points == 12 and len(report.history) == 12
    assert trend.roadmap_edits == (report.history[4].at, report.history[8].at)
    assert trend.furthest is not None and trend.furthest.theme == "onboarding"
    assert (trend.aligned_by_people, trend.aligned_by_roadsync) == (3, 15)
    assert [week.count for week in trend.overrides_per_week] == [0] * 5 + [1] + [0] * 5
    lines = trend.answers(report.theme_label)
    assert lines[0].startswith("Furthest from target in the last 4 weeks: onboarding (Self-serve onboarding)")
    assert lines[1] == ("From unaligned to aligned: 18 items (3 tagged with a theme by people, "
                        "15 mapped by roadsync's rules).")  # fmt: skip
    assert lines[2].startswith("Manual overrides made per week: 2024-W10 0, 2024-W11 0, 2024-W12 1, ")


def test_change_since_last_week_needs_a_point_about_a_week_old() -> None:
    """A point 6 days and 23 hours back counts as last week; one only 2 days back does not."""
    report = weekly_report(3)
    history = list(report.history)
    near = replace(history[-2], at=iso_utc(MONDAY - timedelta(days=6, hours=23)))
    late = replace(history[-1], at=iso_utc(MONDAY))
    assert trend_of([near, late], ["checkout"]).themes[0].change_since_last_week is not None
    recent = replace(history[-2], at=iso_utc(MONDAY - timedelta(days=2)))
    assert trend_of([recent, late], ["checkout"]).themes[0].change_since_last_week is None


def test_a_first_run_says_the_trend_starts_here() -> None:
    """With only the run itself in the history there is one answer: the trend starts now."""
    report = weekly_report(1)
    assert report.trend is not None
    assert report.trend.answers(report.theme_label) == [
        "The trend starts with this run: every plan, sync and report run adds a point."
    ]


def test_roadmap_changes_say_what_the_pm_did() -> None:
    """Between two points: themes added and removed, targets moved; else that rules changed."""
    report = weekly_report(9)
    history = report.history
    assert roadmap_changes(history[3], history[4]) == ["target of checkout 40% → 50%"]
    assert roadmap_changes(history[7], history[8]) == ["added payments-api"]
    renamed = replace(history[8], roadmap_checksum="x" * 64)
    assert roadmap_changes(history[8], renamed) == ["rules or theme fields changed"]


def test_sparklines_scale_from_zero_on_one_scale() -> None:
    """Blocks run from ▁ (0) to █ (the ceiling); a missing point is a dot; rows share one scale."""
    assert sparkline([0.0, 0.25, 0.5, 1.0, None], 1.0) == "▁▃▅█·"
    rows = [ThemeTrend("a", (0.1, 0.2, 0.4), 0.4, 0.4, 0.2), ThemeTrend("b", (0.05, 0.05), 0.05, None, 0.0)]
    assert theme_sparklines(rows) == {"a": "▃▅█", "b": "▂▂"}
    assert sparkline([0.0, 0.0], 0.0) == "▁▁"


def test_history_json_is_the_contract() -> None:
    """Each history entry has at, aligned_share, roadmap_checksum, drift_by_kind and themes (id ->
    share, target_share, open_items); the newest is the run, its share equal to the summary's."""
    document = weekly_report(3).to_json()
    for entry in document["history"]:
        assert {"at", "aligned_share", "roadmap_checksum", "drift_by_kind", "themes"} <= set(entry)
        for point in entry["themes"].values():
            assert {"share", "target_share", "open_items"} <= set(point)
    assert [entry["at"] for entry in document["history"]] == sorted(e["at"] for e in document["history"])
    assert document["history"][-1]["aligned_share"] == document["summary"]["aligned_share"]
    assert document["history"][-1]["at"] == document["generated_at"]
    assert Snapshot.from_json(document["history"][0]).to_json() == document["history"][0]
    assert ThemePoint.from_json(document["history"][0]["themes"]["checkout"]).share == (
        document["history"][0]["themes"]["checkout"]["share"]
    )


def test_a_window_starting_at_a_folded_day_counts_the_events_inside_that_day() -> None:
    """A point folded from three runs of one day holds the sum of their events; a window that
    begins at it saw the second and third runs' events (they happened inside its span), not the
    first's (between the run before and the day's first run). Old code dropped all three."""
    from tests.sync.test_history import NOW, snapshot

    def run(at: datetime, people: int) -> Snapshot:
        point = snapshot(at)
        return replace(point, events={**point.events, "aligned_by_people": people})

    day = [run(NOW - timedelta(days=20, hours=h), people) for h, people in ((3, 1), (2, 2), (1, 4))]
    later = run(NOW - timedelta(days=1), 8)
    [folded] = downsample(day, NOW)
    assert folded.event("aligned_by_people") == 7 and folded.opening_event("aligned_by_people") == 1
    assert trend_of([folded, later], ["checkout"]).aligned_by_people == 2 + 4 + 8
    # run by run, and through the history file's JSON, the split is the same
    kept: list[Snapshot] = []
    for point in day:
        kept = downsample([*kept, point], NOW)
    assert kept == [folded]
    again = Snapshot.from_json(folded.to_json())
    assert trend_of([again, later], ["checkout"]).aligned_by_people == 14
    # a folded point written before the split was recorded counts all its events as before the window
    old = {k: v for k, v in folded.to_json().items() if k != "opening_events"}
    assert trend_of([Snapshot.from_json(old), later], ["checkout"]).aligned_by_people == 8
    # a single run's events all happened before it: a window starting there does not count them
    assert trend_of([day[0], later], ["checkout"]).aligned_by_people == 8
