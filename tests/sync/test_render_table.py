"""The terminal report: plain and stable off a terminal, styled with links on one."""

from __future__ import annotations

import re
from dataclasses import replace

from roadsync.sync.model import DriftFinding
from roadsync.sync.render import render
from roadsync.sync.render.table import PLAIN_WIDTH, render_table
from roadsync.sync.report import Report
from tests.sync.test_render_golden import sample_report

ANSI = re.compile(r"\x1b\[")
HYPERLINK = "\x1b]8;"


def test_plain_output_has_no_escape_codes_and_a_fixed_width() -> None:
    """Without colour there are no ANSI codes and no line is wider than the fixed width."""
    text = render_table(sample_report())
    assert not ANSI.search(text) and HYPERLINK not in text
    assert max(len(line) for line in text.splitlines()) <= PLAIN_WIDTH
    assert all(line == line.rstrip() for line in text.splitlines())


def test_the_dispatcher_renders_plain_tables() -> None:
    """``render(report, "table")`` is the plain rendering (what goes to files and pipes)."""
    report = sample_report()
    assert render(report, "table") == render_table(report, color=False)


def test_colour_output_styles_and_links_item_keys() -> None:
    """With colour the output carries ANSI styles and clickable links to items."""
    text = render_table(sample_report(), color=True, width=140)
    assert ANSI.search(text)
    assert HYPERLINK in text and "https://acme.atlassian.net/browse/PAY-8" in text


def test_headline_counts_items_changes_and_drift() -> None:
    """The headline states items, aligned share, pending changes and drift by kind."""
    report = sample_report()
    head = "\n".join(render_table(report).splitlines()[:4])
    assert "Items 15 (14 open)" in head
    assert "Aligned 79%" in head
    assert f"Changes {len(report.plan.changes)} pending" in head
    assert f"Drift {len(report.plan.drift)}" in head
    assert "unaligned 3" in head and "allocation 2" in head


def test_after_an_apply_the_headline_counts_each_change_once() -> None:
    """After an apply that failed every change, the headline says how many failed, not also as pending."""
    head = render_table(sample_report(applied={"applied": 0, "failed": 9})).splitlines()[1]
    assert "Changes 0 applied, 0 unwritable, 9 failed, 0 skipped" in head
    assert "pending" not in head


def test_top_five_per_kind_then_a_count_of_the_rest() -> None:
    """A kind with more than five findings shows five and says how many more there are."""
    base = sample_report()
    extra = tuple(DriftFinding("unaligned", f"PAY-{n}", None, f"finding {n}") for n in range(100, 108))
    plan = replace(base.plan, drift=base.plan.drift + extra)
    text = render_table(Report(base.generated_at, plan, base.themes, base.items))
    assert "unaligned (11)" in text
    assert "… 6 more not shown" in text
    assert "finding 100" in text and "finding 107" not in text


def test_markup_in_titles_is_printed_as_written() -> None:
    """A finding or theme name with rich markup ([bold], [link=...]) is shown literally, never interpreted."""
    base = sample_report()
    themes = tuple(replace(row, name="[bold red]Loud[/] [link=https://evil]x[/link]") for row in base.themes)
    drift = (DriftFinding("unaligned", "PAY-8", None, "[blink]detail[/blink]"),)
    report = Report(base.generated_at, replace(base.plan, drift=drift), themes, base.items)
    text = render_table(report)
    assert "[blink]detail[/blink]" in text
    assert "[bold red]Loud[/]" in text


def test_a_refusal_reason_from_the_tracker_cannot_drive_the_terminal() -> None:
    """A refused change whose reason carries escape sequences (tracker text: a priority or option
    name an admin chose) is listed with its reason made inert (roadsync.escaping.terminal)."""
    from roadsync.changes import FieldChange, WriteOutcome

    hostile = "OPS's priority scheme has \x1b[2J\x1b]8;;https://evil.example\x07P1\x1b]8;;\x07, \u202eP2"
    refused = WriteOutcome(FieldChange("PAY-7", "priority", "Low", "Highest"), "unwritable", hostile)
    report = sample_report(applied={"applied": 0, "unwritable": 1, "not_written": (refused,)})
    for color in (False, True):
        text = render_table(report, color=color, width=200)
        assert "Not written: 1 changes" in text and "P1" in text and "evil.example" in text
        assert "\x1b[2J" not in text and "\x1b]8;;https://evil.example" not in text
        assert "\u202e" not in text and "\x07" not in text
