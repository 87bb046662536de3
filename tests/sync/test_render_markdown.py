"""The Markdown report: headline, escaping, folding, and the 1 MiB job-summary budget."""

from __future__ import annotations

import re

import pytest

from roadsync.changes import FieldChange
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.sync.model import DriftFinding, Plan
from roadsync.sync.render.markdown import FOLD_AFTER, MAX_BYTES, render_markdown
from roadsync.sync.report import ItemRef, Report
from tests.sync.test_render_golden import sample_report

EMPTY = "active 'now' theme with no open work behind it"
NOTICE = re.compile(r"… (\d+) more findings not shown; see the JSON/HTML report")


def big_report(findings: int, changes: int = 0) -> Report:
    """A report with many thousands of unaligned findings (and optionally changes), built by hand."""
    keys = [f"BIG-{n}" for n in range(findings)]
    drift = [DriftFinding("unaligned", key, None, f"open issue matches no theme: task {key} " + "x" * 60)
             for key in keys]  # fmt: skip
    drift.append(DriftFinding("empty_theme", None, "checkout", EMPTY))
    why, rule = "priority P1 from theme checkout", "theme:checkout/block:1"
    moves = [FieldChange(key, "priority", "Low", "High", why, rule) for key in keys[:changes]]
    plan = Plan.build(moves, drift, summary={"items": findings, "open_items": findings, "aligned_share": 0.0})
    items = {key: ItemRef(key, "jira", f"Task {key} with a long title", f"https://jira.example/browse/{key}",
                          "To Do", True) for key in keys}  # fmt: skip
    theme = ThemeCoverage("checkout", "Checkout", "P0", "now", "active", 0.4, 0, 0.0, 0.0, -0.4, "count")
    unaligned = ThemeCoverage(None, "unaligned", None, None, None, None, findings, 0.0, 1.0, None, "count")
    return Report("2024-05-01T09:00:00Z", plan, (theme, unaligned), items)


def test_the_title_opens_the_document_and_the_drift_headline_follows() -> None:
    """The document opens with its title; the next line is exactly ``Drift: N``, N every finding."""
    report = sample_report()
    lines = [line for line in render_markdown(report).splitlines() if line]
    assert lines[:2] == ["## roadsync report", f"Drift: {len(report.plan.drift)}"]
    assert len(report.plan.drift) > 0


def test_roadmap_shows_theme_ids_with_names() -> None:
    """Every theme row carries its id (as code) and its name."""
    text = render_markdown(sample_report())
    for row in sample_report().themes:
        if row.id is not None:
            assert f"| `{row.id}` | {row.name} |" in text


def test_items_link_to_their_tracker() -> None:
    """Item keys are Markdown links to the item's URL."""
    text = render_markdown(sample_report())
    assert "[PAY-8](https://acme.atlassian.net/browse/PAY-8)" in text
    assert "[acme/web\\#11](https://github.com/acme/web/issues/11)" in text


def test_user_content_cannot_inject_html_or_break_tables() -> None:
    """A title with a pipe and a <script> tag stays inside its cell as inert text."""
    text = render_markdown(sample_report())
    assert "<script>" not in text
    assert "Invite teammates \\| &lt;script&gt;alert('x')&lt;/script&gt;" in text
    for line in text.splitlines():
        if line.startswith("| "):
            assert line.endswith(" |")


def test_a_javascript_url_is_never_linked() -> None:
    """An item whose URL is not http(s) shows its key without a link."""
    base = sample_report()
    items = dict(base.items)
    items["PAY-8"] = ItemRef("PAY-8", "jira", "Refactor logging", "javascript:alert(1)", "To Do", True)
    report = Report(base.generated_at, base.plan, base.themes, items)
    text = render_markdown(report)
    assert "javascript:" not in text
    assert "| PAY-8 | Refactor logging |" in text


