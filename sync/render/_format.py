"""Small formatting rules every renderer shares, so the four views of a report agree."""

from __future__ import annotations

from urllib.parse import urlsplit

from roadsync.mappings.coverage import ThemeCoverage

__all__ = ["TOP_PER_KIND", "percent", "points", "safe_url", "share_vs_target", "value"]

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
