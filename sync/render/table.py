"""The report for a terminal (rich): headline, roadmap table, top drift per kind, the plan.

Pure: report in, str out. Without colour the output is plain text at a fixed width, so it is
the same on every machine (golden tests, logs, pipes); with colour it uses styles and
clickable links and fits the terminal. User content goes through :func:`roadsync.escaping.terminal`
(no escape sequence from a tracker reaches the terminal) and is passed as :class:`rich.text.Text`,
so a title like ``[bold]`` is printed as written, never read as markup.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from roadsync.escaping import terminal
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.sync.model import DriftFinding
from roadsync.sync.render._format import (
    TOP_PER_KIND,
    percent,
    points,
    safe_url,
    share_vs_target,
    theme_sparklines,
    trend_headline,
    value,
)
from roadsync.sync.report import Report

__all__ = ["PLAIN_WIDTH", "render_plan_table", "render_table"]

PLAIN_WIDTH = 120


def render_table(report: Report, *, color: bool = False, width: int | None = None) -> str:
    """The report as terminal text; ``color`` for a TTY (the caller decides, e.g. with
    ``sys.stdout.isatty()``). ``width`` defaults to 120 plain, the terminal's width in colour."""
    # Plain text prints the links out; a colour terminal makes the item keys clickable instead.
    parts = [_headline(report), _roadmap(report), _trend(report), _drift(report, links=not color),
             _plan(report)]  # fmt: skip
    if report.not_written:
        parts.append(_not_written(report))
    return _print(parts, color=color, width=width)


def render_plan_table(report: Report, *, color: bool = False, width: int | None = None) -> str:
    """The headline and the plan's changes, nothing else: what ``apply`` shows before it asks."""
    return _print([_headline(report), _plan(report)], color=color, width=width)


def _print(parts: Sequence[RenderableType], *, color: bool, width: int | None) -> str:
    if width is None:
        width = shutil.get_terminal_size((PLAIN_WIDTH, 40)).columns if color else PLAIN_WIDTH
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        legacy_windows=False,
        soft_wrap=False,
    )
    for part in parts:
        console.print(part)
        console.print()
    # Padding spaces at line ends are noise in files and diffs.
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip().splitlines()) + "\n"


def _headline(report: Report) -> RenderableType:
    summary = report.plan.summary
    generated = "  ·  generated " + terminal(report.generated_at)
    title = Text.assemble((terminal(report.title), "bold"), (generated, "dim"))
    aligned = percent(summary.get("aligned_share")) if summary.get("open_items", 0) else "—"
    figures = Text.assemble(
        ("Items ", "dim"), (f"{summary.get('items', len(report.items))}", "bold"),
        (f" ({summary.get('open_items', 0)} open)", "dim"),
        ("   Aligned ", "dim"), (aligned, "bold"),
        # After an apply each change counts once, under its outcome: "pending" would count the
        # failed ones twice.
        ("   Changes ", "dim"),
        (report.apply_line if report.applied is not None else f"{report.changes_pending} pending", "bold"),
        ("   Drift ", "dim"), (str(report.drift_total), "bold red" if report.drift_total else "bold green"),
    )  # fmt: skip
    found = [(kind, n) for kind, n in report.drift_counts.items() if n]
    by_kind = Text("Drift by kind: ", style="dim")
    by_kind.append(" · ".join(f"{kind} {n}" for kind, n in found) if found else "none")
    lines = [title, figures, by_kind]
    if report.applied is not None and report.drift_total:
        lines.append(Text.assemble(
            ("Drift was found before this run's writes: ", "dim"),
            (f"{len(report.resolved)} resolved by them", "bold green"), (", ", "dim"),
            (f"{report.drift_remaining} remain", "bold"),
        ))  # fmt: skip
    lines += [Text("Note: " + terminal(note), style="yellow") for note in report.notes]
    return Group(*lines)


def _roadmap(report: Report) -> RenderableType:
    table = Table(title="Roadmap", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False, show_edge=False)  # fmt: skip
    table.add_column("Theme", no_wrap=True)
    table.add_column("Name", overflow="ellipsis", max_width=36)
    for header in ("Priority", "Horizon", "Status"):
        table.add_column(header, no_wrap=True)
    table.add_column("Open", justify="right", no_wrap=True)
    table.add_column("Share / target", justify="right", no_wrap=True)
    table.add_column("Δ", justify="right", no_wrap=True)
    for row in report.themes:
        table.add_row(*_theme_cells(report, row))
    return table


def _theme_cells(report: Report, row: ThemeCoverage) -> list[RenderableType]:
    off = row.id is not None and row.id in report.off_target_themes
    status_style = {"active": "", "paused": "yellow", "retired": "red"}.get(row.status or "", "dim")
    return [
        Text(terminal(row.id or "—"), style="bold" if row.id else "dim"),
        Text(terminal(row.name), style="" if row.id else "italic dim"),
        Text(terminal(row.priority or "—")),
        Text(row.horizon or "—"),
        Text(row.status or "—", style=status_style),
        Text(str(row.open_items)),
        Text(share_vs_target(row), style="yellow" if off else ""),
        Text(points(row.delta), style="yellow" if off else "dim"),
    ]


