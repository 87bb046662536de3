"""The report as one self-contained HTML page: for people, and for the slide on Monday.

Pure: report in, str out. The page needs no network at all: CSS, JS and the SVG chart are
inline, fonts are the system's, and a Content-Security-Policy forbids loading anything else.
Every piece of user content (titles, theme names, details, keys) is HTML-escaped; links are
only ever ``http(s)``. Sections: headline figures, allocation per theme against target (SVG),
drift counts by kind, theme-level signals, theme coverage, unaligned work, drift findings and
the plan; tables sort by clicking their headers.
"""

from __future__ import annotations

from importlib import resources

from roadsync.escaping import html as escape
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.sync.model import DriftFinding
from roadsync.sync.render._format import percent, points, safe_url, value
from roadsync.sync.render.html_chart import allocation_chart
from roadsync.sync.render.html_trend import trend_chart
from roadsync.sync.report import SCHEMA, Report

__all__ = ["MAX_TABLE_ROWS", "render_html"]

# A table longer than this shows its first rows and says how many more are in the JSON report:
# a browser stays responsive, and nobody reads row 5,001 in a page.
MAX_TABLE_ROWS = 2000

KIND_MEANING: dict[str, str] = {
    "unaligned": "open work that maps to no theme",
    "priority_mismatch": "priority differs from the roadmap",
    "manual_override": "managed field changed by hand",
    "retired_theme": "open work on a retired theme",
    "paused_theme": "open work on a paused theme",
    "empty_theme": "active now-theme with no open work",
    "allocation": "share of work off its target",
    "cross_tracker": "linked Jira/GitHub items disagree",
    "parent_mismatch": "item's theme differs from its epic's",
    "unknown_theme": "theme tag the roadmap lacks",
    "overwritten_edit": "a person's edit a write overwrote, restored",
}
THEME_LEVEL = ("empty_theme", "allocation")

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
_LOGO = (
    '<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">'
    '<rect x="1" y="9" width="4" height="8" rx="1" fill="#c7d2fe"/>'
    '<rect x="7" y="5" width="4" height="12" rx="1" fill="#818cf8"/>'
    '<rect x="13" y="1" width="4" height="16" rx="1" fill="#4f46e5"/></svg>'
)


def _asset(name: str) -> str:
    return resources.files("roadsync.sync.render.assets").joinpath(name).read_text(encoding="utf-8")


def render_html(report: Report) -> str:
    """The whole page as a string (UTF-8, no external references)."""
    body = "\n".join([
        _masthead(report), _notes(report), _kpis(report), _allocation(report), _trend(report),
        f'<div class="grid-2">{_drift_kinds(report)}'
        f'<div class="column">{_alignment(report)}{_signals(report)}'
        "</div></div>",
        _coverage(report), _unaligned(report), _findings(report), _plan(report), _not_written(report),
        _footer(report),
    ])  # fmt: skip
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="roadsync">\n'
        f"<title>{escape(report.title)} · {escape(report.generated_at)}</title>\n"
        f"<style>\n{_asset('report.css')}</style>\n</head>\n"
        f'<body>\n<main class="page">\n{body}\n</main>\n'
        f"<script>\n{_asset('report.js')}</script>\n</body>\n</html>\n"
    )


# -- small builders ----------------------------------------------------------------------------


_e = escape  # the shared HTML layer: control characters made visible, then HTML-escaped


def _item_link(report: Report, key: str | None) -> str:
    if key is None:
        return "—"
    ref = report.items.get(key)
    url = safe_url(ref.url) if ref is not None else None
    if url is None:
        return f'<span class="mono">{_e(key)}</span>'
    return f'<a class="mono" href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(key)}</a>'


def _theme_ref(report: Report, theme_id: str | None) -> str:
    if theme_id is None:
        return '<span class="empty">none</span>'
    name = report.theme_names.get(theme_id)
    title = f' title="{_e(name)}"' if name else ""
    return f"<code{title}>{_e(theme_id)}</code>"


def _pill(text: str | None) -> str:
    if not text:
        return "—"
    return f'<span class="pill {_e(text)}">{_e(text)}</span>'


def _panel(title: str, hint: str, content: str, extra_class: str = "") -> str:
    hint_html = f'<span class="hint">{hint}</span>' if hint else ""
    return (
        f'<section class="panel {extra_class}"><div class="panel-head"><h2>{_e(title)}</h2>{hint_html}</div>'
        f"{content}</section>"
    )


