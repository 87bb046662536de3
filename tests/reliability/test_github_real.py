"""GitHub as it really behaves, through the real CLI against the sandbox: each scenario as written,
then the outcome roadsync must reach.

Sources of each behaviour are in the emulator's modules (``roadsync.sandbox.github``) and
research github.md: renamed repositories answer 301/307 (octokit/fixtures ``rename-repository``),
label names match in any case (git-bug#176), GitHub App installation tokens come from a JWT (GitHub's
docs), GraphQL answers untyped errors and per-alias NOT_FOUNDs (gitlens#3298; GraphQL spec).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from github import Auth, Github

from roadsync.sandbox.server import GITHUB_TOKEN_ENV, Sandbox, start_sandbox
from tests.reliability.harness import (
    bot_history,
    cli_env,
    duplicates,
    run_cli,
    small_fixture,
    snapshot,
    sync_until_done,
    write_config,
)


@pytest.fixture
def sandboxes() -> Iterator[list[Sandbox]]:
    started: list[Sandbox] = []
    yield started
    for sb in started:
        sb.stop()


def _start(started: list[Sandbox], fixture: dict[str, Any] | None = None, **options: Any) -> Sandbox:
    started.append(start_sandbox(fixture or small_fixture(), **options))
    return started[-1]


def _admin(sb: Sandbox) -> Github:
    """The organization's admin (the sandbox's own token holds admin)."""
    return Github(auth=Auth.Token(sb.github_token), base_url=sb.github_url, retry=None)


def test_renamed_repository_stops_with_one_line_naming_the_new_name(
    sandboxes: list[Sandbox], tmp_path: Path
) -> None:
    """After ``PATCH /repos/acme/web`` renames it, ``sync`` exits 4 with one line naming acme/storefront,
    reads nothing through the redirect and writes nothing; ``doctor`` says the same."""
    sb = _start(sandboxes)
    config, env = write_config(sb, tmp_path / "roadsync.toml"), cli_env(sb)
    assert sync_until_done(config, env)[-1] == 0
    _admin(sb).get_repo("acme/web").edit(name="storefront")
    before = snapshot(sb)
    code, _, err = run_cli(config, "sync", env=env)
    lines = [line for line in err.splitlines() if "acme/storefront" in line]
    assert code == 4 and len(lines) == 1, err
    assert "acme/web" in lines[0] and "github.repos" in lines[0] and "Traceback" not in err
    assert snapshot(sb) == before
    doctor_code, doctor, _ = run_cli(config, "doctor", env=env)
    failing = [c for c in doctor["checks"] if c["level"] == "fail"]
    assert doctor_code != 0 and any("acme/storefront" in c["detail"] for c in failing), failing


def test_a_plan_made_before_a_rename_writes_nothing_and_counts_nothing_applied(
    sandboxes: list[Sandbox], tmp_path: Path
) -> None:
    """``apply plan.json`` after the repository was renamed stops GitHub with the new name (exit 4):
    no GitHub change is counted applied and the tracker holds none of them."""
    sb = _start(sandboxes)
    config, env = write_config(sb, tmp_path / "roadsync.toml"), cli_env(sb)
    plan = tmp_path / "plan.json"
    assert run_cli(config, "plan", "--out", str(plan), env=env)[0] == 0
    _admin(sb).get_repo("acme/web").edit(name="storefront")
    before = snapshot(sb)["github"]
    code, applied, err = run_cli(config, "apply", str(plan), env=env)
    github = [o for o in applied["outcomes"] if o["item"].startswith("acme/")]
    assert code == 4 and "acme/storefront" in err, err
    assert github and "applied" not in {o["status"] for o in github}
    assert snapshot(sb)["github"] == before


def test_label_in_another_case_is_attached_and_never_planned_again(
    sandboxes: list[Sandbox], tmp_path: Path
) -> None:
    """With ``Theme/Checkout`` in the repository, roadsync's ``theme/checkout`` attaches it; the next plan
    is empty and the repository holds one such label."""
    fixture = small_fixture()
    web = next(r for r in fixture["github"]["repos"] if r["name"] == "web")
    web["labels"] = [{"name": "Theme/Checkout", "color": "00ff00"}]
    sb = _start(sandboxes, fixture)
    config, env = write_config(sb, tmp_path / "roadsync.toml"), cli_env(sb)
    assert sync_until_done(config, env)[-1] == 0
    labels = [lab.name for lab in sb.github_store.repos["web"].labels.values()]
    assert [n for n in labels if n.lower() == "theme/checkout"] == ["Theme/Checkout"]
    assert any("Theme/Checkout" in i.labels for i in sb.github_store.repos["web"].issues.values())
    code, plan, err = run_cli(config, "plan", env=env)
    assert code == 0 and plan["changes"] == [], err


def test_a_deleted_issue_is_skipped_with_exit_0(sandboxes: list[Sandbox], tmp_path: Path) -> None:
    """An issue deleted after the plan (410 Gone to its writes) is skipped as gone; the run exits 0."""
    sb = _start(sandboxes)
    config, env = write_config(sb, tmp_path / "roadsync.toml"), cli_env(sb)
    plan = tmp_path / "plan.json"
    assert run_cli(config, "plan", "--out", str(plan), env=env)[0] == 0
    node = sb.github_store.get("acme/api#2").node_id  # type: ignore[union-attr]
    deleted = httpx.post(sb.graphql_url, headers={"Authorization": f"bearer {sb.github_token}"}, json={
        "query": "mutation($id: ID!) { deleteIssue(input: {issueId: $id}) { clientMutationId } }",
        "variables": {"id": node}})
    assert "errors" not in deleted.json()
    code, applied, err = run_cli(config, "apply", str(plan), env=env)
    gone = [o for o in applied["outcomes"] if o["item"] == "acme/api#2"]
    assert code == 0 and gone and {o["status"] for o in gone} == {"skipped"}, err
    assert all("deleted" in o["error"] or "gone" in o["error"] for o in gone)


@pytest.mark.parametrize("seed", [2, 4, 5])  # seeds whose runs meet both kinds of fault
def test_flaky_graphql_converges_in_three_runs_without_duplicate_writes(
    sandboxes: list[Sandbox], tmp_path: Path, seed: int
) -> None:
    """With 10% of GraphQL answers an untyped error (half of them after the mutation ran) and 40% of
    mutation documents losing one alias to NOT_FOUND, ``sync`` reaches the fault-free end state in at
    most 3 runs, with no value written twice."""
    company = small_fixture(jira_per_project=3, github_per_repo=100)  # ~180 board items: a few documents
    clean = _start(sandboxes, company)
    clean_config = write_config(clean, tmp_path / "clean" / "roadsync.toml")
    assert sync_until_done(clean_config, cli_env(clean))[-1] == 0
    sb = _start(sandboxes, company)
    config, env = write_config(sb, tmp_path / "flaky" / "roadsync.toml"), cli_env(sb)
    sb.set_faults(graphql_untyped_rate=0.1, graphql_batch_not_found_rate=0.4, seed=seed,
                  graphql_untyped_applied=seed % 2 == 1)
    codes = sync_until_done(config, env, tries=3)
    assert codes[-1] == 0, codes
    sb.set_faults(graphql_untyped_rate=0.0, graphql_batch_not_found_rate=0.0)
    injected = sb.faults.injected
    assert injected.get("graphql_untyped", 0) + injected.get("graphql_untyped_after", 0) > 0
    assert injected.get("batch_not_found", 0) > 0
    assert snapshot(sb) == snapshot(clean)
    assert duplicates(bot_history(sb)) == {}
    assert bot_history(sb) == bot_history(clean)
    assert run_cli(config, "plan", env=env)[1]["changes"] == []


def test_doctor_and_sync_run_as_a_github_app_and_leak_nothing(
    sandboxes: list[Sandbox], tmp_path: Path
) -> None:
    """With ``[github.app]`` (id, installation, key file) and no token, ``doctor`` names the App and
    ``pull``/``sync`` write as its bot; no key line or installation token is in any output, log,
    report or state file."""
    sb = _start(sandboxes)
    app = sb.app_info()
    key = tmp_path / "app.pem"
    key.write_text(sb.app_private_key, encoding="utf-8")
    key.chmod(0o600)
    extra = (f'[github.app]\napp_id = {app["id"]}\ninstallation_id = {app["installation_id"]}\n'
             f'private_key_file = "{key.name}"')
    config = write_config(sb, tmp_path / "roadsync.toml", extra)
    env = {k: v for k, v in cli_env(sb).items() if k != GITHUB_TOKEN_ENV}
    outputs = []
    for verb in ("doctor", "pull", "sync", "report"):
        code, document, err = run_cli(config, verb, "--log-format", "json", env=env)
        outputs += [str(document), err]
        assert code == 0, (verb, err)
    assert "roadsync-sandbox[bot]" in outputs[0]
    events = [e for i in sb.github_store.repos["web"].issues.values() for e in i.events]
    assert events and {(e.actor, e.app) for e in events} == {("roadsync-sandbox[bot]", "roadsync-sandbox")}
    secrets = _app_secrets(sb)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != key]
    texts = outputs + [p.read_bytes().decode("utf-8", "replace") for p in files]
    leaked = [s[:12] for s in secrets if any(s in text for text in texts)]
    assert files and leaked == []


def _app_secrets(sb: Sandbox) -> list[str]:
    """The key's base64 lines and every installation token the sandbox minted."""
    lines = [line for line in sb.app_private_key.splitlines() if line and not line.startswith("-----")]
    grants = sb.github_app.state.gateway.grants
    tokens = [token for token, grant in grants.items() if grant.app is not None]
    assert tokens, "the App minted no installation token"
    return lines + tokens