def test_long_lists_fold_into_details() -> None:
    """A kind with more than FOLD_AFTER findings sits inside a collapsible <details> block."""
    text = render_markdown(big_report(FOLD_AFTER + 1))
    assert f"<details><summary>{FOLD_AFTER + 1} findings</summary>" in text
    assert text.count("<details>") == text.count("</details>") == 1
    assert NOTICE.search(text) is None


def test_short_lists_stay_open() -> None:
    """The small golden dataset needs no <details> and no truncation notice."""
    text = render_markdown(sample_report())
    assert "<details>" not in text
    assert "not shown" not in text


def test_many_thousands_of_findings_fit_the_job_summary_limit() -> None:
    """20,000 findings render under 1 MiB with whole rows only and an explicit notice of what is left out."""
    report = big_report(20_000, changes=3_000)
    text = render_markdown(report, max_bytes=MAX_BYTES)
    encoded = text.encode("utf-8")
    assert len(encoded) <= MAX_BYTES
    assert len(encoded) > MAX_BYTES - 2_000  # the budget is used, not wasted
    notice = NOTICE.search(text)
    assert notice is not None
    shown = len(re.findall(r"^\| \[BIG-\d+\]\(.*\) \| Task BIG-\d+ .* \|$", text, flags=re.MULTILINE))
    assert shown + int(notice.group(1)) == 20_000  # the empty_theme finding is shown
    assert "| `checkout` Checkout | active 'now' theme with no open work behind it |" in text
    assert "more changes not shown; see the JSON/HTML report" in text
    assert text.count("<details>") == text.count("</details>")
    assert "`empty_theme` (1)" in text  # a later section keeps its heading and count
    assert "Drift: 20001" in text.splitlines()[:3]


@pytest.mark.parametrize("limit", [20_000, 65_536, 250_000])
def test_any_limit_is_kept_and_rows_are_never_cut(limit: int) -> None:
    """Whatever the limit, the output stays within it and every table line is a whole row."""
    text = render_markdown(big_report(5_000, changes=500), max_bytes=limit)
    assert len(text.encode("utf-8")) <= limit
    assert NOTICE.search(text) is not None
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|") and line.count("](") <= 1


def test_multibyte_text_is_counted_in_bytes() -> None:
    """The budget counts UTF-8 bytes, not characters: titles in other scripts still fit."""
    report = big_report(3_000)
    title = "支払い画面の改善" * 4
    items = {key: ItemRef(key, "jira", title, ref.url, ref.status, True) for key, ref in report.items.items()}
    heavy = Report(report.generated_at, report.plan, report.themes, items)
    text = render_markdown(heavy, max_bytes=100_000)
    assert len(text.encode("utf-8")) <= 100_000
    assert len(text) < 100_000


def test_a_limit_too_small_for_the_headings_is_refused() -> None:
    """A limit that cannot hold even the headings raises instead of producing a broken document."""
    with pytest.raises(ValueError, match="max_bytes"):
        render_markdown(sample_report(), max_bytes=500)


def test_applied_run_reports_what_was_written() -> None:
    """After apply, the summary counts each change once under its outcome (applied, unwritable,
    failed, skipped); a failed change is not also counted as pending."""
    text = render_markdown(sample_report(applied={"applied": 7, "skipped": 1, "failed": 1}))
    assert "| Changes applied | 7 applied, 0 unwritable, 1 failed, 1 skipped |" in text
    assert "Changes pending" not in text
    assert "### Changes (9: 7 applied)" in text


@pytest.mark.parametrize("findings", [3, 0])
def test_no_changes_never_claims_the_trackers_match_while_drift_remains(findings: int) -> None:
    """With nothing to write, the Changes section says the trackers match the roadmap only when no
    drift remains; otherwise it says the drift is reported, not written."""
    report = big_report(findings)
    if not findings:
        report = Report(report.generated_at, Plan.build([], [], summary={}), report.themes, {})
    text = render_markdown(report)
    assert "No changes to write" in text
    assert ("already match the roadmap" in text) is (report.drift_remaining == 0)
    assert (f"the drift above ({report.drift_remaining}) is reported" in text) is (report.drift_remaining > 0)
