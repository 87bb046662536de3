"""JQL in the sandbox Jira: parsing and meaning, as tables over a small store."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from roadsync.sandbox.jira import JiraStore
from roadsync.sandbox.jira.jql import JqlError, parse_jql
from tests.sandbox.test_jira_client import make_fixture

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def store(flavor: str = "cloud") -> JiraStore:
    fixture = make_fixture()
    for issue in fixture["issues"]:
        issue.setdefault("created", "2026-10-01T00:00:00Z")
        issue.setdefault("updated", "2026-11-02T09:00:00Z")
    return JiraStore.from_fixture(fixture, flavor=flavor, clock=lambda: NOW)  # type: ignore[arg-type]


def search(jql: str, flavor: str = "cloud") -> list[str]:
    return store(flavor).search(jql, visible=lambda _p: True)


@pytest.mark.parametrize(
    ("jql", "keys"),
    [
        ("project = PAY", ["PAY-1", "PAY-2", "PAY-3", "PAY-4"]),
        ("project in (E1, pay) AND issuetype = Epic", ["PAY-1"]),
        ("PROJECT = pay and TYPE in (Bug, Sub-task)", ["PAY-3", "PAY-4"]),
        ("project = PAY AND statusCategory = Done", ["PAY-3"]),
        ("project = PAY AND statusCategory != Done", ["PAY-1", "PAY-2", "PAY-4"]),
        ('project = PAY AND statusCategory in (indeterminate, "To Do")', ["PAY-1", "PAY-2", "PAY-4"]),
        ('project = PAY AND status = "In Progress"', ["PAY-1"]),
        ("parent = PAY-1", ["PAY-2"]),
        ("parent in (PAY-1, PAY-2)", ["PAY-2", "PAY-3"]),
        ("project = PAY AND parent is EMPTY", ["PAY-1", "PAY-4"]),
        ("key in (PAY-4, E1-1)", ["E1-1", "PAY-4"]),
        ("key = pay-2", ["PAY-2"]),
        ("labels = ui", ["PAY-2"]),
        ("labels in (checkout, nothing)", ["PAY-1", "PAY-2"]),
        ("project = PAY AND labels is EMPTY", ["PAY-3", "PAY-4"]),
        ("project = PAY AND labels is not EMPTY AND labels != ui", ["PAY-1"]),
        ("project = PAY AND NOT (labels = ui OR issuetype = Epic)", ["PAY-3", "PAY-4"]),
        ('project = PAY AND updated >= "2026-11-02 09:00"', ["PAY-1", "PAY-2", "PAY-3"]),
        ('project = PAY AND updated < "2026/11/02 09:00"', ["PAY-4"]),
        ("project = PAY AND updated > 2026-11-01", ["PAY-1", "PAY-2", "PAY-3", "PAY-4"]),
        ("project = PAY AND updated >= -45m", ["PAY-1", "PAY-2", "PAY-3"]),
        ("project = PAY AND updated <= -1d", ["PAY-4"]),
        ("project = PAY AND priority = High", ["PAY-2"]),
        ("project = PAY ORDER BY key DESC", ["PAY-4", "PAY-3", "PAY-2", "PAY-1"]),
        ("project = PAY ORDER BY priority DESC, key ASC", ["PAY-2", "PAY-1", "PAY-3", "PAY-4"]),
        ("project = PAY ORDER BY updated ASC, key DESC", ["PAY-4", "PAY-3", "PAY-2", "PAY-1"]),
    ],
)
def test_query_selects_and_orders(jql: str, keys: list[str]) -> None:
    """Each supported clause selects exactly the issues Jira would, in the asked order."""
    assert search(jql) == keys


@pytest.mark.parametrize(
    ("jql", "flavor", "keys"),
    [
        ("parent = PAY-1", "datacenter", []),  # DC: parent is for sub-tasks only
        ("parent = PAY-2", "datacenter", ["PAY-3"]),
        ('"Epic Link" = PAY-1', "datacenter", ["PAY-2"]),
        ('"epic link" in (PAY-1)', "cloud", ["PAY-2"]),
    ],
)
def test_epic_clauses_per_flavour(jql: str, flavor: str, keys: list[str]) -> None:
    """``parent`` and ``"Epic Link"`` follow each flavour's hierarchy model."""
    assert search(jql, flavor) == keys


@pytest.mark.parametrize(
    "jql",
    [
        "project = PAY AND",
        "project = (PAY)",
        "project == PAY",
        "summary ~ checkout",
        "sprint = 5",
        "project = NOPE",
        "status = Blocked",
        "key = PAY-999",
        "assignee = currentUser()",
        'updated >= "yesterday"',
        "updated in (2026-11-01)",
        "labels > x",
        "project = PAY ORDER BY rank",
        "labels is ui",
        '"unclosed = 1',
    ],
)
def test_anything_else_is_a_jql_error(jql: str) -> None:
    """Unsupported or wrong JQL raises JqlError instead of answering something wrong."""
    with pytest.raises(JqlError):
        search(jql)


def test_unbounded_query_has_no_where_clause() -> None:
    """``ORDER BY`` alone parses with no restriction (the API answers 400 for it)."""
    assert parse_jql("order by key desc").where is None
    assert parse_jql("project = X order by key").where is not None


def test_invisible_projects_are_unknown_values() -> None:
    """A project the caller cannot browse is reported as not existing, like Jira does."""
    with pytest.raises(JqlError, match="does not exist"):
        store().search("project = PAY", visible=lambda p: p != "PAY")


def test_search_results_are_cached_until_the_store_changes() -> None:
    """The same query twice returns the cached list; a change invalidates it."""
    jira = store()
    first = jira.search("labels = ui", visible=lambda _p: True)
    assert jira.search("labels = ui", visible=lambda _p: True) is first
    jira.edit_as_person("PAY-4", labels_add=["ui"])
    assert jira.search("labels = ui", visible=lambda _p: True) == ["PAY-2", "PAY-4"]


def test_moved_issue_keeps_answering_to_its_old_key() -> None:
    """After a move, the old key resolves to the issue under its new key."""
    jira = store()
    new_key = jira.move("PAY-4", "E1")
    assert new_key == "E1-2"
    assert jira.get("PAY-4").key == "E1-2"
    assert jira.search("key = PAY-4", visible=lambda _p: True) == ["E1-2"]