def test_app_key_missing_is_one_line_naming_the_variable(sandboxes: list[Sandbox], tmp_path: Path) -> None:
    """``[github.app]`` without the key's variable set: exit 78 naming ``GITHUB_APP_PRIVATE_KEY``."""
    sb = _start(sandboxes)
    config = write_config(sb, tmp_path / "roadsync.toml", "[github.app]\napp_id = 1\ninstallation_id = 2")
    env = {k: v for k, v in cli_env(sb).items() if k != GITHUB_TOKEN_ENV}
    os.environ.pop("GITHUB_APP_PRIVATE_KEY", None)
    code, _, err = run_cli(config, "pull", env=env)
    assert code == 78 and "GITHUB_APP_PRIVATE_KEY" in err and "Traceback" not in err


TRIAGE_CONFIG = """
[[themes]]
id = "checkout"
name = "Checkout"
priority = "P1"

[[themes.match]]
repos = ["acme/web"]

[github]
url = "{url}"
graphql_url = "{url}/graphql"
token_env = "TRIAGE_TOKEN"
repos = ["acme/web"]
seconds_between_writes = 0

[fields.priority]
policy = "enforce"

[fields.priority.github]
target = "issue_type"
values = {{ P0 = "Bug", P1 = "Feature", P2 = "Task", P3 = "Task", P4 = "Task" }}

[run]
state_dir = ".roadsync"
max_changes = 1000
"""


