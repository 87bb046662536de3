"""What the history says: per-theme trends and the questions a PM asks, one line each. Pure.

Computed from a report's history (oldest first, the run itself last):

- per theme, its share of open work at the last :data:`RECENT_DAYS` days that had a run (the
  sparkline), and the change since the previous week (the point nearest to a week before the
  newest, at most half a week off; none without one);
- which theme moved furthest away from its target over the last :data:`DRIFT_WEEKS` weeks (the
  increase of ``|share - target|`` between the oldest point of that span and the newest);
- how many items went from unaligned to aligned, by people (a theme tag set by hand) or by
  roadsync's rules, and how many fell back;
- manual overrides that appeared, per ISO week.

Events of a point happened between the point before it and itself, so the window's events are
those of its points after the first, plus those the first point's span holds after its own oldest
run (a point folded from several runs; :meth:`Snapshot.within_span`): the oldest run's events
happened before the window began.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from roadsync.sync.history import iso_week, parse_time, weekly_bucket
from roadsync.sync.snapshot import Snapshot

__all__ = [
    "DRIFT_WEEKS",
    "RECENT_DAYS",
    "FurthestDrift",
    "ThemeTrend",
    "Trend",
    "WeekCount",
    "daily",
    "roadmap_changes",
    "trend_of",
]

RECENT_DAYS = 8
"""A sparkline shows the share at the last run of each of the last 8 days that had one."""
DRIFT_WEEKS = 4
""""Which theme drifted furthest from target" looks back this many weeks."""
_WEEK = timedelta(days=7)
_HALF_WEEK = timedelta(days=3.5)
_NOTICEABLE = 0.005  # half a percentage point: less is rounding, not drift


@dataclass(frozen=True)
class ThemeTrend:
    """One theme's recent shares (``None`` where the theme did not exist yet) and weekly change."""

    id: str
    recent: tuple[float | None, ...]
    share: float
    target_share: float | None
    change_since_last_week: float | None

    def to_json(self) -> dict[str, Any]:
        return {"recent": list(self.recent), "share": self.share, "target_share": self.target_share,
                "change_since_last_week": self.change_since_last_week}  # fmt: skip


@dataclass(frozen=True)
class FurthestDrift:
    """The theme whose distance from its target grew most between ``since`` and the newest point."""

    theme: str
    since: str
    days: int
    share_then: float
    target_then: float
    share_now: float
    target_now: float

    @property
    def further(self) -> float:
        """How much further off target it is now, as a share (0.19 = 19 percentage points)."""
        return round(abs(self.share_now - self.target_now) - abs(self.share_then - self.target_then), 4)

    def to_json(self) -> dict[str, Any]:
        return {"theme": self.theme, "since": self.since, "days": self.days, "share_then": self.share_then,
                "target_then": self.target_then, "share_now": self.share_now, "target_now": self.target_now,
                "further": self.further}  # fmt: skip


@dataclass(frozen=True)
class WeekCount:
    week: str
    count: int


