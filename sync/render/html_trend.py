"""The trend charts of the HTML report: one inline ``<svg id="trend">``, no external assets.

Top: the aligned share of open work over time, one point (``circle.point``) per snapshot of the
report's history, with ``data-at`` and ``data-aligned-share``. Below: one small chart per theme,
its share of open work (line) against its target (dashed step line) over the same time axis
(``g.theme-trend`` with ``data-theme`` and ``data-points``). Roadmap edits are marked across
every chart (``g.roadmap-edit`` with ``data-at``; the tooltip says what changed). The time axis
is proportional to time, so hourly recent points and weekly old ones sit where they happened.

Pure string building, in the allocation chart's style (:mod:`roadsync.sync.render.html_chart`);
theme ids and names come from the config and go through the shared HTML layer
(:func:`roadsync.escaping.html`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import pairwise

from roadsync.escaping import html as escape
from roadsync.sync.history import parse_time
from roadsync.sync.render._format import percent
from roadsync.sync.report import Report
from roadsync.sync.snapshot import Snapshot, ThemePoint
from roadsync.sync.trend import roadmap_changes

__all__ = ["trend_chart"]

WIDTH = 1100
LEFT = 48
RIGHT = 16
ALIGN_TOP = 34
ALIGN_H = 170
AXIS_H = 24
CELL_GAP = 24
COLUMNS = 3
CELL_W = (WIDTH - CELL_GAP * (COLUMNS - 1)) / COLUMNS
CELL_HEAD = 52
CELL_PLOT = 92
CELL_H = CELL_HEAD + CELL_PLOT + 30
THEMES_TITLE = 40
_NAME_CHARS = 34
_DOTS_UP_TO = 60  # a theme line shows a dot per point up to this many points, then only the last

Scale = Callable[[float], float]
Series = Sequence[tuple[str, ThemePoint]]


class _Axis:
    """Time (``at``) to x within ``[x0, x1]``; a single moment sits in the middle."""

    def __init__(self, history: Sequence[Snapshot], x0: float, x1: float) -> None:
        self.first = parse_time(history[0].at)
        self.span = (parse_time(history[-1].at) - self.first).total_seconds()
        self.x0, self.x1 = x0, x1

    def x(self, at: str) -> float:
        if self.span <= 0:
            return round((self.x0 + self.x1) / 2, 1)
        offset = (parse_time(at) - self.first).total_seconds() / self.span
        return round(self.x0 + (self.x1 - self.x0) * offset, 1)


def trend_chart(report: Report) -> str:
    """The charts as one ``<svg id="trend">`` element (empty string without a history)."""
    history = report.history
    if not history:
        return ""
    themes = [row.id for row in report.themes if row.id is not None]
    rows = (len(themes) + COLUMNS - 1) // COLUMNS
    themes_top = ALIGN_TOP + ALIGN_H + AXIS_H + 16
    height = themes_top + (THEMES_TITLE + rows * CELL_H if themes else 0)
    edits = _edits(history)
    parts = [
        f'<svg id="trend" class="chart trend" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{escape(_label(history))}" '
        'xmlns="http://www.w3.org/2000/svg">',
        _alignment(history, edits),
    ]
    if themes:
        parts.append(f'<text class="trend-title" x="0" y="{themes_top + 18}">Share of open work against '
                     "target, per theme</text>")  # fmt: skip
        for index, theme in enumerate(themes):
            left = (index % COLUMNS) * (CELL_W + CELL_GAP)
            top = themes_top + THEMES_TITLE + (index // COLUMNS) * CELL_H
            parts.append(_theme_cell(report, theme, left, top, edits))
    parts.append("</svg>")
    return "\n".join(parts)


def _label(history: Sequence[Snapshot]) -> str:
    first, last = history[0], history[-1]
    return (f"Aligned share of open work from {first.at[:10]} ({percent(first.aligned_share)}) to "
            f"{last.at[:10]} ({percent(last.aligned_share)}), {len(history)} snapshots, and each theme's "
            "share against its target")  # fmt: skip


def _edits(history: Sequence[Snapshot]) -> list[tuple[str, str]]:
    """``(at, what changed)`` for every point that stands for a roadmap edit."""
    found = []
    for before, after in pairwise(history):
        if after.event("roadmap_edits") or before.roadmap_checksum != after.roadmap_checksum:
            found.append((after.at, "; ".join(roadmap_changes(before, after)) or "roadmap edited"))
    return found


def _alignment(history: Sequence[Snapshot], edits: list[tuple[str, str]]) -> str:
    axis = _Axis(history, LEFT, WIDTH - RIGHT)
    bottom = ALIGN_TOP + ALIGN_H

    def y(share: float) -> float:
        return round(bottom - ALIGN_H * share, 1)

    grid = "".join(
        f'<g class="tick"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(s)}" y2="{y(s)}"/>'
        f'<text x="{LEFT - 8}" y="{y(s) + 4}" text-anchor="end">{percent(s)}</text></g>'
        for s in (0.0, 0.25, 0.5, 0.75, 1.0)
    )
    coords = [(axis.x(p.at), y(p.aligned_share)) for p in history]
    line = " ".join(f"{x},{yy}" for x, yy in coords)
    inner = " L".join(f"{x},{yy}" for x, yy in coords)
    area = f"M{coords[0][0]},{bottom} L{inner} L{coords[-1][0]},{bottom} Z"
    dots = "".join(_alignment_dot(point, x, yy) for point, (x, yy) in zip(history, coords, strict=True))
    return "".join([
        '<g class="aligned-trend">',
        '<text class="trend-title" x="0" y="18">Aligned share of open work</text>',
        f'<text class="trend-now" x="{WIDTH - RIGHT}" y="18" text-anchor="end">'
        f"{percent(history[-1].aligned_share)} now · {len(history)} snapshots</text>",
        grid, _edit_marks(edits, axis, ALIGN_TOP, bottom, labels=True),
        f'<path class="area" d="{area}"/><polyline class="line" points="{line}"/>', dots,
        _time_ticks(history, axis, bottom + 16), "</g>",
    ])  # fmt: skip


def _alignment_dot(point: Snapshot, x: float, y: float) -> str:
    runs = f", {point.runs} runs since {point.span_start[:10]}" if point.runs > 1 else ""
    tip = (f"{point.at}: {percent(point.aligned_share)} aligned ({point.aligned_items} of {point.open_items} "
           f"open items){runs}")  # fmt: skip
    return (f'<circle class="point" cx="{x}" cy="{y}" r="3.5" data-at="{escape(point.at)}" '
            f'data-aligned-share="{point.aligned_share}"><title>{escape(tip)}</title></circle>')  # fmt: skip


def _edit_marks(edits: list[tuple[str, str]], axis: _Axis, top: float, bottom: float, *, labels: bool) -> str:
    """A dotted line per roadmap edit (flagged and labelled on the big chart), its tooltip saying
    what changed."""
    marks = []
    for at, what in edits:
        x = axis.x(at)
        flag = ""
        if labels:
            flag = (f'<path class="edit-flag" d="M{x} {top - 10} l8 4 l-8 4 z"/>'
                    f'<text class="edit-label" x="{x + 11}" y="{top - 2}">roadmap edited</text>')  # fmt: skip
        tip = escape(f"roadmap edited by {at}: {what}")
        marks.append(
            f'<g class="roadmap-edit" data-at="{escape(at)}"><title>{tip}</title>'
            f'<line x1="{x}" x2="{x}" y1="{top - 10 if labels else top}" y2="{bottom}"/>{flag}</g>'
        )
    return "".join(marks)


def _time_ticks(history: Sequence[Snapshot], axis: _Axis, y: float) -> str:
    first, last = parse_time(history[0].at), parse_time(history[-1].at)
    count = 1 if first == last else 6
    moments = [first + (last - first) * (i / max(count - 1, 1)) for i in range(count)]
    with_year = first.year != last.year or count == 1
    return "".join(
        f'<g class="tick"><text x="{axis.x(m.strftime("%Y-%m-%dT%H:%M:%SZ"))}" y="{y}" text-anchor="middle">'
        f"{_day(m, with_year)}</text></g>"
        for m in moments
    )


def _day(moment: datetime, with_year: bool) -> str:
    text = f"{moment.day} {moment.strftime('%b')}"
    return f"{text} {moment.year}" if with_year else text


def _theme_cell(report: Report, theme: str, left: float, top: float, edits: list[tuple[str, str]]) -> str:
    history = report.history
    series = [(p.at, p.themes[theme]) for p in history if theme in p.themes]
    axis = _Axis(history, left + 36, left + CELL_W - 8)
    plot_top, plot_bottom = top + CELL_HEAD, top + CELL_HEAD + CELL_PLOT
    top_share = max([pt.share for _, pt in series] + [pt.target_share or 0.0 for _, pt in series] + [0.0])
    domain = _domain(top_share)

    def y(share: float) -> float:
        return round(plot_bottom - CELL_PLOT * min(share, domain) / domain, 1)

    off = " off-target" if theme in report.off_target_themes else ""
    return "".join([
        f'<g class="theme-trend{off}" data-theme="{escape(theme)}" data-points="{len(series)}">',
        f'<rect class="cell" x="{left}" y="{top}" width="{CELL_W}" height="{CELL_H - 12}" rx="8"/>',
        _cell_head(report, theme, left, top),
        _cell_grid(left, domain, y),
        _edit_marks(edits, axis, plot_top, plot_bottom, labels=False),
        _target_line(series, axis, y), _share_line(series, axis, y),
        _cell_ticks(history, axis, plot_bottom + 16), "</g>",
    ])  # fmt: skip


def _domain(top_share: float) -> float:
    """The top of a theme chart's scale: a round share with room above the highest point."""
    wanted = top_share * 1.15
    step = 0.05 if wanted <= 0.3 else 0.1
    return min(1.0, max(0.1, math.ceil(wanted / step - 1e-9) * step))