def test_a_triage_tokens_silently_dropped_type_is_unwritable_and_not_sent_again(
    sandboxes: list[Sandbox], tmp_path: Path
) -> None:
    """With a triage token, GitHub answers 200 to a type change and keeps the old type: the run exits 0
    with ``unwritable`` drift naming the reason (3 under ``--fail-on unwritable``), the next run sends
    no write and reports it again, and a full refresh tries each once more [research github.md §5:
    "PATCH silently drops ... type ... below write"; docs "Update an issue", parameter ``type``]."""
    issues = [{"repo": "web", "number": n, "title": f"Task {n}", "type": "Task"} for n in (1, 2)]
    types = ["Bug", "Feature", "Task"]
    github = {"owner": "acme", "repos": [{"name": "web"}], "issue_types": types, "issues": issues}
    fixture = {"github": github,
               "people": [{"name": "Tess Triage", "github": {"login": "tess-triage", "role": "triage"}}]}
    sb = _start(sandboxes, fixture)
    config = tmp_path / "roadsync.toml"
    config.write_text(TRIAGE_CONFIG.format(url=sb.github_url), encoding="utf-8")
    env = {"TRIAGE_TOKEN": str(sb.people[0].github_token), "ROADSYNC_RUN__RETRY_SCALE": "0.001"}
    code, report, err = run_cli(config, "sync", env=env)
    found = [d for d in report["drift"] if d["kind"] == "unwritable"]
    assert code == 0 and len(found) == 2, err
    assert "kept type 'Task'" in found[0]["detail"] and "push access" in found[0]["detail"]
    assert report["applied"]["unwritable"] == 2 and report["applied"]["applied"] == 0
    assert {i.type for i in sb.github_store.repos["web"].issues.values()} == {"Task"}
    code, again, _ = run_cli(config, "sync", "--fail-on", "unwritable", env=env)
    assert code == 3 and again["changes"] == [] and again["applied"]["not_written"] == []
    assert [d["item"] for d in again["drift"] if d["kind"] == "unwritable"] == ["acme/web#1", "acme/web#2"]
    code, held, _ = run_cli(config, "plan", env=env)
    assert code == 0 and held["changes"] == []
    code, retried, _ = run_cli(config, "sync", "--full", env=env)
    sent = [o["status"] for o in retried["applied"]["not_written"]]
    assert code == 0 and sent == ["unwritable", "unwritable"]



