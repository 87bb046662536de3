"""The history of snapshots: downsampling, merging the state with a --history file, windows, size."""

from __future__ import annotations

import functools
import random
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from roadsync.errors import UsageError
from roadsync.sync.db import connect
from roadsync.sync.history import cutoff, downsample, merge, parse_since, since
from roadsync.sync.history_store import HistoryStore, append_history_file, read_history_file
from roadsync.sync.model import DRIFT_KINDS
from roadsync.sync.snapshot import EVENTS, Snapshot, ThemePoint
from roadsync.sync.state import iso_utc

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
THEMES = [
    "checkout", "onboarding", "mobile-parity", "search-relevance", "payments-api", "self-serve-billing",
    "enterprise-sso", "data-export", "accessibility", "performance", "reliability", "growth-experiments",
]  # fmt: skip


@functools.lru_cache(maxsize=64)
def theme_points(at: str, themes: int) -> dict[str, ThemePoint]:
    """``themes`` themes whose figures move from run to run (the same for the same ``at``)."""
    wobble = random.Random(f"{at}/{themes}")
    return {
        f"{THEMES[n % len(THEMES)]}-{n}": ThemePoint(round(wobble.random() / themes, 4),
                                                     round(1 / themes, 4), wobble.randrange(300),
                                                     float(wobble.randrange(2000)))
        for n in range(themes)
    }  # fmt: skip


def snapshot(at: datetime, run: str = "", *, applied: int = 1, share: float = 0.5, moving: bool = True,
             ) -> Snapshot:  # fmt: skip
    """A realistic point: 12 themes whose figures move from run to run (fixed unless ``moving``),
    every drift kind, one change applied."""
    points = theme_points(iso_utc(at) if moving else "fixed", 12)
    return Snapshot(
        at=iso_utc(at), run=run or f"r{int(at.timestamp()):x}", roadmap_checksum="c" * 64,
        aligned_share=share, open_items=480, aligned_items=int(480 * share), basis="estimate", themes=points,
        unaligned=ThemePoint(0.2, None, 96, 300.0),
        alignment={"aligned": 300, "inherited": 60, "paused": 12, "retired": 12, "unaligned": 96},
        drift_by_kind={kind: 17 for kind in DRIFT_KINDS}, changes_planned=3,
        events={name: (applied if name == "changes_applied" else 0) for name in EVENTS},
        since=iso_utc(at - timedelta(hours=1)),
    )  # fmt: skip


def hourly(days: int, end: datetime = NOW) -> list[Snapshot]:
    """A run every hour for ``days`` days up to ``end``, oldest first (fixed theme figures: fast)."""
    return [snapshot(end - timedelta(hours=h), moving=False) for h in range(days * 24 - 1, -1, -1)]


def test_downsampling_keeps_hours_then_days_then_weeks() -> None:
    """Two years of hourly runs become the last week's runs, one point per day, then one per week."""
    points = downsample(hourly(730), NOW)
    recent = [p for p in points if p.runs == 1]
    assert len(recent) == 7 * 24
    days = {p.at[:10] for p in points if 1 < p.runs <= 24}
    assert 80 <= len(days) <= 85
    weekly = [p for p in points if p.runs > 24]
    assert 85 <= len(weekly) <= 92 and all(p.runs <= 7 * 24 for p in weekly)
    assert [p.at for p in points] == sorted(p.at for p in points)


def test_frequent_runs_keep_one_point_per_hour() -> None:
    """A run every five minutes for two days keeps one point per hour, the newest run last as it was."""
    runs = [snapshot(NOW - timedelta(minutes=5 * n)) for n in range(2 * 24 * 12, 0, -1)]
    points = downsample(runs, NOW)
    assert len(points) == 48 and {p.runs for p in points} == {12}
    assert points[-1].at == runs[-1].at and points[-1].themes == runs[-1].themes


def test_downsampling_sums_events_and_keeps_the_newest_levels() -> None:
    """A folded point holds the sum of its runs' events and the newest run's figures and span."""
    runs = [replace(snapshot(NOW - timedelta(days=20, hours=h)), aligned_share=0.1 * h) for h in (3, 2, 1)]
    [folded] = downsample(runs, NOW)
    assert folded.event("changes_applied") == 3
    assert folded.runs == 3
    assert folded.at == runs[-1].at and folded.aligned_share == runs[-1].aligned_share
    assert folded.first_at == runs[0].at and folded.since == runs[0].since


def test_downsampling_run_by_run_equals_downsampling_once() -> None:
    """Folding the history at every hourly run gives exactly what folding it once at the end gives."""
    runs = hourly(10)
    kept: list[Snapshot] = []
    for point in runs:
        kept = downsample([*kept, point], datetime.fromisoformat(point.at.replace("Z", "+00:00")))
    assert kept == downsample(runs, NOW)
    assert sum(p.event("changes_applied") for p in kept) == len(runs)


def test_merge_counts_a_run_once_whether_the_state_folded_it_or_not() -> None:
    """The state's folded day and the file's raw runs of that day merge without counting a run twice."""
    file_points = hourly(30)
    state_points = downsample(file_points, NOW)
    merged = merge(state_points, file_points)
    assert merged == state_points
    assert sum(p.event("changes_applied") for p in merged) == len(file_points)


