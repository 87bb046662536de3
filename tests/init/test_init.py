"""``roadsync init`` against the sandbox trackers over real HTTP: the config and draft roadmap it
writes pass ``validate`` and ``doctor``, it never writes a token, and it never overwrites by default."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from roadsync.cli import main
from roadsync.init.discover import propose_themes
from tests.cli.terminal import run_on_a_terminal

Run = tuple[int, str, str]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


def init_args(sandbox: Any, config: Path, *extra: str) -> list[str]:
    email = ["--jira-email", sandbox.jira_email] if sandbox.jira_flavor == "cloud" else []
    return ["init", "--non-interactive", "--config", str(config), "--jira-url", sandbox.jira_url, *email,
            "--github-url", sandbox.github_url, "--github-org", "acme", "--project-number", "1", *extra]


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Put a sandbox's tokens in the default variables init reads (JIRA_API_TOKEN, GITHUB_TOKEN)."""

    def put(sandbox: Any) -> Any:
        monkeypatch.setenv("JIRA_API_TOKEN", sandbox.jira_token)
        monkeypatch.setenv("GITHUB_TOKEN", sandbox.github_token)
        return sandbox

    return put


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_init_writes_a_config_that_validate_and_doctor_accept(
    sandbox_factory: Any, tokens: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], flavor: str
) -> None:
    """init --non-interactive writes config + draft roadmap; validate and doctor pass; nothing was written."""
    sandbox = tokens(sandbox_factory("demo", jira_flavor=flavor))
    sandbox.reset_stats()
    config = tmp_path / "roadsync.toml"
    code, out, err = run_cli(capsys, *init_args(sandbox, config), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["jira"]["projects"] == ["PAY", "CORE"] and document["github"]["board"] == 1
    assert 5 <= len(document["themes"]) <= 8
    roadmap = (tmp_path / "roadmap.toml").read_text(encoding="utf-8")
    assert "DRAFT" in roadmap and "[[themes.match]]" in roadmap
    assert not [line for line in roadmap.splitlines() if line.startswith("target_share")]
    text = config.read_text(encoding="utf-8")
    assert text.count('policy = "report"') == 3 and "enforce" in text
    assert run_cli(capsys, "validate", "--config", str(config))[0] == 0
    code, out, _ = run_cli(capsys, "doctor", "--config", str(config), "--format", "json")
    assert code == 0, [c for c in json.loads(out)["checks"] if not c["ok"]]
    stats = sandbox.stats()
    assert stats["jira"]["writes"] == stats["github"]["writes"] == 0


def test_init_never_writes_a_token(
    sandbox_factory: Any, tokens: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither file nor the output holds a token value; the config names the variables instead."""
    sandbox = tokens(sandbox_factory("demo"))
    code, out, err = run_cli(capsys, *init_args(sandbox, tmp_path / "roadsync.toml"))
    assert code == 0, err
    written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.toml"))
    for token in (sandbox.jira_token, sandbox.github_token):
        assert token not in written and token not in out and token not in err
    assert 'token_env = "JIRA_API_TOKEN"' in written and 'token_env = "GITHUB_TOKEN"' in written


def test_init_refuses_to_overwrite_without_force(
    sandbox_factory: Any, tokens: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing config is left alone (exit 64, no request sent); --force replaces it."""
    sandbox = tokens(sandbox_factory("demo"))
    config = tmp_path / "roadsync.toml"
    config.write_text("# mine\n", encoding="utf-8")
    sandbox.reset_stats()
    code, _, err = run_cli(capsys, *init_args(sandbox, config))
    assert code == 64 and "--force" in err and "already exists" in err
    assert config.read_text(encoding="utf-8") == "# mine\n" and not (tmp_path / "roadmap.toml").exists()
    assert sandbox.stats()["jira"]["reads"] == 0
    code, _, err = run_cli(capsys, *init_args(sandbox, config, "--force"))
    assert code == 0, err
    assert "[jira]" in config.read_text(encoding="utf-8")


def test_init_refuses_to_overwrite_an_existing_roadmap(
    sandbox_factory: Any, tokens: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing roadmap beside the config also stops init with exit 64."""
    sandbox = tokens(sandbox_factory("demo"))
    (tmp_path / "roadmap.toml").write_text("# the PM's\n", encoding="utf-8")
    code, _, err = run_cli(capsys, *init_args(sandbox, tmp_path / "roadsync.toml"))
    assert code == 64 and "roadmap.toml" in err
    assert not (tmp_path / "roadsync.toml").exists()


def test_init_without_the_token_variable_is_a_config_error(
    sandbox_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token variable that is not set exits 78 naming it, and writes no file."""
    sandbox = sandbox_factory("demo")
    monkeypatch.delenv("ROADSYNC_TEST_NO_TOKEN", raising=False)
    code, _, err = run_cli(capsys, *init_args(sandbox, tmp_path / "roadsync.toml"),
                           "--jira-token-env", "ROADSYNC_TEST_NO_TOKEN")
    assert code == 78 and "ROADSYNC_TEST_NO_TOKEN" in err
    assert not list(tmp_path.glob("*.toml"))


def test_init_without_a_terminal_says_to_use_non_interactive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plain `init` with no terminal exits 64 naming --non-interactive and writes nothing (not 130)."""
    config = tmp_path / "roadsync.toml"
    code, out, err = run_cli(capsys, "init", "--config", str(config))
    assert code == 64 and "--non-interactive" in err and "aborted" not in err
    assert len(err.strip().splitlines()) == 1 and out == ""
    assert not list(tmp_path.iterdir())


def test_init_interactive_asks_and_writes_named_projects(
    sandbox_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Answers typed at a terminal (Jira URL, email, token variable, project, repo, board) make the config."""
    sandbox = sandbox_factory("demo")
    answers = {
        "Jira URL (blank to skip Jira)": sandbox.jira_url,
        "Jira account email": sandbox.jira_email,
        "Variable holding the Jira token": "JIRA_API_TOKEN",
        "Jira project keys": "PAY",
        "GitHub organization": "",
        "GitHub repositories owner/name": "acme/web",
        "GitHub API URL": sandbox.github_url,
        "Variable holding the GitHub token": "GITHUB_TOKEN",
        "Projects v2 board number": "",
    }
    env = {**os.environ, "JIRA_API_TOKEN": sandbox.jira_token, "GITHUB_TOKEN": sandbox.github_token}
    config = tmp_path / "roadsync.toml"
    code, shown = run_on_a_terminal(["init", "--config", str(config)], env, answers=answers)
    assert code == 0, shown[-3000:]
    text = config.read_text(encoding="utf-8")
    assert 'projects = ["PAY"]' in text and 'repos = ["acme/web"]' in text
    assert "\n[github.project]" not in text and "# Projects boards found: #1 Roadmap" in text
    assert '# owner = "acme"' in text
    assert 'github = { target = "label", prefix = "priority/" }' in text
    assert run_cli(capsys, "validate", "--config", str(config))[0] == 0


def test_themes_are_ranked_by_open_items() -> None:
    """Labels, components and epics compete by open item count; generic and prefixed labels are skipped."""
    from roadsync.connectors.model import Item

    def item(key: str, **kw: Any) -> Item:
        return Item(source="jira", key=key, scope="PAY", url="", kind=kw.pop("kind", "issue"),
                    title=kw.pop("title", key), **kw)

    items = [
        item("PAY-1", kind="epic", title="Checkout v2"),
        *(item(f"PAY-{n}", parent="PAY-1", labels=("bug", "theme:x")) for n in range(2, 6)),
        *(item(f"PAY-{n}", components=("risk",)) for n in range(6, 9)),
        item("PAY-9", labels=("mobile",), status_category="done"),
        item("PAY-10", labels=("mobile",)),
    ]
    drafts = propose_themes(items)
    assert [(d.id, d.kind, d.value, d.count) for d in drafts] == [
        ("checkout-v2", "epics", "PAY-1", 4),
        ("risk", "components", "risk", 3),
        ("mobile", "labels", "mobile", 1),
    ]


def test_site_text_cannot_inject_config_lines(
    sandbox_factory: Any, tokens: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A board title with newlines, TOML and control characters stays inside its comment: the
    written config validates and sets nothing the title spelled out."""
    import copy

    from roadsync.sandbox.demo import demo_fixture

    seed = copy.deepcopy(dict(demo_fixture()))
    seed["github"]["project"]["title"] = 'Roadmap\n[run]\nallow_insecure_http = true\n# \x7f\x1b[2J"'
    sandbox = tokens(sandbox_factory(seed))
    config = tmp_path / "roadsync.toml"
    code, _, err = run_cli(capsys, *init_args(sandbox, config))
    assert code == 0, err
    text = config.read_text(encoding="utf-8")
    code_lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code_lines if "allow_insecure_http" in line or line.strip() == "[run]"][1:]
    assert "\x1b" not in text and "\x7f" not in text
    assert run_cli(capsys, "validate", "--config", str(config))[0] == 0
    from roadsync.config.load import load_settings

    assert load_settings(config, env={}).model.run.allow_insecure_http is False
