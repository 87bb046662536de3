"""The HTML report as a document: self-contained, escaped, and carrying the numbers of the JSON.

These read the HTML with the standard library's parser; ``test_report_html_browser.py`` checks
the page after a real browser ran its scripts.
"""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

from roadsync.sync.render.html import render_html
from roadsync.sync.report import ItemRef, Report
from tests.sync.test_render_golden import sample_report

EVIL = "<script>alert('pwned')</script>"


class Elements(HTMLParser):
    """Every start tag with its attributes, and all text, of a document."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        found = []
        for name, have in self.tags:
            present = all(key.replace("_", "-") in have for key in attrs if attrs[key] == "*")
            equal = all(have.get(key.replace("_", "-")) == want for key, want in attrs.items() if want != "*")
            if name == tag and present and equal:
                found.append(have)
        return found


def evil_report() -> Report:
    """The sample report with hostile text in every user-controlled place."""
    base = sample_report()
    themes = tuple(replace(row, name=f"{row.name} {EVIL}") for row in base.themes)
    items = {key: ref._replace(title=f"{ref.title} {EVIL}") for key, ref in base.items.items()}
    items["PAY-8"] = ItemRef("PAY-8", "jira", EVIL, "javascript:alert(1)", "To Do", True)
    return Report(base.generated_at, base.plan, themes, items, title=f"Q3 {EVIL}")


def test_one_bar_per_theme_with_its_open_items() -> None:
    """The chart has one bar per roadmap theme with the JSON's open items, and one unaligned bar."""
    report = sample_report()
    page = Elements(render_html(report))
    bars = page.find("rect", data_theme="*")
    expected = {row["id"]: str(row["open_items"]) for row in report.to_json()["themes"] if row["id"]}
    assert {bar["data-theme"]: bar["data-open"] for bar in bars} == expected
    assert len(bars) == len(expected)
    unaligned = page.find("rect", data_unaligned="true")
    assert len(unaligned) == 1 and unaligned[0]["data-open"] == "3"


def test_targets_are_marked_where_the_roadmap_sets_them() -> None:
    """Every theme with a target share has a target marker at that share, and no other theme does."""
    report = sample_report()
    page = Elements(render_html(report))
    markers = sorted(str(m["data-target"]) for m in page.find("g", data_target="*"))
    assert markers == sorted(str(row.target_share) for row in report.themes if row.target_share is not None)


def test_drift_counts_by_kind_match_the_json() -> None:
    """The drift panel lists every kind with the count the JSON reports."""
    report = sample_report()
    page = Elements(render_html(report))
    shown = {li["data-kind"]: int(str(li["data-count"])) for li in page.find("li", data_count="*")
             if li.get("data-kind")}  # fmt: skip
    assert shown == report.to_json()["summary"]["drift_by_kind"]


def test_user_content_is_escaped_everywhere() -> None:
    """Titles, theme names and the report title containing <script> never become markup."""
    document = render_html(evil_report())
    page = Elements(document)
    assert "<script>alert" not in document
    assert [tag for tag, _ in page.tags].count("script") == 1  # only the report's own sorting script
    assert any(EVIL in text for text in page.text)
    assert "javascript:" not in document


def test_the_page_needs_no_network() -> None:
    """No stylesheet, script, image or font is loaded from anywhere; a CSP forbids it too."""
    document = render_html(sample_report())
    page = Elements(document)
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        if tag == "link":
            raise AssertionError(f"external resource: {attrs}")
    assert "@import" not in document and "url(http" not in document
    csp = page.find("meta", http_equiv="Content-Security-Policy")
    assert csp and "default-src 'none'" in str(csp[0]["content"])
    hrefs = [str(attrs["href"]) for tag, attrs in page.tags if tag == "a"]
    trackers = ("https://acme.atlassian.net/", "https://github.com/acme/")
    assert hrefs and all(h.startswith(trackers) for h in hrefs)


def test_tables_are_sortable_and_hold_the_plan() -> None:
    """Coverage, unaligned work, findings and plan are sortable tables; the plan has every change."""
    report = sample_report()
    page = Elements(render_html(report))
    tables = {str(t["id"]) for t in page.find("table", **{"class": "sortable"})}
    assert tables == {"coverage", "unaligned", "findings", "plan"}
    plan_rows = [attrs for tag, attrs in page.tags if tag == "tr" and "data-item" in attrs]
    unaligned = {ref.key for ref in report.unaligned_items}
    changed = [str(r["data-item"]) for r in plan_rows if r["data-item"] not in unaligned]
    assert sorted(changed) == sorted(c.item for c in report.plan.changes if c.item not in unaligned)


def test_an_empty_report_still_renders() -> None:
    """With no drift and no changes the page says so instead of showing empty tables."""
    base = sample_report()
    plan = replace(base.plan, changes=(), drift=())
    document = render_html(Report(base.generated_at, plan, base.themes, base.items))
    assert "No drift: the backlog follows the roadmap." in document
    assert "No changes planned" in document


def test_the_trend_escapes_theme_ids_and_names() -> None:
    """A theme id and name holding <script> (a hand-edited report JSON) stay text in the trend
    chart, its answers and its tooltips."""
    from tests.sync.weeks import weekly_report

    base = weekly_report(3)
    bad = f"checkout{EVIL}"
    themes = tuple(replace(row, id=bad, name=f"{row.name} {EVIL}") if row.id == "checkout" else row
                   for row in base.themes)  # fmt: skip
    history = tuple(
        replace(point, themes={(bad if key == "checkout" else key): v for key, v in point.themes.items()})
        for point in base.history
    )
    document = render_html(replace(base, themes=themes, history=history))
    page = Elements(document)
    assert "<script>alert" not in document
    assert [tag for tag, _ in page.tags].count("script") == 1
    assert next(cell["data-theme"] for cell in page.find("g", data_theme="*")) == bad
    assert any(EVIL in text for text in page.text)
