"""Hostile tracker text reaches every renderer of every verb and stays inert in each medium.

Jira and GitHub items in the sandbox carry script payloads (four kinds), GitHub mentions and
references, links and images, terminal control sequences and a very long unbroken title. Every
verb that shows tracker text (report, plan, apply, sync, explain, roadmap, doctor) runs through
the real CLI in every format, and:

* HTML: headless Chromium loads each page; no payload script runs (a script that ran would set
  an attribute on <body> that the page's own text never spells out), and the long title does
  not widen the page beyond the window;
* Markdown: cmark-gfm (GitHub's renderer, through ``cmarkgfm``) renders it with raw HTML allowed
  and no tag filter, and the HTML holds no element from tracker text, no link but the item links,
  no image; its text holds nothing GitHub's mention and reference filters would link
  (they run on the rendered text, outside <a>, <code> and <pre>: github/markup#1168);
* every output, log line and error line holds no control character but newline and tab.
"""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from roadsync.sandbox.server import Sandbox, start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, write_config
from tests.sync.test_render_html import Elements

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"

# A script that runs sets data-ran<N> on <body>; the payload text spells it "data-r'+'an<N>".
SCRIPTS = [
    "<script>document.body.setAttribute('data-r'+'an1','y')</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-r'+'an2','y')\">",
    "<svg onload=\"document.body.setAttribute('data-r'+'an3','y')\"></svg>",
    "\"><iframe srcdoc=\"<script>parent.document.body.setAttribute('data-r'+'an4','y')</script>\"></iframe>",
    "[click](javascript:document.body.setAttribute('data-r'+'an5','y'))",
]
MENTIONS = ("@mona and @acme/security-team see #1, acme/web#2, GH-3, 5e2a1b9c7d and "
            "mona@evil.example")
LINKS = ("https://evil.example/x www.evil.example <https://evil.example/a> [here](https://evil.example/b) "
         "![pixel](https://evil.example/p.png) <img src=https://evil.example/q.png>")
CONTROLS = ("\x00 \x1b[2J\x1b[31m red \x07 \x1b]8;;https://evil.example/osc\x07osc8\x1b]8;;\x07 "
            "\x9b31m \x7f \u202eevil")
LONG = "W" * 600 + " end"
RAN = re.compile(r"<body[^>]*\bdata-ran\d")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMATS = ("table", "json", "markdown", "html")


def _hostile_fixture() -> dict[str, Any]:
    fixture = small_fixture()
    titles = {"PAY-1": SCRIPTS[0], "PAY-2": SCRIPTS[1] + " " + MENTIONS, "PAY-3": SCRIPTS[2] + " " + LINKS,
              "PAY-4": CONTROLS, "PAY-5": LONG, "CORE-1": SCRIPTS[3], "CORE-2": SCRIPTS[4]}
    for issue in fixture["jira"]["issues"]:
        if issue["key"] in titles:
            issue["summary"] = titles[issue["key"]]
    github = {1: MENTIONS, 2: LINKS + " " + SCRIPTS[1], 3: CONTROLS + " " + SCRIPTS[0]}
    for issue in fixture["github"]["issues"]:
        if issue["repo"] == "web" and issue["number"] in github:
            issue["title"] = github[issue["number"]]
            issue["labels"] = [*issue.get("labels", []), "@mona#1", "<b>x</b>"]
    return fixture


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("hostile")
    with start_sandbox(_hostile_fixture()) as sb:
        yield sb, write_config(sb, folder / "roadsync.toml"), cli_env(sb)


def _outputs(config: Path, env: dict[str, str]) -> dict[str, str]:
    """Every verb that shows tracker text, in every format: name -> document (stdout)."""
    docs: dict[str, str] = {}
    plan = config.parent / "plan.json"
    runs: list[tuple[str, ...]] = [("report",), ("plan", "--out", str(plan)), ("roadmap",), ("doctor",)]
    runs += [("explain", key) for key in ("PAY-1", "PAY-2", "PAY-3", "PAY-4", "acme/web#1", "acme/web#3")]
    output = config.parent / "document"
    for args in runs:
        for fmt in FORMATS:
            code, _, err = run_cli(config, *args, "--output", str(output), env=env, fmt=fmt)
            assert code in (0, 1), err  # doctor may find the sandbox's fields lacking; never a crash
            assert "Traceback" not in err and not CONTROL.search(err), err
            docs[f"{' '.join(args[:2] if args[0] == 'explain' else args[:1])} {fmt}"] = output.read_text()
    for fmt in ("json", "table", "markdown", "html"):  # apply the reviewed plan, then sync
        args = ("apply", str(plan)) if fmt == "json" else ("sync",)
        logs = ("--log-format", "json") if fmt == "json" else ("--debug",) if fmt == "table" else ()
        code, _, err = run_cli(config, *args, *logs, "--output", str(output), env=env, fmt=fmt)
        assert code == 0 and not CONTROL.search(err), err
        docs[f"{args[0]} {fmt}"] = output.read_text()
    return docs


@pytest.fixture(scope="module")
def documents(hostile: tuple[Sandbox, Path, dict[str, str]]) -> dict[str, str]:
    _, config, env = hostile
    return _outputs(config, env)


