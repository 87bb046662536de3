"""The report as GitHub-flavoured Markdown: the Action's job summary and PR comments.

Pure: report in, str out. The document opens with its title, then the line ``Drift: N``
(scripts read it; N counts the findings found before any write), the report's notes, a summary
(after a write: how many findings the run's writes resolved and how many remain), the roadmap
with theme ids and names, drift grouped by kind (long lists fold into ``<details>``), and the
plan. It never grows beyond ``max_bytes`` (UTF-8): GitHub
refuses job summaries over 1 MiB. When rows must go, whole rows are dropped (never cut
mid-row), every section keeps its heading and count, and an explicit notice says how many
findings and changes are not shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.escaping import markdown as markdown_text
from roadsync.escaping import markdown_code
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.sync.model import DriftFinding
from roadsync.sync.render._format import percent, points, safe_url, theme_sparklines, trend_headline, value
from roadsync.sync.report import Report

__all__ = ["FOLD_AFTER", "MAX_BYTES", "render_markdown"]

MAX_BYTES = 1_000_000
# Lists longer than this fold into a collapsible <details> block.
FOLD_AFTER = 10
# Room kept for the closing notice: generous for any count with up to 20 digits.
_NOTICE_ROOM = 256


@dataclass
class _Section:
    """A heading, rows that may be dropped from the end, and a closing part."""

    head: str
    rows: list[str]
    foot: str
    noun: str  # "findings" | "changes" | "themes": what a dropped row counts as
    kept: int = field(default=0)
    full: bool = field(default=False)  # a row did not fit: keep no more rows of this section

    @property
    def dropped(self) -> int:
        return len(self.rows) - self.kept

    def fixed_size(self) -> int:
        return _size(self.head) + _size(self.foot) + _size(_more_line(10**12))


def render_markdown(report: Report, *, max_bytes: int = MAX_BYTES) -> str:
    """The report as Markdown of at most ``max_bytes`` UTF-8 bytes (raises ``ValueError`` when
    even the headings cannot fit, which only a tiny limit causes)."""
    top = _top(report)
    sections = [
        _roadmap(report), _trend(report), *_drift_sections(report), _changes(report), *_not_written(report),
    ]  # fmt: skip
    reserve = _size(top) + sum(section.fixed_size() for section in sections) + _NOTICE_ROOM
    if reserve > max_bytes:
        raise ValueError(f"max_bytes={max_bytes} cannot hold the report's headings ({reserve} bytes)")
    budget = max_bytes - reserve
    # Two passes so one huge kind cannot starve the others: first every section's first
    # FOLD_AFTER rows, then the rest in document order.
    for limit in (FOLD_AFTER, None):
        for section in sections:
            budget = _keep_rows(section, budget, limit)
    parts = [top]
    for section in sections:
        more = _more_line(section.dropped) if section.dropped else ""
        parts.append(section.head + "".join(section.rows[: section.kept]) + more + section.foot)
    parts.append(_notice(sections))
    return "".join(parts)


def _keep_rows(section: _Section, budget: int, limit: int | None) -> int:
    """Keep more of the section's rows (up to ``limit``) while they fit; returns the budget left."""
    end = len(section.rows) if limit is None else min(limit, len(section.rows))
    while not section.full and section.kept < end:
        size = _size(section.rows[section.kept])
        if size > budget:
            # Stop here for good: a later, smaller row must not jump the queue.
            section.full = True
            break
        budget -= size
        section.kept += 1
    return budget


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _more_line(count: int) -> str:
    return f"\n_… {count} more not shown._\n"


def _notice(sections: list[_Section]) -> str:
    lines = []
    for noun in ("findings", "changes", "themes"):
        dropped = sum(s.dropped for s in sections if s.noun == noun)
        if dropped:
            lines.append(f"> … {dropped} more {noun} not shown; see the JSON/HTML report.\n")
    return ("\n" + "".join(lines)) if lines else ""


# -- escaping: the shared Markdown layer (roadsync.escaping) -----------------------------------

text = markdown_text
code = markdown_code


def _link(report: Report, key: str) -> str:
    ref = report.items.get(key)
    url = safe_url(ref.url) if ref is not None else None
    if url is None:
        return text(key)
    # Parentheses and spaces would end the link target early.
    target = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{text(key, link_text=True)}]({target})"


def _theme(report: Report, theme_id: str | None) -> str:
    if theme_id is None:
        return "—"
    name = report.theme_names.get(theme_id)
    return code(theme_id) + (f" {text(name)}" if name and name != theme_id else "")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell or " " for cell in cells) + " |\n"


# -- sections ----------------------------------------------------------------------------------


def _top(report: Report) -> str:
    summary = report.plan.summary
    applied = report.applied
    aligned = percent(summary.get("aligned_share")) if summary.get("open_items", 0) else "—"
    lines = [
        f"## {text(report.title)}\n\n",
        f"Drift: {report.drift_total}\n",
        *(f"\n> **Note:** {text(note)}\n" for note in report.notes),
        f"\n_Generated {text(report.generated_at)}._\n\n",
        "| Summary | |\n",
        "| --- | ---: |\n",
        _row(["Items", str(summary.get("items", len(report.items)))]),
        _row(["Open items", str(summary.get("open_items", 0))]),
        _row(["Aligned share of open items", aligned]),
    ]
    if applied is not None:  # each change once, under its outcome (failed ones are not "pending" too)
        lines.append(_row(["Changes applied", text(report.apply_line)]))
        lines.append(_row(["Drift findings (found before this run's writes)", f"**{report.drift_total}**"]))
        lines.append(_row(["Resolved by this run's writes", str(len(report.resolved))]))
        lines.append(_row(["Remaining", f"**{report.drift_remaining}**"]))
    else:
        lines.append(_row(["Changes pending", str(report.changes_pending)]))
        lines.append(_row(["Drift findings", f"**{report.drift_total}**"]))
    found = [(kind, n) for kind, n in report.drift_counts.items() if n]
    if found:
        lines += ["\n| Drift kind | Findings |\n", "| --- | ---: |\n"]
        lines += [_row([code(kind), str(n)]) for kind, n in found]
    return "".join(lines)