def _trend(report: Report) -> RenderableType:
    """The history in a few lines: the answers, then each theme's sparkline and weekly change."""
    trend = report.trend
    if trend is None:
        return Text("")
    lines = [Text.assemble(("Trend", "bold"), ("  " + terminal(trend_headline(report)), "dim"))]
    lines += [Text("• " + terminal(line)) for line in trend.answers(report.theme_label)]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("Theme", no_wrap=True)
    table.add_column("Recent days", no_wrap=True)
    for header in ("Share", "Target", "Since last week"):
        table.add_column(header, justify="right", no_wrap=True)
    sparks = theme_sparklines(trend.themes)
    for row in trend.themes:
        change = row.change_since_last_week
        style = "green" if change and change > 0 else "red" if change and change < 0 else "dim"
        table.add_row(Text(terminal(row.id), style="bold"), Text(sparks[row.id], style="cyan"),
                      Text(percent(row.share)), Text(percent(row.target_share)),
                      Text(points(change), style=style))  # fmt: skip
    return Group(*lines, table)


def _drift(report: Report, *, links: bool) -> RenderableType:
    groups = report.findings_by_kind()
    if not groups:
        return Text.assemble(("Drift", "bold"), "\nNo drift found.")
    when = " found before this run's writes" if report.applied is not None else ""
    table = Table(title=f"Drift{when} (top {TOP_PER_KIND} per kind)", title_justify="left",
                  title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)  # fmt: skip
    table.add_column("Kind", no_wrap=True, style="yellow")
    table.add_column("Item", no_wrap=True)
    table.add_column("Finding", overflow="fold", ratio=1)
    for kind, findings in groups.items():
        # Each unwritable change needs someone to fix the site: none is hidden.
        top = len(findings) if kind == "unwritable" else TOP_PER_KIND
        for index, finding in enumerate(findings[:top]):
            label = f"{kind} ({len(findings)})" if index == 0 else ""
            table.add_row(
                Text(label), _finding_subject(report, finding), _finding_text(report, finding, links)
            )
        if len(findings) > top:
            more = Text(f"… {len(findings) - top} more not shown", style="dim")
            table.add_row(Text(""), Text(""), more)
        table.add_section()
    return table


def _finding_subject(report: Report, finding: DriftFinding) -> Text:
    if finding.item is None:
        return Text(f"theme {terminal(finding.theme or '?')}", style="bold")
    ref = report.items.get(finding.item)
    url = safe_url(ref.url) if ref is not None else None
    return Text(terminal(finding.item), style=Style(bold=True, link=url) if url else "bold")


def _finding_text(report: Report, finding: DriftFinding, links: bool) -> Text:
    text = Text(terminal(finding.detail))
    if report.is_resolved(finding):
        text.append(" (resolved by this run)", style="green")
    ref = report.items.get(finding.item) if finding.item else None
    url = safe_url(ref.url) if ref is not None else None
    if links and url:
        text.append("\n" + terminal(url), style="dim")
    return text


def _plan(report: Report) -> RenderableType:
    done = " (applied)" if report.applied is not None else ""
    if not report.plan.changes:
        return Text.assemble((f"Plan{done}", "bold"), "\nNothing to change.")
    table = Table(title=f"Plan{done}: {len(report.plan.changes)} changes", title_justify="left",
                  title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)  # fmt: skip
    table.add_column("Item", no_wrap=True)
    table.add_column("Field", no_wrap=True)
    table.add_column("Old → New", overflow="fold")
    table.add_column("Rule", overflow="fold", style="dim")
    for change in report.plan.changes:
        ref = report.items.get(change.item)
        url = safe_url(ref.url) if ref is not None else None
        old, new = terminal(value(change.old)), terminal(value(change.new))
        move = Text.assemble((old, "red"), " → ", (new, "green"))
        table.add_row(Text(terminal(change.item), style=Style(link=url) if url else ""),
                      Text(terminal(change.field)), move, Text(terminal(change.rule or "—")))  # fmt: skip
    return table


def _not_written(report: Report) -> RenderableType:
    """Every change the apply did not apply, with its result and the tracker's reason."""
    outcomes = report.not_written
    table = Table(title=f"Not written: {len(outcomes)} changes", title_justify="left", title_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)  # fmt: skip
    table.add_column("Item", no_wrap=True)
    table.add_column("Field", no_wrap=True)
    table.add_column("Old → New", overflow="fold")
    table.add_column("Result", no_wrap=True)
    table.add_column("Reason", overflow="fold")
    for outcome in outcomes:
        change = outcome.change
        old, new = terminal(value(change.old)), terminal(value(change.new))
        move = Text.assemble((old, "red"), " → ", (new, "green"))
        style = "yellow" if outcome.status in ("unwritable", "skipped") else "bold red"
        table.add_row(Text(terminal(change.item)), Text(terminal(change.field)), move,
                      Text(outcome.status, style=style), Text(terminal(outcome.error or "—")))  # fmt: skip
    return table