def test_doctor_warns_that_a_triage_token_cannot_set_issue_types(
    sandboxes: list[Sandbox], tmp_path: Path
) -> None:
    """With the issue type managed and a token that can only triage, ``doctor`` warns on the repository
    that GitHub will drop the type changes, and says how to fix it."""
    github = {"owner": "acme", "repos": [{"name": "web"}], "issue_types": ["Bug", "Feature", "Task"],
              "issues": [{"repo": "web", "number": 1, "title": "One", "type": "Task"}]}
    sb = _start(sandboxes, {"github": github, "people": [
        {"name": "Tess Triage", "github": {"login": "tess-triage", "role": "triage"}}]})
    config = tmp_path / "roadsync.toml"
    config.write_text(TRIAGE_CONFIG.format(url=sb.github_url), encoding="utf-8")
    env = {"TRIAGE_TOKEN": str(sb.people[0].github_token)}
    _, doctor, err = run_cli(config, "doctor", env=env)
    check = next(c for c in doctor["checks"] if c["check"] == "repository acme/web")
    assert check["level"] == "warn" and "silently dropped" in check["detail"], err
    assert "push" in check["fix"]


def test_sync_paces_itself_under_githubs_secondary_limits(sandboxes: list[Sandbox], tmp_path: Path) -> None:
    """With GitHub's content-creation limit on (2 writes per 2-second "minute"), the first sync meets
    403 + retry-after, waits as told, and still ends as a run without limits does, no write twice."""
    clean = _start(sandboxes)
    assert sync_until_done(write_config(clean, tmp_path / "clean" / "roadsync.toml"), cli_env(clean))[-1] == 0
    sb = _start(sandboxes, github_limits={"content_per_minute": 2, "minute_s": 2.0})
    config = write_config(sb, tmp_path / "limited" / "roadsync.toml")
    env = cli_env(sb, ROADSYNC_RUN__RETRY_SCALE="1")  # wait as long as GitHub says
    code, _, err = run_cli(config, "sync", env=env)
    assert code == 0, err
    assert sb.github_app.state.gateway.secondary_limits.refused > 0
    assert snapshot(sb) == snapshot(clean)
    assert duplicates(bot_history(sb)) == {} and bot_history(sb) == bot_history(clean)


TRANSFER = """mutation($issue: ID!, $repo: ID!) {
  transferIssue(input: {issueId: $issue, repositoryId: $repo}) { issue { number } } }"""


def test_a_transferred_issue_is_counted_once_under_its_new_key(
    sandboxes: list[Sandbox], tmp_path: Path
) -> None:
    """After ``transferIssue`` moves acme/web#2 to acme/api (new number, new node id), the next
    incremental ``sync`` holds the issue once, under its new key, and the plan after it is empty
    [research github.md §2; the new issue's ``TransferredEvent`` names the repository it left]."""
    sb = _start(sandboxes)
    config, env = write_config(sb, tmp_path / "roadsync.toml"), cli_env(sb)
    assert sync_until_done(config, env)[-1] == 0
    web2, api = sb.github_store.get("acme/web#2"), sb.github_store.repo("api")
    assert web2 is not None and api is not None
    moved = httpx.post(sb.graphql_url, headers={"Authorization": f"bearer {sb.github_token}"},
                       json={"query": TRANSFER, "variables": {"issue": web2.node_id, "repo": api.node_id}})
    new_key = f"acme/api#{moved.json()['data']['transferIssue']['issue']['number']}"
    code, report, err = run_cli(config, "sync", env=env)
    assert code == 0, err
    assert report["summary"]["items_by_source"]["github"] == sb.stats()["github"]["issues"]
    keys = {a["item"] for a in report["assignments"]}
    assert new_key in keys and "acme/web#2" not in keys
    code, plan, err = run_cli(config, "plan", env=env)
    assert code == 0 and plan["changes"] == [], err