def _table(name: str, headers: list[tuple[str, str]], rows: list[str], total: int, noun: str) -> str:
    head = "".join(f'<th class="{cls}" scope="col">{_e(text)}</th>' for text, cls in headers)
    more = ""
    if total > len(rows):
        more = f'<p class="more">… {total - len(rows)} more {noun} not shown; see the JSON report.</p>'
    return (
        f'<div class="table-wrap"><table class="sortable" id="{name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{more}"
    )


# -- sections ----------------------------------------------------------------------------------


def _masthead(report: Report) -> str:
    summary = report.plan.summary
    by_source = summary.get("items_by_source", {})
    names = {"jira": "Jira", "github": "GitHub"}
    sources = "".join(f" · {_e(names.get(name, name))} {count}" for name, count in sorted(by_source.items()))
    meta = f"{summary.get('items', len(report.items))} items in scope{sources}"
    return (
        f'<header class="masthead"><div><div class="eyebrow">{_LOGO}roadsync · roadmap drift</div>'
        f'<h1>{_e(report.title)}</h1><p class="meta">{meta}</p></div>'
        f'<div class="stamp">Generated<br><span class="mono">{_e(report.generated_at)}</span></div></header>'
    )


def _kpi(label: str, value_html: str, sub: str, cls: str = "", extra: str = "") -> str:
    return (
        f'<div class="kpi {cls}" data-kpi="{_e(label.lower())}"><div class="label">{_e(label)}</div>'
        f'<div class="value">{value_html}</div><div class="sub">{sub}</div>{extra}</div>'
    )


def _notes(report: Report) -> str:
    """What a reader must know first (an empty mirror, links to stopped trackers)."""
    return "".join(f'<p class="note" role="note">{_e(note)}</p>' for note in report.notes)


def _kpis(report: Report) -> str:
    summary = report.plan.summary
    return '<section class="kpis">' + "".join([
        _kpi("Open items", str(summary.get("open_items", 0)), f"of {summary.get('items', 0)} in scope"),
        _aligned_kpi(report), _drift_kpi(report), _changes_kpi(report),
    ]) + "</section>"  # fmt: skip


def _aligned_kpi(report: Report) -> str:
    summary = report.plan.summary
    if not summary.get("open_items", 0):  # a share of nothing is not 100%
        why = "no items: run <code>roadsync pull</code>" if report.is_empty else "no open items"
        return _kpi("Aligned", "—", why)
    share = float(summary.get("aligned_share", 0.0))
    meter = f'<div class="meter"><span style="width:{share * 100:.1f}%"></span></div>'
    aligned = f"{summary.get('aligned_items', 0)} of {summary.get('open_items', 0)} open items"
    return _kpi("Aligned", percent(share), aligned, extra=meter)


def _drift_kpi(report: Report) -> str:
    drift = report.drift_total
    kinds = sum(1 for n in report.drift_counts.values() if n)
    sub = f"across {kinds} kinds" if drift else "all in step"
    if report.applied is not None and drift:
        resolved, remain = len(report.resolved), report.drift_remaining
        sub = f"found before this run's writes: {resolved} resolved by them, {remain} remain"
    return _kpi("Drift findings", str(drift), sub, "bad" if report.drift_remaining else "good")


def _changes_kpi(report: Report) -> str:
    pending = report.changes_pending
    if report.applied is None:
        if not pending:
            return _kpi("Changes", "0", "nothing to change", "good")
        return _kpi("Changes", str(pending), "pending: run <code>roadsync apply</code>")
    unwritable = report.applied.unwritable
    left = [f"{pending} failed"] if pending or unwritable else ["nothing pending"]
    if unwritable:
        left.append(f"{unwritable} unwritable")
    caption = " · ".join(["applied", *left])
    return _kpi("Changes", str(report.changes_applied), caption, "bad" if pending else "good")


def _allocation(report: Report) -> str:
    basis = report.themes[0].basis if report.themes else "count"
    hint = f"share of open work by {_e(basis)}; marker = target"
    legend = (
        '<div class="legend"><span><i class="swatch on"></i>on target</span>'
        '<span><i class="swatch off"></i>off target beyond tolerance</span>'
        '<span><i class="swatch inactive"></i>paused or retired theme</span>'
        '<span><i class="swatch unaligned"></i>unaligned work</span>'
        '<span><i class="swatch target"></i>target share</span></div>'
    )
    chart = allocation_chart(report) or '<p class="empty">The roadmap has no themes.</p>'
    return _panel("Allocation against target", hint, chart + legend)


