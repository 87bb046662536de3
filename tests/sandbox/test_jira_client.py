"""The sandbox Jira driven by the real ``jira`` library over real sockets, in both flavours."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from jira import JIRA, JIRAError

from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.fixture import JiraFixture, JiraIssueFixture, JiraProjectFixture
from roadsync.sandbox.jira import JiraStore, TokenGrant, create_jira_app

EMAIL, TOKEN = "bot@example.com", "sandbox-token-123"
PAGE = 5
FLAVORS = ["cloud", "datacenter"]
_FLAVOR_OF: dict[str, str] = {}  # server URL -> flavour, so clients log in as that flavour wants


def make_fixture(extra: list[JiraIssueFixture] | None = None) -> JiraFixture:
    """Projects E0, E1, E5, E6 hold 0, 1, PAGE and PAGE + 1 stories; PAY holds an epic and children."""
    issues: list[JiraIssueFixture] = [
        {"key": f"E{n}-{i}", "summary": f"story {i}", "type": "Story"}
        for n in (1, 5, 6)
        for i in range(1, n + 1)
    ]
    issues += [
        {
            "key": "PAY-1",
            "type": "Epic",
            "summary": "Checkout v2",
            "status": "In Progress",
            "labels": ["checkout"],
        },
        {
            "key": "PAY-2",
            "type": "Story",
            "summary": "3DS flow",
            "parent": "PAY-1",
            "priority": "High",
            "labels": ["checkout", "ui"],
            "fields": {"Theme": "checkout", "Story Points": 5},
        },
        {"key": "PAY-3", "type": "Sub-task", "summary": "3DS test", "parent": "PAY-2", "status": "Done"},
        {
            "key": "PAY-4",
            "type": "Bug",
            "summary": "Refund bug",
            "updated": "2026-11-01T08:00:00Z",
            "created": "2026-10-01T08:00:00Z",
        },
    ]
    return {
        "projects": [
            *(JiraProjectFixture(key=k, name=k) for k in ("E0", "E1", "E5", "E6")),
            {"key": "PAY", "name": "Payments", "components": ["api", "checkout"]},
        ],
        "custom_fields": [
            {"name": "Theme", "type": "select", "options": ["checkout", "growth"]},
            {"name": "Story Points", "type": "number"},
            {"name": "Notes", "type": "text"},
        ],
        "issues": issues + (extra or []),
    }


@contextmanager
def running_jira(
    flavor: str, fixture: JiraFixture | None = None, restricted: Mapping[str, TokenGrant] | None = None
) -> Iterator[tuple[RunningServer, JiraStore, Stats]]:
    store = JiraStore.from_fixture(fixture or make_fixture(), flavor=flavor)  # type: ignore[arg-type]
    stats = Stats()
    app = create_jira_app(
        store,
        stats=stats,
        email=EMAIL,
        token=TOKEN,
        flavor=flavor,  # type: ignore[arg-type]
        restricted_tokens=restricted,
    )
    server = serve_app(app)
    _FLAVOR_OF[server.url] = flavor
    try:
        yield server, store, stats
    finally:
        server.stop()


def client(url: str, token: str = TOKEN) -> JIRA:
    """A ``jira`` client as each flavour wants it: Cloud email + API token over Basic, Data Center
    a personal access token as Bearer."""
    options = {"rest_api_version": "2"}
    if _FLAVOR_OF.get(url) == "datacenter":
        return JIRA(server=url, token_auth=token, options=options, max_retries=0)
    return JIRA(server=url, basic_auth=(EMAIL, token), options=options, max_retries=0)


def http_auth(url: str, token: str = TOKEN) -> dict[str, Any]:
    """httpx keyword arguments that log in as :func:`client` does."""
    if _FLAVOR_OF.get(url) == "datacenter":
        return {"headers": {"Authorization": f"Bearer {token}"}}
    return {"auth": (EMAIL, token)}


@pytest.fixture(params=FLAVORS)
def sandbox(request: pytest.FixtureRequest) -> Iterator[tuple[RunningServer, JiraStore, Stats]]:
    with running_jira(request.param) as running:
        yield running


def fetch_all(jira: JIRA, jql: str, flavor: str) -> tuple[list[str], int]:
    """Page through ``jql`` the way each flavour must be paged; returns (keys, requests)."""
    keys: list[str] = []
    requests = 0
    if flavor == "cloud":
        token = None
        while True:
            page = jira.enhanced_search_issues(jql, nextPageToken=token, maxResults=PAGE, fields="summary")
            requests += 1
            keys += [issue.key for issue in page]
            token = page.nextPageToken
            if not token:
                return keys, requests
    start = 0
    while True:
        page = jira.search_issues(jql, startAt=start, maxResults=PAGE, fields="summary")
        requests += 1
        keys += [issue.key for issue in page]
        start += len(page)
        if start >= page.total or not page:
            return keys, requests


@pytest.mark.parametrize("count", [0, 1, PAGE, PAGE + 1])
@pytest.mark.parametrize("flavor", FLAVORS)
def test_pagination_returns_every_issue_once(flavor: str, count: int) -> None:
    """Paging at 0, 1, page size and page size + 1 items yields each issue once, in key order."""
    with running_jira(flavor) as (server, _store, _stats):
        keys, requests = fetch_all(client(server.url), f"project = E{count} ORDER BY key ASC", flavor)
    assert keys == [f"E{count}-{i}" for i in range(1, count + 1)]
    assert requests == max(1, -(-count // PAGE))


def test_server_info_tells_the_flavour(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """The library recognises Cloud by ``deploymentType`` and DC otherwise."""
    server, store, _ = sandbox
    jira = client(server.url)
    assert jira._is_cloud == (store.flavor == "cloud")
    assert jira.server_info()["deploymentType"] == ("Cloud" if store.flavor == "cloud" else "Server")


def test_labels_add_and_remove_through_update_operations(
    sandbox: tuple[RunningServer, JiraStore, Stats],
) -> None:
    """``update.labels`` add/remove changes only the named labels and counts one write."""
    server, store, stats = sandbox
    issue = client(server.url).issue("PAY-2")
    issue.update(update={"labels": [{"add": "priority-p1"}, {"remove": "ui"}]}, notify=False)
    assert issue.fields.labels == ["checkout", "priority-p1"]
    assert stats.snapshot()["jira"]["writes"] == 1
    assert store.get("PAY-2").labels == ["checkout", "priority-p1"]


def test_add_field_value_appends_a_label(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """``Issue.add_field_value('labels', x)`` (an update without ``fields``) adds the label."""
    server, _store, _ = sandbox
    issue = client(server.url).issue("PAY-4")
    issue.add_field_value("labels", "theme-payments")
    assert client(server.url).issue("PAY-4").fields.labels == ["theme-payments"]


def test_priority_and_custom_fields_are_edited(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Priority by name, a select option by value, a number and a text field are stored as Jira shows them."""
    server, _store, _ = sandbox
    issue = client(server.url).issue("PAY-2")
    issue.update(
        fields={
            "priority": {"name": "Highest"},
            "customfield_10020": {"value": "growth"},
            "customfield_10021": 8,
            "customfield_10022": "see spec",
        }
    )
    fresh = client(server.url).issue("PAY-2")
    assert fresh.fields.priority.name == "Highest"
    assert fresh.fields.customfield_10020.value == "growth"
    assert fresh.fields.customfield_10021 == 8.0
    assert fresh.fields.customfield_10022 == "see spec"


