"""``roadsync validate`` as users script it: summary, warnings, JSON document, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roadsync.cli import main

CONFIG = """
[[themes]]
id = "checkout"
name = "Checkout"
priority = "P1"
retire_after = 2020-01-01

[[themes]]
id = "search"
name = "Search"
priority = "P2"

[jira]
url = "https://acme.atlassian.net"
projects = ["PAY", "OPS"]

[github]
org = "acme"
repos = ["acme/web"]
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("JIRA_API_TOKEN", "GITHUB_TOKEN", "ROADSYNC_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "roadsync.toml"
    path.write_text(CONFIG)
    return path


def test_table_summary_and_warnings(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid config prints one summary line on stdout, warnings on stderr, and exits 0 without tokens."""
    code, out, err = run(["validate", "--config", str(config)], capsys)
    assert code == 0, err
    assert out == "ok: 2 themes, sources: jira (2 projects), github (1 repo, org acme)\n"
    assert "warning:" in err and "themes[0].retire_after" in err and "has passed" in err


def test_json_document_when_valid(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format json writes exactly one object with ok, config, themes, warnings and problems."""
    code, out, _ = run(["validate", "--config", str(config), "--format", "json"], capsys)
    document = json.loads(out)
    assert code == 0
    assert (document["ok"], document["config"], document["themes"], document["problems"]) == (
        True, str(config), 2, [])
    assert len(document["warnings"]) == 1


def test_json_document_when_broken(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken config still writes one JSON object (ok false, every problem) and exits 78."""
    config.write_text(CONFIG.replace('priority = "P2"', 'priority = "P9"\nowner_ = "x"'))
    code, out, err = run(["--format", "json", "validate", "--config", str(config)], capsys)
    document = json.loads(out)
    assert code == 78
    assert document["ok"] is False and len(document["problems"]) == 2
    assert any("themes[1].owner_" in p and "did you mean `owner`?" in p for p in document["problems"])
    assert all(problem in err for problem in document["problems"])


def test_config_from_environment_and_output_file(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """$ROADSYNC_CONFIG names the config when --config is absent; --output writes the document there."""
    monkeypatch.setenv("ROADSYNC_CONFIG", str(config))
    target = tmp_path / "out" / "validate.json"
    code, out, _ = run(["validate", "--format", "json", "--output", str(target)], capsys)
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["themes"] == 2


def test_missing_config_says_how_to_create_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without any config file, validate exits 78 and points at roadsync init and the example file."""
    monkeypatch.delenv("ROADSYNC_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["validate"], capsys)
    assert code == 78 and out == ""
    assert "roadsync.toml not found" in err and "roadsync init" in err and "config.example.toml" in err


def test_config_without_trackers_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A config with no tracker section is valid but warns that there is nothing to read."""
    config = tmp_path / "c.toml"
    config.write_text('[[themes]]\nid = "a"\nname = "A"\npriority = "P0"\n')
    code, out, err = run(["validate", "--config", str(config)], capsys)
    assert code == 0 and out == "ok: 1 theme, sources: none\n"
    assert "no [jira] or [github] section" in err


@pytest.mark.parametrize("key", ["title", "text"])
def test_a_double_quoted_regex_with_a_toml_escape_is_a_config_error(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A double-quoted `"(?i)\\bsso\\b"` (TOML reads a backspace) is exit 78 naming the key: single quotes."""
    path = tmp_path / "roadsync.toml"
    block = f'\n[[themes.match]]\n{key} = "(?i)\\bsso\\b"\n'
    path.write_text(CONFIG.replace('priority = "P2"\n', 'priority = "P2"\n' + block, 1))
    code, out, err = run(["validate", "--config", str(path)], capsys)
    assert code == 78, out + err
    assert f"themes[1].match[0].{key}" in err and "single quotes" in err and "\\bsso\\b" in err
    assert "\b" not in err  # the backspace itself is shown as typed, never printed raw
    code, _, err = run(["plan", "--offline", "--config", str(path)], capsys)
    assert code == 78 and "single quotes" in err
    path.write_text(CONFIG.replace('priority = "P2"\n', 'priority = "P2"\n' + block.replace('"', "'"), 1))
    assert run(["validate", "--config", str(path)], capsys)[0] == 0


@pytest.mark.parametrize("roadmap", [None, "themes = []\n"])
def test_a_roadmap_without_themes_is_a_config_error(
    roadmap: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No themes (inline or in the roadmap file) is exit 78 with one line saying what to add."""
    config = tmp_path / "roadsync.toml"
    tracker = '[jira]\nurl = "https://acme.atlassian.net"\nprojects = ["PAY"]\n'
    if roadmap is not None:
        (tmp_path / "roadmap.toml").write_text(roadmap)
        tracker = 'roadmap = "roadmap.toml"\n' + tracker
    config.write_text(tracker)
    code, out, err = run(["validate", "--config", str(config)], capsys)
    assert code == 78 and out == "", err
    problems = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(problems) == 1 and "themes: the roadmap has no themes" in problems[0]
    assert "add a [[themes]] table" in problems[0]
    assert problems[0].strip().startswith(str(tmp_path / ("roadmap.toml" if roadmap else "roadsync.toml")))
    code, out, _ = run(["validate", "--config", str(config), "--format", "json"], capsys)
    document = json.loads(out)
    assert code == 78 and not document["ok"] and document["problems"] == [problems[0].strip()]


def test_no_themes_is_reported_beside_the_other_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate reports every problem at once: a typo in [jira] does not hide that there are no
    themes (it used to be found only after everything else was fixed: two rounds for one file)."""
    config = tmp_path / "roadsync.toml"
    config.write_text('[jira]\nurl = "https://acme.atlassian.net"\nprojects = ["PAY"]\nprojcts = 1\n')
    code, out, err = run(["validate", "--config", str(config)], capsys)
    problems = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    assert code == 78 and out == "", err
    assert len(problems) == 2, problems
    assert any("projcts" in line for line in problems)
    assert any("themes: the roadmap has no themes" in line for line in problems)
    # pull needs no roadmap: it still gets past the config (and fails only on the typo)
    code, _, err = run(["pull", "--config", str(config)], capsys)
    assert code == 78 and "no themes" not in err
