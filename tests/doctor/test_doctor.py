"""``roadsync doctor`` against the sandbox trackers over real HTTP: passes on the sandbox's own
config, reports each problem as its own failed check with a fix, and never writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadsync.sandbox.github import TokenGrant as GithubGrant
from roadsync.sandbox.jira import TokenGrant as JiraGrant
from roadsync.sandbox.server import GITHUB_TOKEN_ENV, JIRA_TOKEN_ENV
from tests.paths import GITHUB_GRAPHQL_SCHEMA

Doctor = Callable[..., tuple[int, Any]]


def failed(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["source"], c["check"]): c for c in document["checks"] if not c["ok"]}


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_doctor_passes_on_the_sandbox_config_without_writing(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path, flavor: str
) -> None:
    """Every check passes on the sandbox's own config, and the trackers record no write."""
    sandbox = sandbox_factory("demo", jira_flavor=flavor)
    sandbox.reset_stats()
    code, document = doctor(sandbox, tmp_path)
    assert (code, failed(document)) == (0, {})
    stats = sandbox.stats()
    assert stats["jira"]["writes"] == stats["github"]["writes"] == 0
    assert stats["jira"]["reads"] > 0 and stats["github"]["reads"] > 0
    checks = {(c["source"], c["check"]): c for c in document["checks"]}
    expected_flavour = "Jira Cloud" if flavor == "cloud" else "Jira Data Center"
    assert checks[("jira", "flavour")]["detail"].startswith(expected_flavour)
    assert "roadsync bot" in checks[("jira", "authenticated")]["detail"]
    assert "roadsync-bot" in checks[("github", "authenticated")]["detail"]
    assert "core" in checks[("github", "rate-limit budget")]["detail"]


def test_doctor_json_has_exactly_the_documented_shape(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path
) -> None:
    """``--format json`` is one object: ok plus checks with source, check, ok, detail (and level/fix)."""
    unknown = lambda t: t.replace('"PAY", "CORE"', '"PAY", "NOPE"')  # noqa: E731
    _, document = doctor(sandbox_factory("demo"), tmp_path, edit=unknown)
    assert set(document) == {"ok", "checks"} and document["ok"] is False
    for check in document["checks"]:
        required = {"source", "check", "ok", "detail"}
        assert required <= set(check) <= required | {"level", "fix"}
        assert isinstance(check["ok"], bool) and isinstance(check["detail"], str)
        assert check["ok"] == (check["level"] != "fail")
        assert check["ok"] or check["fix"]


@pytest.mark.parametrize("source", ["jira", "github"])
def test_bad_token_fails_that_sources_authentication(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path, source: str
) -> None:
    """A wrong token fails only the authenticated check of its source, with a fix naming the variable."""
    sandbox = sandbox_factory("demo")
    variable = JIRA_TOKEN_ENV if source == "jira" else GITHUB_TOKEN_ENV
    code, document = doctor(sandbox, tmp_path, env={variable: "wrong-token-value"})
    assert code == 1
    assert list(failed(document)) == [(source, "authenticated")]
    assert variable in failed(document)[(source, "authenticated")]["fix"]


def test_project_without_edit_permission_fails_with_the_fix(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path
) -> None:
    """A Jira token that may browse but not edit CORE fails the CORE check and names Edit Issues."""
    token = "restricted-jira-token"
    grant = JiraGrant(browse=frozenset({"PAY", "CORE"}), edit=frozenset({"PAY"}), display_name="Helper")
    sandbox = sandbox_factory("demo", restricted_tokens={token: grant})
    code, document = doctor(sandbox, tmp_path, env={JIRA_TOKEN_ENV: token})
    assert code == 1
    problems = failed(document)
    assert list(problems) == [("jira", "project CORE")]
    assert "Edit Issues" in problems[("jira", "project CORE")]["fix"]


def test_unknown_project_fails_listing_visible_ones(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path
) -> None:
    """A project key the site lacks is its own failed check; the fix lists the keys the token sees."""
    code, document = doctor(sandbox_factory("demo"), tmp_path,
                            edit=lambda t: t.replace('"PAY", "CORE"', '"PAY", "CORE", "NOPE"'))
    assert code == 1
    problems = failed(document)
    assert list(problems) == [("jira", "project NOPE")]
    assert "CORE, PAY" in problems[("jira", "project NOPE")]["fix"]


def test_missing_custom_field_fails(sandbox_factory: Any, doctor: Doctor, tmp_path: Path) -> None:
    """A managed Jira field name the site does not have fails with a fix naming the setting."""
    edit = lambda t: t.replace('jira = { target = "field", field = "Alignment" }',  # noqa: E731
                               'jira = { target = "field", field = "Alignmnt" }')
    code, document = doctor(sandbox_factory("demo"), tmp_path, edit=edit)
    assert code == 1
    problems = failed(document)
    assert list(problems) == [("jira", "alignment: field Alignmnt")]
    assert "fields.alignment.jira.field" in problems[("jira", "alignment: field Alignmnt")]["fix"]


def test_unknown_priority_name_fails(sandbox_factory: Any, doctor: Doctor, tmp_path: Path) -> None:
    """A priority map naming a priority the site lacks fails and proposes existing names."""
    code, document = doctor(sandbox_factory("demo"), tmp_path,
                            edit=lambda t: t.replace('P0 = "Highest"', 'P0 = "Blocker"'))
    assert code == 1
    problems = failed(document)
    assert list(problems) == [("jira", "priority: priorities")]
    check = problems[("jira", "priority: priorities")]
    assert "Blocker" in check["detail"] and 'P0 = "Highest"' in check["fix"]