def _cell_head(report: Report, theme: str, left: float, top: float) -> str:
    name = report.theme_names.get(theme, "")
    name = name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"
    trend = report.trend.themes if report.trend is not None else ()
    row = next((t for t in trend if t.id == theme), None)
    now = percent(row.share) if row else "—"
    target = f" / {percent(row.target_share)}" if row and row.target_share is not None else ""
    return (
        f'<text class="theme-id" x="{left + 12}" y="{top + 18}">{escape(theme)}</text>'
        f'<text class="theme-name" x="{left + 12}" y="{top + 33}">{escape(name)}</text>'
        f'<text class="value" x="{left + CELL_W - 12}" y="{top + 18}" text-anchor="end">{now}'
        f'<tspan class="value-sub">{escape(target)}</tspan></text>'
    )


def _cell_grid(left: float, domain: float, y: Scale) -> str:
    lines = []
    for share in (0.0, round(domain / 2, 4), domain):
        yy = y(share)
        lines.append(
            f'<g class="tick"><line x1="{left + 36}" x2="{left + CELL_W - 8}" y1="{yy}" y2="{yy}"/>'
            f'<text x="{left + 30}" y="{yy + 4}" text-anchor="end">{share * 100:g}%</text></g>'
        )
    return "".join(lines)


def _target_line(series: Series, axis: _Axis, y: Scale) -> str:
    steps: list[str] = []
    last_y: float | None = None
    for at, point in series:
        target = point.target_share
        if target is None:
            last_y = None
            continue
        x, yy = axis.x(at), y(target)
        steps.append(f"M{x},{yy}" if last_y is None else f"L{x},{last_y} L{x},{yy}")
        last_y = yy
    if not steps:
        return ""
    if len(series) == 1:  # one point: a short stroke, so a lone target still shows
        x, yy = axis.x(series[0][0]), y(series[0][1].target_share or 0.0)
        steps = [f"M{x - 20},{yy} L{x + 20},{yy}"]
    return f'<path class="target-line" d="{" ".join(steps)}"/>'


def _share_line(series: Series, axis: _Axis, y: Scale) -> str:
    coords = [(axis.x(at), y(point.share)) for at, point in series]
    if not coords:
        return ""
    line = f'<polyline class="line" points="{" ".join(f"{x},{yy}" for x, yy in coords)}"/>'
    shown = coords if len(coords) <= _DOTS_UP_TO else coords[-1:]
    dots = "".join(f'<circle class="dot" cx="{x}" cy="{yy}" r="2.5"/>' for x, yy in shown)
    return line + dots


def _cell_ticks(history: Sequence[Snapshot], axis: _Axis, y: float) -> str:
    first, last = history[0].at, history[-1].at
    if first[:10] == last[:10]:
        return f'<g class="tick"><text x="{axis.x(last)}" y="{y}" text-anchor="middle">{last[:10]}</text></g>'
    return (f'<g class="tick"><text x="{axis.x(first)}" y="{y}" text-anchor="start">{first[:10]}</text>'
            f'<text x="{axis.x(last)}" y="{y}" text-anchor="end">{last[:10]}</text></g>')  # fmt: skip