def _trend(report: Report) -> str:
    """The history: the one-line answers, then the charts (``<svg id="trend">``)."""
    trend = report.trend
    if trend is None:
        return ""
    answers = "".join(f"<li>{_e(line)}</li>" for line in trend.answers(report.theme_label))
    legend = (
        '<div class="legend"><span><i class="swatch line"></i>share of open work</span>'
        '<span><i class="swatch dashed"></i>target share</span>'
        '<span><i class="swatch off"></i>off target beyond tolerance now</span>'
        '<span><i class="swatch edit"></i>roadmap edited</span></div>'
    )
    hint = f"{trend.points} snapshots, one point each; older runs fold into one per hour, day, then week"
    return _panel("Trend", hint, f'<ul class="answers">{answers}</ul>{trend_chart(report)}{legend}')


def _drift_kinds(report: Report) -> str:
    counts = report.drift_counts
    top = max(counts.values(), default=0) or 1
    rows = []
    for kind, count in counts.items():
        width = 100 * count / top
        rows.append(
            f'<li class="{"zero" if not count else ""}" data-kind="{_e(kind)}" data-count="{count}">'
            f'<span class="kind">{_e(kind.replace("_", " "))}'
            f"<small>{_e(KIND_MEANING.get(kind, ''))}</small></span>"
            f'<span class="spark"><span style="width:{width:.1f}%"></span></span>'
            f'<span class="count">{count}</span></li>'
        )
    return _panel(
        "Drift by kind", f"{report.drift_total} findings", f'<ul class="kinds">{"".join(rows)}</ul>'
    )


def _alignment(report: Report) -> str:
    counts = report.alignment_counts
    total = sum(counts.values())
    segments, rows = [], []
    for name, count in counts.items():
        share = count / total if total else 0.0
        segments.append(
            f'<span class="seg-{_e(name)}" style="width:{share * 100:.2f}%" title="{_e(name)}"></span>'
        )
        rows.append(
            f'<li data-alignment="{_e(name)}" data-count="{count}">'
            f'<i class="swatch seg-{_e(name)}"></i>{_e(name)}'
            f'<span class="n">{count}</span><span class="pct">{percent(share)}</span></li>'
        )
    content = f'<div class="stack">{"".join(segments)}</div><ul class="alignments">{"".join(rows)}</ul>'
    return _panel("Alignment of open work", f"{total} open items", content)


def _signals(report: Report) -> str:
    findings = [f for kind in THEME_LEVEL for f in report.findings_by_kind().get(kind, ())]
    rows = [
        f'<li data-kind="{_e(f.kind)}">'
        f'<span class="pill kind theme-level">{_e(f.kind.replace("_", " "))}</span>'
        f'<span class="what">{_theme_ref(report, f.theme)} {_e(report.theme_names.get(f.theme or "", ""))}'
        f"<br><small>{_e(f.detail)}</small></span></li>"
        for f in findings
    ]
    content = f'<ul class="signals">{"".join(rows)}</ul>' if rows else (
        '<p class="empty">Every theme has work behind it and sits within its target.</p>'
    )  # fmt: skip
    return _panel("Theme signals", "empty themes and allocation off target", content)


def _coverage_row(report: Report, row: ThemeCoverage) -> str:
    off = row.id in report.off_target_themes if row.id else False
    delta_cls = "num delta-off" if off else "num"
    theme = _theme_ref(report, row.id) if row.id else '<span class="empty">unaligned</span>'
    return (
        f'<tr data-theme-row="{_e(row.id or "")}" data-open="{row.open_items}">'
        f"<td>{theme}</td><td>{_e(row.name) if row.id else ''}</td><td>{_e(row.priority or '—')}</td>"
        f"<td>{_pill(row.horizon)}</td><td>{_pill(row.status)}</td>"
        f'<td class="num">{row.open_items}</td><td class="num">{row.estimate_sum:g}</td>'
        f'<td class="num" data-sort="{row.share}">{percent(row.share)}</td>'
        f'<td class="num" data-sort="{row.target_share if row.target_share is not None else ""}">'
        f"{percent(row.target_share)}</td>"
        f'<td class="{delta_cls}" data-sort="{row.delta if row.delta is not None else ""}">'
        f"{points(row.delta)}</td>"
        "</tr>"
    )


def _coverage(report: Report) -> str:
    headers = [("Theme", ""), ("Name", ""), ("Priority", ""), ("Horizon", ""), ("Status", ""),
               ("Open items", "num"), ("Estimate", "num"), ("Share", "num"), ("Target", "num"),
               ("Δ", "num")]  # fmt: skip
    rows = [_coverage_row(report, row) for row in report.themes]
    return _panel(
        "Theme coverage", "click a column to sort", _table("coverage", headers, rows, len(rows), "themes")
    )