def test_missing_projects_option_fails(sandbox_factory: Any, doctor: Doctor, tmp_path: Path) -> None:
    """A value mapped to an option the board's field lacks fails that board field's check."""
    edit = lambda t: t.replace('github = { target = "project", field = "Priority" }',  # noqa: E731
                               'github = { target = "project", field = "Priority", '
                               'values = { P0 = "Urgent" } }')
    code, document = doctor(sandbox_factory("demo"), tmp_path, edit=edit)
    assert code == 1
    problems = failed(document)
    assert list(problems) == [("github", "priority: board field Priority")]
    assert "Urgent" in problems[("github", "priority: board field Priority")]["detail"]


def test_token_without_project_access_fails_the_board(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path
) -> None:
    """A GitHub token that cannot reach Projects v2 fails the board check; the fix mentions GITHUB_TOKEN."""
    token = "ghs_actions_token_0001"
    sandbox = sandbox_factory("demo", restricted_tokens={token: GithubGrant(projects=False, scopes=None)})
    code, document = doctor(sandbox, tmp_path, env={GITHUB_TOKEN_ENV: token})
    assert code == 1
    problems = failed(document)
    assert list(problems) == [("github", "project board acme #1")]
    assert "GITHUB_TOKEN" in problems[("github", "project board acme #1")]["fix"]


def test_read_only_repository_fails_when_writes_are_planned(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path
) -> None:
    """A GitHub token that may not write acme/api fails that repository's check."""
    token = "ghp_readonly_api_token"
    grant = GithubGrant(writable=frozenset({"acme/web", "acme/mobile"}))
    sandbox = sandbox_factory("demo", restricted_tokens={token: grant})
    code, document = doctor(sandbox, tmp_path, env={GITHUB_TOKEN_ENV: token})
    assert (code, list(failed(document))) == (1, [("github", "repository acme/api")])


def test_missing_token_variable_is_a_config_error(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unset token variable exits 78 before any request, with a JSON document saying why."""
    sandbox = sandbox_factory("demo")
    sandbox.reset_stats()
    unset = lambda t: t.replace(JIRA_TOKEN_ENV, "ROADSYNC_TEST_UNSET_TOKEN")  # noqa: E731
    code, document = doctor(sandbox, tmp_path, edit=unset)
    assert code == 78
    assert document["ok"] is False and "ROADSYNC_TEST_UNSET_TOKEN" in document["checks"][0]["detail"]
    assert sandbox.stats()["jira"]["reads"] == 0


def test_table_shows_failures_with_their_fix(sandbox_factory: Any, doctor: Doctor, tmp_path: Path) -> None:
    """The table for people marks a failure FAIL, prints its fix, and never shows the token."""
    sandbox = sandbox_factory("demo")
    code, text = doctor(sandbox, tmp_path, fmt="table",
                        edit=lambda t: t.replace('"PAY", "CORE"', '"PAY", "NOPE"'))
    assert code == 1
    line = next(line for line in text.splitlines() if "project NOPE" in line)
    assert "FAIL" in line and "fix: fix jira.projects" in text and "1 check failed" in text
    assert sandbox.jira_token not in text and sandbox.github_token not in text


def test_board_documents_are_valid_against_githubs_official_schema() -> None:
    """The doctor's and init's GraphQL documents validate against GitHub's published schema."""
    import graphql

    from roadsync.doctor.github import BOARD_QUERY
    from roadsync.init.discover import BOARDS_QUERY

    official = GITHUB_GRAPHQL_SCHEMA
    schema = graphql.build_schema(official.read_text(encoding="utf-8"), assume_valid=True)
    for document in [*BOARD_QUERY.values(), BOARDS_QUERY]:
        assert graphql.validate(schema, graphql.parse(document)) == [], document


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_a_field_name_two_fields_share_in_a_project_fails_naming_them(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path, flavor: str
) -> None:
    """A second global "Alignment" on SHOP's screens makes doctor fail for SHOP, listing both field
    ids and where each applies, with the fix (name the field by id); MOB still resolves."""
    from roadsync.sandbox.jira.model import CustomField, FieldContext, SelectOption

    site = sandbox_factory("configured-site", jira_flavor=flavor)
    twin = FieldContext("20000", "Twin", frozenset({"SHOP"}), None, (SelectOption("20001", "aligned"),))
    second = CustomField("customfield_10099", "Alignment", "select", (twin,))
    site.jira_store.catalog.custom_fields.append(second)
    code, document = doctor(site, tmp_path)
    check = failed(document)[("jira", "alignment: Alignment in SHOP")]
    assert code == 1 and "ambiguous" in check["detail"]
    assert "customfield_10040 (global)" in check["detail"] and "customfield_10099 (global)" in check["detail"]
    assert 'field = "customfield_10040"' in check["fix"]
    assert ("jira", "alignment: Alignment in MOB") not in failed(document)


BULK_CASES = [("cloud", True, "values shared by 3"), ("cloud", False, "lacks the global Bulk change"),
              ("datacenter", True, "Data Center")]  # fmt: skip


@pytest.mark.parametrize(("flavor", "bulk", "said"), BULK_CASES)
def test_doctor_says_whether_bulk_edit_is_available(
    sandbox_factory: Any, doctor: Doctor, tmp_path: Path, flavor: str, bulk: bool, said: str
) -> None:
    """One 'bulk edit' check: available with the global Bulk change permission on Cloud, else why not."""
    token = "bulk-test-token"
    grant = JiraGrant(display_name="Helper", bulk_change=bulk, project_admin=None)
    sandbox = sandbox_factory("demo", jira_flavor=flavor, restricted_tokens={token: grant})
    _, document = doctor(sandbox, tmp_path, env={JIRA_TOKEN_ENV: token})
    checks = [c for c in document["checks"] if c["check"] == "bulk edit"]
    assert len(checks) == 1 and checks[0]["ok"] and said in checks[0]["detail"], checks
