"""Small formatting rules every renderer shares, so the four views of a report agree."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from roadsync.mappings.coverage import ThemeCoverage
from roadsync.sync.report import Report
from roadsync.sync.trend import ThemeTrend

__all__ = [
    "SPARK_BLOCKS",
    "SPARK_GAP",
    "TOP_PER_KIND",
    "percent",
    "points",
    "safe_url",
    "share_vs_target",
    "sparkline",
    "theme_sparklines",
    "trend_headline",
    "value",
]

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_GAP = "·"

# The terminal shows this many findings of each kind; the rest is in the JSON/HTML report.
TOP_PER_KIND = 5


def percent(share: float | None) -> str:
    """``0.3333`` -> ``33%``; ``None`` -> an em dash."""
    return "—" if share is None else f"{share * 100:.0f}%"


def points(delta: float | None) -> str:
    """A share difference in percentage points, signed: ``-0.0667`` -> ``-7 pp``."""
    if delta is None:
        return "—"
    rounded = round(delta * 100)
    return "±0 pp" if rounded == 0 else f"{rounded:+d} pp"


def share_vs_target(row: ThemeCoverage) -> str:
    """``33% / 40%`` (share against target), or the share alone without a target."""
    if row.target_share is None:
        return percent(row.share)
    return f"{percent(row.share)} / {percent(row.target_share)}"


def value(text: str | None) -> str:
    """A tracker-native field value for people: ``None`` reads as ``(empty)``."""
    return "(empty)" if text is None or text == "" else text


def safe_url(url: str) -> str | None:
    """The URL when it is an absolute http(s) link, else ``None`` (never link ``javascript:``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def sparkline(values: Sequence[float | None], ceiling: float) -> str:
    """One block character per value, ``▁`` for 0 up to ``█`` for ``ceiling``; ``·`` where a
    value is missing (the theme did not exist yet). Scaled from zero, never from the lowest
    value, so a flat share looks flat."""
    if ceiling <= 0:
        return "".join(SPARK_GAP if v is None else SPARK_BLOCKS[0] for v in values)
    top = len(SPARK_BLOCKS) - 1
    return "".join(
        SPARK_GAP if v is None else SPARK_BLOCKS[max(0, min(top, round(v / ceiling * top)))] for v in values
    )


def theme_sparklines(themes: Sequence[ThemeTrend]) -> dict[str, str]:
    """Each theme's recent shares on one scale for all (the highest share or target of any),
    so the rows of a table compare: a small theme's line sits low even when it moves."""
    shares = [v for theme in themes for v in theme.recent if v is not None]
    ceiling = max(shares + [theme.target_share or 0.0 for theme in themes] + [0.0])
    return {theme.id: sparkline(theme.recent, ceiling) for theme in themes}


def trend_headline(report: Report) -> str:
    """``12 snapshots from 2024-02-05 to 2024-04-22; roadmap edited 2024-03-04, 2024-04-01.``"""
    history, trend = report.history, report.trend
    if not history or trend is None:
        return "No history yet."
    first, last = history[0].at[:10], history[-1].at[:10]
    span = f"from {first} to {last}" if first != last else f"on {last}"
    dates = ", ".join(at[:10] for at in trend.roadmap_edits)
    edits = f"; roadmap edited {dates}" if dates else ""
    count = f"{len(history)} snapshot{'s' if len(history) != 1 else ''}"
    return f"{count} {span}{edits}."
