"""start_sandbox: both trackers on loopback, shared control API, info document and config file."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from roadsync.config.model import SettingsModel
from tests.conftest import SandboxFactory


def test_info_document_has_the_contract_shape(sandbox_factory: SandboxFactory) -> None:
    """info() names both trackers, their tokens, projects, repos, the board and the control URL."""
    sb = sandbox_factory("demo", jira_flavor="datacenter", jira_token="jt-1234", github_token="gt-5678")
    info = sb.info()
    assert info["jira"] == {
        "url": sb.jira_url,
        "flavor": "datacenter",
        "email": "roadsync-bot@example.com",
        "token": "jt-1234",
        "projects": ["PAY", "CORE"],
    }
    assert info["github"] == {
        "url": sb.github_url,
        "graphql_url": sb.github_url + "/graphql",
        "token": "gt-5678",
        "repos": ["acme/web", "acme/mobile", "acme/api"],
        "project": {"owner": "acme", "number": 1},
        "app": {"id": 1000001, "client_id": "Iv23li00000001000001", "slug": "roadsync-sandbox",
                "installation_id": 50000001, "private_key": sb.app_private_key},
    }
    assert sb.app_private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert [set(p) for p in info["people"]] == [{"name", "jira", "github"}]
    assert info["people"][0]["github"]["login"] == "pat-person"
    assert info["control"] == sb.github_url + "/_sandbox" and info["config"] is None
    assert info["env"] == {
        "ROADSYNC_SANDBOX_JIRA_TOKEN": "jt-1234",
        "ROADSYNC_SANDBOX_GITHUB_TOKEN": "gt-5678",
    }


def test_tokens_are_random_unless_given(sandbox_factory: SandboxFactory) -> None:
    """Two sandboxes started without tokens accept different tokens."""
    a, b = sandbox_factory(None), sandbox_factory(None)
    assert a.jira_token != b.jira_token and a.github_token != b.github_token


def test_stats_count_tracker_requests_through_either_server(demo_sandbox: object) -> None:
    """Reads and writes made with the real tokens show in /stats on both servers, with issue counts."""
    from roadsync.sandbox.server import Sandbox

    assert isinstance(demo_sandbox, Sandbox)
    sb = demo_sandbox
    gh = {"Authorization": f"token {sb.github_token}"}
    with httpx.Client(timeout=10) as client:
        assert (
            client.get(sb.jira_url + "/rest/api/2/myself", auth=(sb.jira_email, sb.jira_token)).status_code
            == 200
        )
        assert client.get(sb.github_url + "/repos/acme/web/issues", headers=gh).status_code == 200
        added = client.post(
            sb.github_url + "/repos/acme/web/issues/2/labels", headers=gh, json={"labels": ["x"]}
        )
        via_jira = client.get(sb.jira_url + "/_sandbox/stats").json()
    assert added.status_code == 200
    assert via_jira == sb.stats()
    assert via_jira["jira"] == {"reads": 1, "writes": 0, "issues": 211, "notifications": 0}
    assert via_jira["github"]["reads"] == 1 and via_jira["github"]["writes"] == 1
    assert via_jira["github"]["issues"] == 179  # pull requests excluded
    sb.reset_stats()
    assert sb.stats()["github"]["writes"] == 0


def test_faults_set_at_start_and_at_run_time(sandbox_factory: SandboxFactory) -> None:
    """fault_rate at start fails requests; set_faults(rate=0) heals them at once."""
    sb = sandbox_factory(None, fault_rate=1.0, fault_seed=4)
    sb.set_faults(retry_after_s=0)
    with httpx.Client(timeout=10) as client:
        failing = client.get(sb.github_url + "/user", headers={"Authorization": f"token {sb.github_token}"})
        sb.set_faults(rate=0.0)
        healed = client.get(sb.github_url + "/user", headers={"Authorization": f"token {sb.github_token}"})
    assert failing.status_code in (429, 502, 503) and healed.status_code == 200


def test_github_budget_is_settable_through_the_control_api(demo_sandbox: object) -> None:
    """POST /github/budget changes the x-ratelimit headers GitHub answers with."""
    from roadsync.sandbox.server import Sandbox

    assert isinstance(demo_sandbox, Sandbox)
    sb = demo_sandbox
    with httpx.Client(timeout=10) as client:
        set_to = client.post(sb.control_url + "/github/budget", json={"limit": 50, "remaining": 10}).json()
        answer = client.get(
            sb.github_url + "/repos/acme/api", headers={"Authorization": f"token {sb.github_token}"}
        )
    assert set_to == {"limit": 50, "remaining": 10}
    assert answer.headers["x-ratelimit-limit"] == "50"
    assert int(answer.headers["x-ratelimit-remaining"]) <= 10


def test_written_config_validates_and_points_at_the_sandbox(demo_sandbox: object, tmp_path: Path) -> None:
    """write_config writes a config the schema accepts, with the demo roadmap and managed fields."""
    from roadsync.sandbox.server import Sandbox

    assert isinstance(demo_sandbox, Sandbox)
    path = demo_sandbox.write_config(tmp_path / "cfg" / "roadsync.toml")
    model = SettingsModel.model_validate(tomllib.loads(path.read_text()))
    assert model.jira is not None and model.github is not None and model.github.project is not None
    assert model.jira.url == demo_sandbox.jira_url and model.jira.projects == ["PAY", "CORE"]
    assert model.github.repos == ["acme/web", "acme/mobile", "acme/api"]
    assert {t.id for t in model.themes} >= {"checkout", "passkeys", "marketplace", "legacy-billing"}
    for field in (model.fields.priority, model.fields.theme, model.fields.alignment):
        assert field is not None and field.policy == "enforce" and not field.override
    assert demo_sandbox.info()["config"] == str(path)
    assert "token =" not in path.read_text() and demo_sandbox.jira_token not in path.read_text()


def test_written_config_loads_with_the_full_loader(demo_sandbox: object, tmp_path: Path) -> None:
    """roadsync.config.load.load_settings accepts the written config with the env the info document lists."""
    from roadsync.config.load import load_roadmap, load_settings
    from roadsync.sandbox.server import Sandbox

    assert isinstance(demo_sandbox, Sandbox)
    path = demo_sandbox.write_config(tmp_path / "roadsync.toml")
    settings = load_settings(path, env=demo_sandbox.env())
    assert len(load_roadmap(settings).themes) == 8


def test_issue_pages_answer_the_links_reports_hold(sandbox_factory: SandboxFactory) -> None:
    """/browse/KEY and /owner/repo/issues/N serve an escaped read-only page (404 when absent), uncounted."""
    demo_sandbox = sandbox_factory("demo")
    before = demo_sandbox.stats()
    jira = httpx.get(f"{demo_sandbox.jira_url}/browse/PAY-6", timeout=10)
    github = httpx.get(f"{demo_sandbox.github_url}/acme/web/issues/65", timeout=10)
    assert jira.status_code == github.status_code == 200
    assert "<h1>PAY-6: " in jira.text and "Priority</th><td>" in jira.text
    assert "#65</h1>" in github.text and "Roadmap: Priority" in github.text
    assert "script-src" not in jira.headers["content-security-policy"]
    assert httpx.get(f"{demo_sandbox.jira_url}/browse/NOPE-1", timeout=10).status_code == 404
    assert httpx.get(f"{demo_sandbox.github_url}/acme/web/issues/99999", timeout=10).status_code == 404
    assert demo_sandbox.stats() == before


@pytest.mark.parametrize("themes", [[], [{"id": "checkout", "name": "Checkout", "priority": "P1",
                                          "match": [{"labels": ["checkout"], "title": "(?i)cart"}]}]])
def test_a_fixture_seed_writes_its_themes_or_says_it_has_none(themes: list[Any], tmp_path: Path) -> None:
    """`roadsync sandbox --seed FILE --write-config` writes the fixture's themes (the config
    validates and maps with them); a fixture without themes gets a config saying so, which
    `validate` refuses (exit 78) with the line saying what to add."""
    fixture = {"jira": {"projects": [{"key": "PAY", "name": "Payments"}],
                        "issues": [{"key": "PAY-1", "summary": "Cart button", "labels": ["checkout"]}]}}
    (tmp_path / "seed.json").write_text(json.dumps({**fixture, "themes": themes}), encoding="utf-8")
    config = tmp_path / "roadsync.toml"
    served = subprocess.Popen(
        [sys.executable, "-m", "roadsync", "sandbox", "--seed", str(tmp_path / "seed.json"),
         "--write-config", str(config), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert served.stdout is not None and json.loads(served.stdout.readline())["config"] == str(config)
    finally:
        served.terminate()
        served.communicate(timeout=30)
    checked = subprocess.run([sys.executable, "-m", "roadsync", "validate", "--config", str(config)],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    if themes:
        assert checked.returncode == 0 and checked.stdout == "ok: 1 theme, sources: jira (1 project)\n"
        model = SettingsModel.model_validate(tomllib.loads(config.read_text()))
        match = model.themes[0].match[0]
        assert match.labels == ["checkout"] and match.title == "(?i)cart"
    else:
        assert checked.returncode == 78 and "themes: the roadmap has no themes" in checked.stderr
        assert "add a [[themes]] table" in checked.stderr
        assert "This seed carries no roadmap" in config.read_text()