def test_merge_keeps_the_file_runs_a_rebuilt_state_never_saw() -> None:
    """A fresh state with two new runs and a file with a month of older runs merge into one history."""
    older = hourly(30, end=NOW - timedelta(days=2))
    newer = [snapshot(NOW - timedelta(hours=1)), snapshot(NOW)]
    merged = downsample(merge(newer, [*older, *newer]), NOW)
    assert sum(p.event("changes_applied") for p in merged) == len(older) + 2
    assert merged[-1] == newer[-1] and merged[0].at[:10] == older[0].at[:10]


def test_merge_prefers_the_first_source_for_the_same_run() -> None:
    """Two copies of one run (same at and run id): the state's copy wins."""
    mine = snapshot(NOW, "abc")
    theirs = replace(mine, aligned_share=0.9)
    assert merge([mine], [theirs]) == [mine]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12w", timedelta(weeks=12)),
        ("48h", timedelta(hours=48)),
        ("2025-11-01", datetime(2025, 11, 1, tzinfo=timezone.utc)),
        ("2025-11-01T08:30:00Z", datetime(2025, 11, 1, 8, 30, tzinfo=timezone.utc)),
    ],
)
def test_since_accepts_spans_and_dates(text: str, expected: object) -> None:
    """--since takes a span back from the run (d, w, h) or a UTC date or time."""
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["30", "thirty days", "2025-13-01", "-3d", "1y"])
def test_since_refuses_what_it_cannot_read(text: str) -> None:
    """Anything else is refused with the forms it accepts."""
    with pytest.raises(ValueError, match="30d, 12w or 48h"):
        parse_since(text)


def test_a_window_keeps_the_points_from_its_start() -> None:
    """since(30d) keeps the points of the last 30 days, the run's own included."""
    points = downsample(hourly(120), NOW)
    window = since(points, cutoff(timedelta(days=30), NOW))
    assert window[0].at >= iso_utc(NOW - timedelta(days=30)) and window[-1] == points[-1]
    assert len(window) < len(points)


def test_history_file_round_trips_and_tolerates_an_open_last_line(tmp_path: Path) -> None:
    """Appended snapshots read back equal, even after a hand edit left the last line without a newline."""
    path = tmp_path / "hist" / "roadsync-history.jsonl"
    assert read_history_file(path) == []
    first, second = snapshot(NOW - timedelta(days=1)), snapshot(NOW)
    append_history_file(path, first)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    append_history_file(path, second)
    assert read_history_file(path) == [first, second]
    assert path.read_text(encoding="utf-8").count("\n") == 2


def test_a_damaged_history_line_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    """A merge-conflict marker in the file is one clear error naming the file and the line."""
    path = tmp_path / "history.jsonl"
    append_history_file(path, snapshot(NOW))
    path.write_text(path.read_text(encoding="utf-8") + "<<<<<<< HEAD\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"history.jsonl line 2 is not a roadsync snapshot") as caught:
        read_history_file(path)
    assert caught.value.exit_code == 64


def test_a_history_line_with_a_local_time_is_refused(tmp_path: Path) -> None:
    """Times must be UTC ISO 8601 with Z, so points sort and dedupe as text."""
    path = tmp_path / "history.jsonl"
    append_history_file(path, snapshot(NOW))
    path.write_text(path.read_text(encoding="utf-8").replace("Z\"", "+01:00\"", 1), encoding="utf-8")
    with pytest.raises(UsageError, match="line 1"):
        read_history_file(path)


@pytest.mark.parametrize("themes", [12, 200])
def test_two_years_of_hourly_runs_stay_small_in_the_state_file(tmp_path: Path, themes: int) -> None:
    """Two years of hourly runs, saved run after run for the last two days, leave a state file
    under 5 MB for a 12-theme roadmap and for a 200-theme one (sizes printed for the record)."""
    conn = connect(tmp_path / "state.sqlite")
    store = HistoryStore(conn)
    runs = hourly(730)
    kept = downsample(runs[:-48], datetime.fromisoformat(runs[-49].at.replace("Z", "+00:00")))
    # A kept point carries its newest run's figures, so giving the survivors their runs' theme
    # figures now is the same as building all 17,520 runs with them (and much faster).
    runs = [replace(point, themes=theme_points(point.at, themes)) for point in runs[-48:]]
    kept = [replace(point, themes=theme_points(point.at, themes)) for point in kept]
    for point in runs:  # the last two days saved run by run, as cron would
        now = datetime.fromisoformat(point.at.replace("Z", "+00:00"))
        kept = downsample([*kept, point], now)
        store.save(kept, frozenset(f"u:PAY-{n}" for n in range(2000)), point.at)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = (tmp_path / "state.sqlite").stat().st_size
    print(f"\nstate file after 2 years of hourly runs, {themes} themes: {size} bytes, {len(kept)} points")
    assert size < 5_000_000
    reopened = HistoryStore(sqlite3.connect(tmp_path / "state.sqlite"))
    assert reopened.snapshots() == kept
    assert sum(p.runs for p in kept) == 730 * 24