def test_no_control_character_reaches_any_output(documents: dict[str, str]) -> None:
    """No document of any verb or format holds NUL, ESC, BEL, C1 or bidi control characters."""
    found = {name: repr(CONTROL.search(doc).group(0)) for name, doc in documents.items()  # type: ignore[union-attr]
             if CONTROL.search(doc)}
    assert found == {}
    assert any("␛" in doc for doc in documents.values()), "escape sequences are shown, not dropped"


# Text outside <a>, <code>, <pre> that GitHub's filters would turn into a mention or reference
# (html-pipeline's MentionFilter and IssueReferenceFilter patterns), or its autolinker into a link.
GITHUB_LINKERS = re.compile(r"@[A-Za-z0-9]|#\d|\bGH-\d|://|\bwww\.|\b[0-9a-f]{7,40}\b", re.IGNORECASE)


def _prose(rendered: str) -> str:
    without = re.sub(r"<(a|code|pre)\b.*?</\1>", " ", rendered, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", without)


def test_markdown_is_inert_on_github(documents: dict[str, str], hostile: tuple[Sandbox, Path, Any]) -> None:
    """Rendered by cmark-gfm, no Markdown document holds an element, image or link from tracker
    text, and its prose holds nothing GitHub would turn into a mention, reference or link."""
    sandbox = hostile[0]
    allowed = {"table", "thead", "tbody", "tr", "th", "td", "h2", "h3", "h4", "p", "em", "strong", "code",
               "ul", "li", "details", "summary", "blockquote", "a", "pre"}
    checked = 0
    for name, doc in documents.items():
        if not name.endswith(" markdown"):
            continue
        checked += 1
        rendered = cmarkgfm.github_flavored_markdown_to_html(doc, options=Options.CMARK_OPT_UNSAFE)
        tags = {tag for tag, _ in Elements(rendered).tags}
        assert tags <= allowed, (name, tags - allowed)
        for link in Elements(rendered).find("a", href="*"):
            href = str(link["href"])
            ours = (sandbox.jira_url, sandbox.github_url, "https://github.com/")
            assert href.startswith(ours), (name, href)
        assert not GITHUB_LINKERS.search(_prose(rendered)), (name, GITHUB_LINKERS.search(_prose(rendered)))
    assert checked >= 11
    report = documents["report markdown"] + documents["explain PAY-2 markdown"]
    assert "@\u200dmona" in report and "\\#\u200d1" in report  # the exact text: joined, not escaped away


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI: chromium is not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _browser(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
               "--hide-scrollbars", f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# Measures, after layout, whether the page is wider than the window or any cell's text spills
# out of its cell (over its neighbours).
MEASURE = """<script>
var spills = Array.prototype.filter.call(document.querySelectorAll("td, th, pre"), function (c) {
  return c.scrollWidth > c.clientWidth + 1;
});
document.body.setAttribute("data-overflow",
  String(document.documentElement.scrollWidth > window.innerWidth + 1 || spills.length > 0));
</script></body>"""


def test_html_runs_no_payload_and_keeps_its_layout(documents: dict[str, str], tmp_path: Path) -> None:
    """In headless Chromium no payload script of any HTML document runs, and a 600-character
    unbroken title does not make the page wider than a 1280-pixel window (both checked with the
    page's Content-Security-Policy removed, so escaping alone must hold)."""
    pages = {name: doc for name, doc in documents.items() if name.endswith(" html")}
    assert len(pages) >= 11
    for name, doc in pages.items():
        page = tmp_path / (re.sub(r"\W+", "-", name) + ".html")
        # Without its Content-Security-Policy the page relies on escaping alone (and the
        # measuring script may run).
        bare = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", doc)
        page.write_text(bare.replace("</body>", MEASURE), encoding="utf-8")
        dom = _browser(tmp_path, "--window-size=1280,2000", "--dump-dom", page.as_uri())
        assert "<body" in dom, name
        assert not RAN.search(dom), f"a payload script ran in {name}"
        assert 'data-overflow="false"' in dom, f"{name} is wider than the window"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-hostile-1280.png"
    page = tmp_path / "report.html"
    page.write_text(documents["report html"], encoding="utf-8")
    _browser(tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_terminal_sees_no_tracker_escape_sequence(hostile: tuple[Sandbox, Path, dict[str, str]]) -> None:
    """``roadsync report`` at a real terminal (a pseudo-terminal: colours and links on) prints no
    BEL and no escape sequence from tracker text, only its own styling."""
    _, config, env = hostile
    main, child = pty.openpty()
    command = [sys.executable, "-m", "roadsync", "report", "--offline", "--config", str(config)]
    environ = {**os.environ, **env, "COLUMNS": "200"}
    process = subprocess.Popen(command, stdout=child, stderr=child, env=environ, cwd=REPO)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=120) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[" in screen, "colours are on, so this really is the terminal path"
    assert "\x07" not in screen and "\x1b[2J" not in screen and "evil.example/osc" not in screen.split("␛")[0]
    assert "\x1b]8;;https://evil.example" not in screen and "\x00" not in screen and "\x9b" not in screen
    assert "␛]8;;https://evil.example/osc␇" in screen or "␛" in screen
