"""The history of snapshots: downsampling, merging two sources, and a time window. Pure.

**Downsampling** keeps the history small forever, however often roadsync runs
(:func:`downsample`, ages measured from the ``now`` passed in):

- the last :data:`HOURLY_DAYS` days: one point per UTC hour (an hourly cron keeps every run);
- older than that, one point per UTC day, up to :data:`DAILY_DAYS` days;
- older still, one point per ISO week (Monday to Sunday, UTC).

So two years hold at most 168 + 84 + 92 points, whether the cron runs hourly or every minute.

A point that stands for several runs keeps the newest run's levels (``at``, ``run``, shares,
counts, drift) and the sums of their events; ``first_at`` is its earliest run and ``runs`` how
many it stands for (:mod:`roadsync.sync.snapshot`). Downsampling a downsampled history again
gives the same history (the buckets are calendar days and weeks, not offsets from ``now``).

**Merging** (:func:`merge`) the state file's history with a ``--history`` file: a snapshot is
identified by ``at`` and ``run``; when both sources hold it, the first source's copy wins (the
state's: it may already stand for several runs). A point that falls inside the span
(``first_at``..``at``) of a downsampled point is already counted by it and is dropped, so no
event is counted twice. The result is oldest first.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from roadsync.sync.snapshot import EVENTS, Snapshot

__all__ = [
    "DAILY_DAYS",
    "HOURLY_DAYS",
    "cutoff",
    "downsample",
    "iso_week",
    "merge",
    "parse_since",
    "parse_time",
    "since",
    "weekly_bucket",
]

HOURLY_DAYS = 7
"""The last week keeps one point per hour."""
DAILY_DAYS = 91
"""Then one point per day for thirteen weeks; older points are one per ISO week."""


def parse_time(at: str) -> datetime:
    """``2024-05-01T09:00:00Z`` as an aware UTC datetime."""
    return datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def iso_week(day: date) -> str:
    """The ISO week of a day, ``2024-W18`` (weeks start on Monday)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_bucket(at: str) -> str:
    """The ISO week of a UTC time (``2024-05-01T09:00:00Z`` -> ``2024-W18``)."""
    return iso_week(parse_time(at).date())


def _bucket(snapshot: Snapshot, now: datetime) -> tuple[str, str]:
    age = now - parse_time(snapshot.at)
    if age < timedelta(days=HOURLY_DAYS):
        return ("hour", snapshot.at[:13])
    if age < timedelta(days=DAILY_DAYS):
        return ("day", snapshot.at[:10])
    return ("week", weekly_bucket(snapshot.at))


def _fold(points: Sequence[Snapshot]) -> Snapshot:
    """Several points as one: the newest's levels, the sums of events, the whole span."""
    if len(points) == 1:
        return points[0]
    newest = points[-1]
    events = {name: sum(p.event(name) for p in points) for name in EVENTS}
    return replace(
        newest,
        events=events,
        since=points[0].since,
        first_at=min(p.span_start for p in points),
        runs=sum(p.runs for p in points),
        opening={name: points[0].opening_event(name) for name in EVENTS},
    )


def downsample(history: Sequence[Snapshot], now: datetime) -> list[Snapshot]:
    """``history`` (oldest first) with old points folded per day and per week; oldest first."""
    buckets: dict[tuple[str, str], list[Snapshot]] = {}
    for snapshot in sorted(history, key=_order):
        buckets.setdefault(_bucket(snapshot, now), []).append(snapshot)
    return sorted((_fold(points) for points in buckets.values()), key=_order)


def _order(snapshot: Snapshot) -> tuple[str, str]:
    return (snapshot.at, snapshot.run)


def merge(*sources: Iterable[Snapshot]) -> list[Snapshot]:
    """The union of the sources, oldest first; see the module docstring for which copy wins."""
    chosen: dict[tuple[str, str], Snapshot] = {}
    for source in sources:
        for snapshot in source:
            chosen.setdefault(_order(snapshot), snapshot)
    folded = sorted((s for s in chosen.values() if s.runs > 1), key=_order)
    starts = [s.span_start for s in folded]
    return [
        snapshot
        for snapshot in sorted(chosen.values(), key=_order)
        if snapshot.runs > 1 or not _inside(snapshot.at, folded, starts)
    ]


def _inside(at: str, folded: Sequence[Snapshot], starts: Sequence[str]) -> bool:
    """Whether ``at`` falls in the span of a folded point (the folded points of one history
    never overlap, so only the one that starts last at or before ``at`` can hold it)."""
    index = bisect.bisect_right(starts, at) - 1
    return index >= 0 and folded[index].span_start <= at <= folded[index].at


def since(history: Sequence[Snapshot], cutoff: datetime | None) -> list[Snapshot]:
    """The points at or after ``cutoff`` (all of them without one), oldest first."""
    if cutoff is None:
        return list(history)
    return [snapshot for snapshot in history if parse_time(snapshot.at) >= cutoff]


_AGO = re.compile(r"^(\d{1,5})([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> datetime | timedelta:
    """``report --since``: ``30d``, ``12w``, ``48h`` (a span back from the run's time) or a date
    ``2024-05-01`` / UTC time ``2024-05-01T09:00:00Z`` (from then on). Raises ``ValueError``."""
    value = text.strip()
    ago = _AGO.match(value)
    if ago:
        return timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ValueError(f"'{text}' is neither a span like 30d, 12w or 48h nor a date like 2024-05-01")


def cutoff(window: datetime | timedelta | None, now: datetime) -> datetime | None:
    """The moment a ``--since`` window starts, for a run at ``now``."""
    return now - window if isinstance(window, timedelta) else window