@dataclass(frozen=True)
class Trend:
    """The trend of a report's history; see the module docstring."""

    points: int
    roadmap_edits: tuple[str, ...]
    themes: tuple[ThemeTrend, ...]
    furthest: FurthestDrift | None
    aligned_by_people: int
    aligned_by_roadsync: int
    newly_unaligned: int
    overrides_per_week: tuple[WeekCount, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "roadmap_edits": list(self.roadmap_edits),
            "furthest_from_target": self.furthest.to_json() if self.furthest else None,
            "newly_aligned": {"by_people": self.aligned_by_people, "by_roadsync": self.aligned_by_roadsync},
            "newly_unaligned": self.newly_unaligned,
            "manual_overrides_per_week": [
                {"week": week.week, "count": week.count} for week in self.overrides_per_week
            ],
            "themes": {theme.id: theme.to_json() for theme in self.themes},
        }

    def answers(self, label: Callable[[str], str]) -> list[str]:
        """The one-line answers in plain English; ``label(theme_id)`` names a theme."""
        if self.points < 2:
            return ["The trend starts with this run: every plan, sync and report run adds a point."]
        return [self._furthest_line(label), self._aligned_line(), self._overrides_line()]

    def _furthest_line(self, label: Callable[[str], str]) -> str:
        found = self.furthest
        if found is None:
            return f"No theme moved further from its target in the last {DRIFT_WEEKS} weeks."
        span = f"{round(found.days / 7)} weeks" if found.days >= 7 else f"{max(found.days, 1)} days"
        target = _pct(found.target_now) if found.target_now == found.target_then else (
            f"{_pct(found.target_then)} → {_pct(found.target_now)}")  # fmt: skip
        return (f"Furthest from target in the last {span}: {label(found.theme)}, "
                f"{_pct(found.share_then)} → {_pct(found.share_now)} of open work against a {target} target "
                f"({round(found.further * 100):+d} pp further off).")  # fmt: skip

    def _aligned_line(self) -> str:
        total = self.aligned_by_people + self.aligned_by_roadsync
        back = f"; {self.newly_unaligned} fell back to unaligned" if self.newly_unaligned else ""
        return (f"From unaligned to aligned: {total} {'item' if total == 1 else 'items'} "
                f"({self.aligned_by_people} tagged with a theme by people, "
                f"{self.aligned_by_roadsync} mapped by roadsync's rules){back}.")  # fmt: skip

    def _overrides_line(self) -> str:
        weeks = self.overrides_per_week[-8:]
        if not any(week.count for week in weeks):
            span = "this week" if len(weeks) == 1 else f"in the last {len(weeks)} weeks"
            return f"Manual overrides made per week: none {span}."
        counts = ", ".join(f"{w.week} {w.count}" for w in weeks)
        return f"Manual overrides made per week: {counts}."


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def roadmap_changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What a roadmap edit between two points did, as far as snapshots can tell: themes added and
    removed, targets changed; else that rules or other fields changed (the checksum moved)."""
    added = [theme for theme in after.themes if theme not in before.themes]
    removed = [theme for theme in before.themes if theme not in after.themes]
    changes = [f"added {theme}" for theme in added] + [f"removed {theme}" for theme in removed]
    for theme, point in after.themes.items():
        old = before.themes.get(theme)
        if old is not None and old.target_share != point.target_share:
            changes.append(f"target of {theme} {_target(old.target_share)} → {_target(point.target_share)}")
    if not changes and before.roadmap_checksum != after.roadmap_checksum:
        changes.append("rules or theme fields changed")
    return changes


def _target(share: float | None) -> str:
    return "none" if share is None else _pct(share)


def trend_of(history: Sequence[Snapshot], theme_ids: Sequence[str]) -> Trend:
    """The trend of ``history`` (oldest first, non-empty) for the themes ``theme_ids`` (report order)."""
    head = history[0]
    later = [head.within_span(), *history[1:]] if head.runs > 1 else history[1:]
    return Trend(
        points=len(history),
        roadmap_edits=tuple(point.at for point in later if point.event("roadmap_edits")),
        themes=tuple(_theme_trend(history, theme) for theme in theme_ids),
        furthest=_furthest(history),
        aligned_by_people=sum(point.event("aligned_by_people") for point in later),
        aligned_by_roadsync=sum(point.event("aligned_by_roadsync") for point in later),
        newly_unaligned=sum(point.event("newly_unaligned") for point in later),
        overrides_per_week=_per_week(later, "new_manual_overrides"),
    )


def daily(history: Sequence[Snapshot]) -> list[Snapshot]:
    """The last point of each UTC day, oldest first."""
    last: dict[str, Snapshot] = {}
    for point in history:
        last[point.at[:10]] = point
    return list(last.values())


def _theme_trend(history: Sequence[Snapshot], theme: str) -> ThemeTrend:
    newest = history[-1].themes.get(theme)
    days = daily(history)[-RECENT_DAYS:]
    recent = tuple(point.themes[theme].share if theme in point.themes else None for point in days)
    before = _week_before(history)
    then = before.themes.get(theme) if before is not None else None
    change = round(newest.share - then.share, 4) if newest is not None and then is not None else None
    return ThemeTrend(theme, recent, newest.share if newest else 0.0, newest.target_share if newest else None,
                      change)  # fmt: skip


def _week_before(history: Sequence[Snapshot]) -> Snapshot | None:
    """The point nearest to a week before the newest, if one is within half a week of it."""
    wanted = parse_time(history[-1].at) - _WEEK
    nearest = min(history[:-1], key=lambda p: abs(parse_time(p.at) - wanted), default=None)
    if nearest is None or abs(parse_time(nearest.at) - wanted) > _HALF_WEEK:
        return None
    return nearest


def _furthest(history: Sequence[Snapshot]) -> FurthestDrift | None:
    newest = history[-1]
    start = parse_time(newest.at) - DRIFT_WEEKS * _WEEK
    oldest = next((p for p in history[:-1] if parse_time(p.at) >= start), None)
    if oldest is None:
        return None
    days = (parse_time(newest.at) - parse_time(oldest.at)).days
    found = []
    for theme, now in newest.themes.items():
        then = oldest.themes.get(theme)
        if then is None or then.target_share is None or now.target_share is None:
            continue
        found.append(FurthestDrift(theme, oldest.at, days, then.share, then.target_share, now.share,
                                   now.target_share))  # fmt: skip
    best = max(found, key=lambda drift: drift.further, default=None)
    return best if best is not None and best.further >= _NOTICEABLE else None


def _per_week(points: Sequence[Snapshot], event: str) -> tuple[WeekCount, ...]:
    """Sums of ``event`` per ISO week, every week from the first point's to the last's (zeros kept)."""
    if not points:
        return ()
    first, last = parse_time(points[0].at).date(), parse_time(points[-1].at).date()
    monday = first - timedelta(days=first.weekday())
    sums: dict[str, int] = {}
    while monday <= last:
        sums[iso_week(monday)] = 0
        monday += _WEEK
    for point in points:
        sums[weekly_bucket(point.at)] += point.event(event)
    return tuple(WeekCount(week, count) for week, count in sums.items())
