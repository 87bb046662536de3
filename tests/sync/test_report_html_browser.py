"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``) loads the file.

Checks the DOM after the page's scripts ran (one bar per theme, counts equal to the JSON,
tables made sortable, a header click sorts), and saves a screenshot to
``artifacts/report-1280.png`` at the repo root for people to look at. CI installs chromium
(``.ci/run``); there, a missing browser fails the test. Elsewhere it skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from roadsync.sync.render.html import render_html
from tests.sync.test_render_golden import sample_report
from tests.sync.test_render_html import Elements

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
TIMEOUT = 90

# Clicks the "Open items" header of the coverage table twice (descending), then records the order.
CLICK_SORT = """<script>
(function () {
  var table = document.getElementById("coverage");
  var header = table.tHead.rows[0].cells[5];
  header.click(); header.click();
  var order = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return r.cells[5].textContent;
  });
  document.body.setAttribute("data-sorted-open", order.join(","));
  document.body.setAttribute("data-sort-state", header.getAttribute("aria-sort"));
})();
</script>
</body>"""


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        message = "chromium is not installed (apt-get install chromium); the HTML report cannot be checked"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    return found


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[list[str]]:
    """The chromium command line, headless and offline, with a throwaway profile."""
    profile = tmp_path / "profile"
    profile.mkdir()
    yield [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
        "--hide-scrollbars", f"--user-data-dir={profile}",
    ]  # fmt: skip


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


def test_dom_after_scripts_matches_the_json(browser: list[str], tmp_path: Path) -> None:
    """In Chromium the page shows one bar per theme and the JSON's open items and drift counts."""
    report = sample_report()
    document = report.to_json()
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    dom = Elements(_run([*browser, "--dump-dom", page_file.as_uri()]))

    bars = dom.find("rect", data_theme="*")
    themes = [row for row in document["themes"] if row["id"] is not None]
    assert [bar["data-theme"] for bar in bars] == [row["id"] for row in themes]
    assert [int(str(bar["data-open"])) for bar in bars] == [row["open_items"] for row in themes]
    kinds = {str(li["data-kind"]): int(str(li["data-count"])) for li in dom.find("li", data_count="*")
             if li.get("data-kind")}  # fmt: skip
    assert kinds == document["summary"]["drift_by_kind"]
    rows = {str(tr["data-theme-row"]): int(str(tr["data-open"])) for tr in dom.find("tr", data_theme_row="*")}
    assert rows == {row["id"] or "": row["open_items"] for row in document["themes"]}
    assert len(dom.find("table", data_sortable_ready="true")) == 4  # the sorting script ran


def test_clicking_a_header_sorts_the_table(browser: list[str], tmp_path: Path) -> None:
    """Two clicks on "Open items" sort the coverage table by open items, descending."""
    report = sample_report()
    page_file = tmp_path / "sort.html"
    page_file.write_text(render_html(report).replace("</body>", CLICK_SORT), encoding="utf-8")
    dom = Elements(_run([*browser, "--dump-dom", page_file.as_uri()]))
    body = dom.find("body")[0]
    expected = sorted((row.open_items for row in report.themes), reverse=True)
    assert body["data-sorted-open"] == ",".join(str(n) for n in expected)
    assert body["data-sort-state"] == "descending"


def test_screenshot_is_saved_as_an_artifact(browser: list[str], tmp_path: Path) -> None:
    """A 1280-pixel-wide screenshot of the report lands in artifacts/ as a PNG."""
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(sample_report()), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-1280.png"
    shot.unlink(missing_ok=True)
    _run([*browser, f"--screenshot={shot}", "--window-size=1280,2000", page_file.as_uri()])
    (ARTIFACTS / "report.html").write_text(page_file.read_text(encoding="utf-8"), encoding="utf-8")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 1280  # IHDR width
    assert len(data) > 50_000  # a rendered page, not a blank one


# Measures the trend chart as laid out: its size, its points and roadmap-edit marks on screen.
MEASURE_TREND = """<script>
(function () {
  var svg = document.getElementById("trend");
  var box = svg.getBoundingClientRect();
  var shown = function (el) { var r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  var points = Array.prototype.filter.call(svg.querySelectorAll("circle.point"), shown);
  var tall = function (el) { return el.getBoundingClientRect().height > 20; };  // vertical: no width
  var edits = Array.prototype.filter.call(svg.querySelectorAll("g.roadmap-edit line"), tall);
  var cells = svg.querySelectorAll("g.theme-trend polyline.line");
  document.body.setAttribute("data-trend-size", Math.round(box.width) + "x" + Math.round(box.height));
  document.body.setAttribute("data-trend-points", points.length);
  document.body.setAttribute("data-trend-edits", edits.length);
  document.body.setAttribute("data-trend-lines", cells.length);
  document.body.setAttribute("data-trend-root", svg.tagName + "#" + svg.id);
})();
</script>
</body>"""


def test_twelve_weeks_of_trend_render_with_roadmap_edits_marked(browser: list[str], tmp_path: Path) -> None:
    """Twelve weeks of history draw in Chromium as <svg id="trend">: one point per snapshot on screen,
    both roadmap edits marked on every chart, a line per theme; the screenshot lands in artifacts/."""
    from tests.sync.weeks import weekly_report

    report = weekly_report(12)
    document = report.to_json()
    page = render_html(report)
    page_file = tmp_path / "trend.html"
    page_file.write_text(page.replace("</body>", MEASURE_TREND), encoding="utf-8")
    dom = Elements(_run([*browser, "--window-size=1280,1900", "--dump-dom", page_file.as_uri()]))
    body = dom.find("body")[0]
    themes = [row["id"] for row in document["themes"] if row["id"]]
    assert body["data-trend-root"] == "svg#trend"
    assert body["data-trend-points"] == str(len(document["history"])) == "12"
    assert body["data-trend-edits"] == str(2 * (1 + len(themes)))  # the big chart and every theme's
    assert body["data-trend-lines"] == str(len(themes))
    width, height = (int(n) for n in str(body["data-trend-size"]).split("x"))
    assert width > 900 and height > 400
    circles = dom.find("circle", data_at="*")
    assert [c["data-at"] for c in circles] == [entry["at"] for entry in document["history"]]
    shares = [float(str(circle["data-aligned-share"])) for circle in circles]
    assert shares == [entry["aligned_share"] for entry in document["history"]]
    marked = {str(g["data-at"]) for g in dom.find("g", data_at="*") if "roadmap-edit" in str(g.get("class"))}
    assert marked == set(document["trend"]["roadmap_edits"]) == {document["history"][4]["at"],
                                                                 document["history"][8]["at"]}  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-trend-1280.png"
    shot.unlink(missing_ok=True)
    page_file.write_text(page, encoding="utf-8")
    _run([*browser, f"--screenshot={shot}", "--window-size=1280,1900", page_file.as_uri()])
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