def _unaligned(report: Report) -> str:
    refs = report.unaligned_items
    if not refs:
        return _panel("Unaligned work", "", '<p class="empty">Every open item maps to a theme.</p>')
    rows = [
        f'<tr data-item="{_e(ref.key)}"><td>{_item_link(report, ref.key)}</td>'
        f'<td class="title">{_e(ref.title)}</td>'
        f"<td>{_e(ref.source)}</td><td>{_e(ref.status)}</td></tr>"
        for ref in refs[:MAX_TABLE_ROWS]
    ]
    headers = [("Item", ""), ("Title", ""), ("Source", ""), ("Status", "")]
    table = _table("unaligned", headers, rows, len(refs), "items")
    return _panel("Unaligned work", f"{len(refs)} open items map to no theme", table)


def _finding_row(report: Report, finding: DriftFinding) -> str:
    ref = report.items.get(finding.item) if finding.item else None
    level = " theme-level" if finding.kind in THEME_LEVEL else ""
    resolved = report.is_resolved(finding)
    done = ' <span class="pill resolved">resolved by this run</span>' if resolved else ""
    return (
        f'<tr data-kind="{_e(finding.kind)}"{" data-resolved" if resolved else ""}>'
        f'<td><span class="pill kind{level}">{_e(finding.kind)}</span></td>'
        f'<td>{_item_link(report, finding.item)}</td><td class="title">{_e(ref.title) if ref else ""}</td>'
        f"<td>{_theme_ref(report, finding.theme)}</td><td>{_e(finding.detail)}{done}</td></tr>"
    )


def _findings(report: Report) -> str:
    drift = report.plan.drift
    if not drift:
        return _panel("Drift findings", "", '<p class="empty">No drift: the backlog follows the roadmap.</p>')
    rows = [_finding_row(report, finding) for finding in drift[:MAX_TABLE_ROWS]]
    headers = [("Kind", ""), ("Item", ""), ("Title", ""), ("Theme", ""), ("Finding", "")]
    hint = f"{len(drift)} findings"
    if report.applied is not None:
        hint += f", found before this run's writes; {len(report.resolved)} resolved by them"
    return _panel("Drift findings", hint, _table("findings", headers, rows, len(drift), "findings"))


def _plan(report: Report) -> str:
    changes = report.plan.changes
    verb = "applied" if report.applied is not None else "planned"
    if not changes:
        return _panel(
            "Plan", "", f'<p class="empty">No changes {verb}: trackers already match the roadmap.</p>'
        )
    rows = [
        f'<tr data-item="{_e(c.item)}"><td>{_item_link(report, c.item)}</td>'
        f"<td><code>{_e(c.field)}</code></td>"
        f'<td class="move" data-sort="{_e(value(c.old))}"><span class="old">{_e(value(c.old))}</span>'
        '<span class="arrow">→</span>'
        f'<span class="new">{_e(value(c.new))}</span></td><td class="reason">{_e(c.reason)}</td></tr>'
        for c in changes[:MAX_TABLE_ROWS]
    ]
    headers = [("Item", ""), ("Field", ""), ("Old → new", ""), ("Why", "")]
    return _panel(
        "Plan", f"{len(changes)} changes {verb}", _table("plan", headers, rows, len(changes), "changes")
    )


def _not_written(report: Report) -> str:
    """The changes the apply did not apply, with their result and the tracker's reason."""
    outcomes = report.not_written
    if not outcomes:
        return ""
    rows = [
        f'<tr data-item="{_e(o.change.item)}"><td>{_item_link(report, o.change.item)}</td>'
        f"<td><code>{_e(o.change.field)}</code></td>"
        f'<td class="move"><span class="old">{_e(value(o.change.old))}</span><span class="arrow">→</span>'
        f'<span class="new">{_e(value(o.change.new))}</span></td>'
        f"<td><code>{_e(o.status)}</code></td><td class=\"reason\">{_e(o.error or '—')}</td></tr>"
        for o in outcomes[:MAX_TABLE_ROWS]
    ]
    headers = [("Item", ""), ("Field", ""), ("Old → new", ""), ("Result", ""), ("Reason", "")]
    table = _table("not-written", headers, rows, len(outcomes), "changes")
    return _panel("Not written", f"{len(outcomes)} changes not applied", table)


def _footer(report: Report) -> str:
    return (
        f"<footer><span>roadsync · schema <code>{_e(SCHEMA)}</code></span>"
        f"<span>plan checksum <code>{_e(report.plan.checksum[:16])}</code></span></footer>"
    )
