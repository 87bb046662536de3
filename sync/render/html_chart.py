"""The allocation chart of the HTML report: one horizontal SVG bar per theme, with its target.

Pure string building; every piece of user content goes through :func:`html.escape`. Bars
carry ``data-theme``, ``data-open``, ``data-share`` and ``data-target`` so tests (and people
with dev tools) can read the numbers behind the picture; the unaligned bar has
``data-unaligned="true"`` instead of a theme.
"""

from __future__ import annotations

import math

from roadsync.escaping import html as escape
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.sync.render._format import percent
from roadsync.sync.report import Report

__all__ = ["allocation_chart"]

WIDTH = 1100
LABEL_W = 300
VALUE_W = 200
ROW_H = 46
BAR_H = 16
AXIS_H = 28
TOP = 6
_NAME_CHARS = 40
PLOT_W = WIDTH - LABEL_W - VALUE_W


def allocation_chart(report: Report) -> str:
    """The chart as an inline ``<svg>`` element (empty string when there are no rows)."""
    rows = list(report.themes)
    if not rows:
        return ""
    domain = _domain(rows)
    height = TOP + ROW_H * len(rows) + AXIS_H
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'role="img" aria-label="Share of open work per theme against its target" '
        'xmlns="http://www.w3.org/2000/svg">',
        _defs(),
        _axis(domain, height),
    ]
    for index, row in enumerate(rows):
        parts.append(_row(report, row, index, domain))
    parts.append("</svg>")
    return "\n".join(parts)


def _domain(rows: list[ThemeCoverage]) -> float:
    """The share at the right end of the axis: the largest share or target plus headroom."""
    top = max([row.share for row in rows] + [row.target_share or 0.0 for row in rows] + [0.0])
    return min(1.0, max(0.1, math.ceil(top * 1.15 * 10) / 10))


def _x(share: float, domain: float) -> float:
    return round(LABEL_W + PLOT_W * min(share, domain) / domain, 1)


def _defs() -> str:
    return (
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e2e8f0"/>'
        '<rect width="3" height="6" fill="#cbd5e1"/></pattern></defs>'
    )


def _axis(domain: float, height: int) -> str:
    step = 0.05 if domain <= 0.2 else 0.1 if domain <= 0.6 else 0.2
    ticks = []
    count = round(domain / step)
    for index in range(count + 1):
        share = round(index * step, 4)
        x = _x(share, domain)
        ticks.append(
            f'<g class="tick"><line x1="{x}" x2="{x}" y1="{TOP}" y2="{height - AXIS_H + 4}"/>'
            f'<text x="{x}" y="{height - 8}" text-anchor="middle">{percent(share)}</text></g>'
        )
    return "\n".join(ticks)


def _row(report: Report, row: ThemeCoverage, index: int, domain: float) -> str:
    top = TOP + index * ROW_H
    bar_y = top + (ROW_H - BAR_H) / 2
    label_y = top + ROW_H / 2
    x0 = _x(0.0, domain)
    width = round(_x(row.share, domain) - x0, 1)
    return "".join([
        f'<g class="row">{_label(row, label_y)}',
        f'<rect class="track" x="{x0}" y="{bar_y}" width="{PLOT_W}" height="{BAR_H}" rx="4"/>',
        f'<rect {_bar_attributes(report, row)} x="{x0}" y="{bar_y}" width="{width}" height="{BAR_H}" rx="4">',
        f"<title>{escape(_tooltip(row))}</title></rect>",
        _target(row, bar_y, domain),
        _value(row, label_y),
        "</g>",
    ])  # fmt: skip


def _bar_attributes(report: Report, row: ThemeCoverage) -> str:
    classes = ["bar"]
    if row.id is None:
        classes.append("unaligned")
    elif row.status in ("paused", "retired"):
        classes.append("inactive")
    elif row.id in report.off_target_themes:
        classes.append("off-target")
    who = 'data-unaligned="true"' if row.id is None else f'data-theme="{escape(row.id)}"'
    target = "" if row.target_share is None else f' data-target="{row.target_share}"'
    return f'class="{" ".join(classes)}" {who} data-open="{row.open_items}" data-share="{row.share}"{target}'


def _label(row: ThemeCoverage, y: float) -> str:
    if row.id is None:
        return f'<text class="theme-id" x="0" y="{y + 4}" font-style="italic">unaligned</text>'
    name = row.name if len(row.name) <= _NAME_CHARS else row.name[: _NAME_CHARS - 1] + "…"
    return (
        f'<text class="theme-id" x="0" y="{y - 3}">{escape(row.id)}</text>'
        f'<text class="theme-name" x="0" y="{y + 13}">{escape(name)}</text>'
    )


def _target(row: ThemeCoverage, bar_y: float, domain: float) -> str:
    if row.target_share is None:
        return ""
    x = _x(row.target_share, domain)
    return (
        f'<g class="target-marker" data-target="{row.target_share}">'
        f'<line class="target" x1="{x}" x2="{x}" y1="{bar_y - 5}" y2="{bar_y + BAR_H + 5}"/>'
        f'<path class="target-cap" d="M{x - 4} {bar_y - 9} h8 l-4 5 z"/></g>'
    )


def _value(row: ThemeCoverage, y: float) -> str:
    x = WIDTH - VALUE_W + 16
    target = f" of {percent(row.target_share)} target" if row.target_share is not None else ""
    items = "item" if row.open_items == 1 else "items"
    return (
        f'<text class="value" x="{x}" y="{y - 3}">{percent(row.share)}'
        f'<tspan class="value-sub">{escape(target)}</tspan></text>'
        f'<text class="value-sub" x="{x}" y="{y + 13}">{row.open_items} open {items}</text>'
    )


def _tooltip(row: ThemeCoverage) -> str:
    who = f"{row.id} — {row.name}" if row.id else "unaligned work"
    target = f", target {percent(row.target_share)}" if row.target_share is not None else ""
    return f"{who}: {percent(row.share)} of open work ({row.open_items} open){target}"