def test_changelog_records_each_change_with_its_author(
    sandbox: tuple[RunningServer, JiraStore, Stats],
) -> None:
    """An API edit and a person's edit each leave one history entry with author and items."""
    server, store, _ = sandbox
    jira = client(server.url)
    jira.issue("PAY-2").update(fields={"priority": {"name": "Low"}})
    store.edit_as_person("PAY-2", labels_add=["hand-set"], fields={"Theme": "growth"})
    histories = jira.issue("PAY-2", expand="changelog").changelog.histories
    if store.flavor == "cloud":  # Cloud lists the most recent first
        histories = histories[::-1]
    assert [h.author.displayName for h in histories] == ["Roadsync Bot", "Pat Person"]
    first = histories[0].items[0]
    assert (first.field, first.fromString, first.toString, first.to) == ("priority", "High", "Low", "4")
    assert {(i.field, i.toString) for i in histories[1].items} == {
        ("labels", "checkout hand-set ui"),
        ("Theme", "growth"),
    }


def test_noop_put_is_not_a_write(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """A PUT that changes nothing leaves ``updated`` and the history alone and counts as a read."""
    server, store, stats = sandbox
    issue = client(server.url).issue("PAY-2")
    before = issue.fields.updated
    stats.reset()
    issue.update(fields={"priority": {"name": "High"}}, update={"labels": [{"add": "ui"}]})
    assert issue.fields.updated == before
    assert store.get("PAY-2").changelog == []
    assert stats.snapshot()["jira"] == {"reads": 2, "writes": 0, "issues": 0, "notifications": 0}


def test_real_change_moves_updated(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """A change moves ``updated`` forward."""
    server, _store, _ = sandbox
    issue = client(server.url).issue("PAY-4")
    before = issue.fields.updated
    issue.update(summary="Refund bug (confirmed)")
    assert issue.fields.updated > before


def _error(call: Any) -> JIRAError:
    with pytest.raises(JIRAError) as caught:
        call()
    return caught.value


def test_wrong_token_is_401(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """A wrong token is refused with 401 before anything else."""
    server, _store, _ = sandbox
    error = _error(lambda: client(server.url, "nope"))
    assert error.status_code == 401


def test_unknown_field_is_400_naming_it(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Setting a field that does not exist is a 400 whose message names the field."""
    server, _store, _ = sandbox
    error = _error(lambda: client(server.url).issue("PAY-2").update(fields={"customfield_99999": "x"}))
    assert error.status_code == 400 and "customfield_99999" in str(error.text)


def test_bad_option_and_priority_are_400(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """An unknown select option or priority name is a 400 in the flavour's words, and nothing changes."""
    server, store, _ = sandbox
    issue = client(server.url).issue("PAY-2")
    error = _error(
        lambda: issue.update(fields={"customfield_10020": {"value": "nope"}, "summary": "changed"})
    )
    said = "Specify a valid 'id' or 'name' for Theme" if store.flavor == "cloud" else "Option value 'nope'"
    assert error.status_code == 400 and said in str(error.text)
    error = _error(lambda: issue.update(fields={"priority": {"name": "Urgent!"}}))
    assert error.status_code == 400 and "Urgent!" in str(error.text)
    assert store.get("PAY-2").summary == "3DS flow"


def test_label_with_space_is_400(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Jira labels cannot contain spaces."""
    server, _store, _ = sandbox
    error = _error(lambda: client(server.url).issue("PAY-2").add_field_value("labels", "two words"))
    assert error.status_code == 400 and "spaces" in str(error.text)


def test_field_in_both_fields_and_update_is_400(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """A field may not appear in both ``fields`` and ``update``."""
    server, _store, _ = sandbox
    issue = client(server.url).issue("PAY-2")
    error = _error(lambda: issue.update(fields={"labels": ["x"]}, update={"labels": [{"add": "y"}]}))
    assert error.status_code == 400 and "labels" in str(error.text)


def test_bad_jql_is_400(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """JQL outside the supported grammar is a 400, never a silently wrong answer."""
    server, store, _ = sandbox
    jira = client(server.url)
    for jql in ("project = PAY AND", "summary ~ checkout", "project = NOPE", "sprint in openSprints()"):
        search = (
            (lambda q=jql: jira.enhanced_search_issues(q))
            if store.flavor == "cloud"
            else (lambda q=jql: jira.search_issues(q))
        )
        error = _error(search)
        assert error.status_code == 400, jql


def test_missing_issue_is_404(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """An issue that does not exist is a 404."""
    server, _store, _ = sandbox
    assert _error(lambda: client(server.url).issue("PAY-999")).status_code == 404


def test_epic_children_per_flavour(sandbox: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Cloud links epic children by ``parent``; DC by the Epic Link field (``parent`` for sub-tasks only)."""
    server, store, _ = sandbox
    jira = client(server.url)
    story, subtask = jira.issue("PAY-2"), jira.issue("PAY-3")
    assert subtask.fields.parent.key == "PAY-2"
    if store.flavor == "cloud":
        assert story.fields.parent.key == "PAY-1"
        found = jira.enhanced_search_issues("parent = PAY-1", fields="id")
    else:
        assert not hasattr(story.fields, "parent") and story.fields.customfield_10014 == "PAY-1"
        found = jira.search_issues('"Epic Link" = PAY-1', fields="id")
    assert [i.key for i in found] == ["PAY-2"]


def test_restricted_token_sees_and_edits_only_its_projects() -> None:
    """A token without a project sees none of its issues (404) and without EDIT_ISSUES cannot edit."""
    grant = TokenGrant(browse=frozenset({"PAY"}), edit=frozenset(), display_name="Viewer")
    with running_jira("cloud", restricted={"view-only": grant}) as (server, _store, _):
        jira = client(server.url, "view-only")
        assert _error(lambda: jira.issue("E1-1")).status_code == 404
        assert [i.key for i in jira.enhanced_search_issues("project = PAY", fields="id")]
        error = _error(lambda: jira.issue("PAY-2").update(summary="x"))
        assert error.status_code == 400 and "permission" in str(error.text)
        perms: Any = jira.my_permissions(projectKey="PAY", permissions="BROWSE_PROJECTS,EDIT_ISSUES")[
            "permissions"
        ]
        assert (perms["BROWSE_PROJECTS"]["havePermission"], perms["EDIT_ISSUES"]["havePermission"]) == (
            True,
            False,
        )