def _roadmap(report: Report) -> _Section:
    head = (
        "\n### Roadmap\n\n"
        "| Theme | Name | Priority | Horizon | Status | Open items | Share | Target | Δ |\n"
        "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: |\n"
    )
    return _Section(head, [_theme_row(report, row) for row in report.themes], "", "themes")


def _theme_row(report: Report, row: ThemeCoverage) -> str:
    off = row.id is not None and row.id in report.off_target_themes
    delta = points(row.delta)
    return _row([
        code(row.id) if row.id else "—",
        text(row.name) if row.id else "_unaligned_",
        row.priority or "—", row.horizon or "—", row.status or "—",
        str(row.open_items), percent(row.share), percent(row.target_share),
        f"**{delta}**" if off else delta,
    ])  # fmt: skip


def _trend(report: Report) -> _Section:
    """The one-line answers, then one row per theme: its sparkline and the change since last week."""
    trend = report.trend
    if trend is None:
        return _Section("", [], "", "themes")
    answers = "".join(f"- {text(line)}\n" for line in trend.answers(report.theme_label))
    head = (
        f"\n### Trend\n\n{text(trend_headline(report))}\n\n{answers}\n"
        "| Theme | Recent days | Share | Target | Since last week |\n| --- | --- | ---: | ---: | ---: |\n"
    )
    sparks = theme_sparklines(trend.themes)
    rows = [
        _row([_theme(report, row.id), sparks[row.id], percent(row.share), percent(row.target_share),
              points(row.change_since_last_week)])
        for row in trend.themes
    ]  # fmt: skip
    return _Section(head, rows, "", "themes")


def _drift_sections(report: Report) -> Iterator[_Section]:
    groups = report.findings_by_kind()
    if not groups:
        yield _Section("\n### Drift\n\nNo drift found.\n", [], "", "findings")
        return
    when = " (found before this run's writes)" if report.applied is not None else ""
    yield _Section(f"\n### Drift{when}\n", [], "", "findings")
    for kind, findings in groups.items():
        theme_level = all(f.item is None for f in findings)
        header = "| Theme | Finding |\n| --- | --- |\n" if theme_level else (
            "| Item | Title | Theme | Finding |\n| --- | --- | --- | --- |\n"
        )  # fmt: skip
        rows = [_finding_row(report, f, theme_level) for f in findings]
        title = f"\n#### {code(kind)} ({len(findings)})\n\n"
        if len(findings) > FOLD_AFTER:
            head = f"{title}<details><summary>{len(findings)} findings</summary>\n\n{header}"
            yield _Section(head, rows, "\n</details>\n", "findings")
        else:
            yield _Section(title + header, rows, "", "findings")


def _finding_row(report: Report, finding: DriftFinding, theme_level: bool) -> str:
    detail = text(finding.detail) + (" _(resolved by this run)_" if report.is_resolved(finding) else "")
    if theme_level:
        return _row([_theme(report, finding.theme), detail])
    ref = report.items.get(finding.item or "")
    subject = _link(report, finding.item) if finding.item else "—"
    title = text(ref.title) if ref is not None else ""
    return _row([subject, title, _theme(report, finding.theme), detail])


def _changes(report: Report) -> _Section:
    count = len(report.plan.changes)
    if not count:
        why = (
            f"the drift above ({report.drift_remaining}) is reported for people, not written"
            if report.drift_remaining
            else "the trackers already match the roadmap"
        )
        nothing = f"\n### Changes\n\nNo changes to write: {why}.\n"
        return _Section(nothing, [], "", "changes")
    header = "| Item | Field | Old | New | Rule |\n| --- | --- | --- | --- | --- |\n"
    rows = [_change_row(report, change) for change in report.plan.changes]
    done = f": {report.changes_applied} applied" if report.applied is not None else " planned"
    title = f"\n### Changes ({count}{done})\n\n"
    if count > FOLD_AFTER:
        head = f"{title}<details><summary>{count} changes</summary>\n\n{header}"
        return _Section(head, rows, "\n</details>\n", "changes")
    return _Section(title + header, rows, "", "changes")


def _not_written(report: Report) -> Iterator[_Section]:
    """The changes the apply did not apply, with their result and the tracker's reason."""
    outcomes = report.not_written
    if not outcomes:
        return
    header = "| Item | Field | Old | New | Result | Reason |\n| --- | --- | --- | --- | --- | --- |\n"
    rows = [_not_written_row(report, outcome) for outcome in outcomes]
    yield _Section(f"\n### Not written ({len(outcomes)})\n\n{header}", rows, "", "changes")


def _not_written_row(report: Report, outcome: WriteOutcome) -> str:
    change = outcome.change
    moved = [code(value(change.old)), code(value(change.new))]
    result = [code(outcome.status), text(outcome.error or "—")]
    return _row([_link(report, change.item), code(change.field), *moved, *result])


def _change_row(report: Report, change: FieldChange) -> str:
    return _row([
        _link(report, change.item), code(change.field),
        code(value(change.old)), code(value(change.new)), code(change.rule or "—"),
    ])  # fmt: skip
