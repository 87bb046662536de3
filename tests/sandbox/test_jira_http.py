"""The sandbox Jira at the wire level (httpx): exact bodies, headers, nulls, caps and scale."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from roadsync.sandbox.common import RunningServer, Stats
from roadsync.sandbox.fixture import JiraIssueFixture
from roadsync.sandbox.jira import JiraStore, TokenGrant, jira_error_response
from tests.sandbox.test_jira_client import EMAIL, TOKEN, http_auth, make_fixture, running_jira

GONE = {
    "errorMessages": [
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
        "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
    ],
    "errors": {},
}


def http(server: RunningServer, token: str = TOKEN) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10, **http_auth(server.url, token))


@pytest.fixture
def cloud() -> Iterator[tuple[RunningServer, JiraStore, Stats]]:
    grant = TokenGrant(browse=frozenset({"E1"}), edit=frozenset({"E1"}), display_name="Limited")
    with running_jira("cloud", restricted={"limited": grant}) as running:
        yield running


@pytest.fixture
def datacenter() -> Iterator[tuple[RunningServer, JiraStore, Stats]]:
    with running_jira("datacenter") as running:
        yield running


def test_old_search_is_gone_on_cloud(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Cloud answers the removed ``/search`` with 410 and Atlassian's exact CHANGE-2046 body."""
    with http(cloud[0]) as web:
        for version in ("2", "3"):
            answer = web.get(f"/rest/api/{version}/search", params={"jql": "project = PAY"})
            assert (answer.status_code, answer.json()) == (410, GONE)


def test_enhanced_search_is_absent_on_datacenter(datacenter: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Data Center has no ``/search/jql`` and no ``/rest/api/3``; its ``/search`` pages with a total."""
    with http(datacenter[0]) as web:
        assert web.get("/rest/api/2/search/jql", params={"jql": "project = PAY"}).status_code == 404
        assert web.get("/rest/api/3/myself").status_code == 404
        page = web.get("/rest/api/2/search", params={"jql": "project = PAY", "maxResults": 5000}).json()
    assert (page["total"], page["maxResults"], page["startAt"], len(page["issues"])) == (4, 1000, 0, 4)


def test_post_body_with_nulls_and_empty_lists(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """The POST body the jira library sends (``expand: null``, ``reconcileIssues: []``) is accepted."""
    body = {
        "jql": "project = PAY ORDER BY key",
        "fields": ["summary", "labels"],
        "expand": None,
        "properties": None,
        "reconcileIssues": [],
        "maxResults": 3,
    }
    with http(cloud[0]) as web:
        page = web.post("/rest/api/2/search/jql", json=body).json()
        rest = web.post(
            "/rest/api/2/search/jql", json={**body, "nextPageToken": page["nextPageToken"]}
        ).json()
    assert "total" not in page and page["isLast"] is False
    assert [i["key"] for i in page["issues"]] == ["PAY-1", "PAY-2", "PAY-3"]
    assert set(page["issues"][1]["fields"]) == {"summary", "labels"}
    assert (
        [i["key"] for i in rest["issues"]] == ["PAY-4"]
        and rest["isLast"] is True
        and "nextPageToken" not in rest
    )


def test_fields_as_repeated_keys_and_comma_string(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """``fields`` works as repeated query keys and as a comma list; the default is id only."""
    with http(cloud[0]) as web:
        repeated = web.get("/rest/api/2/search/jql?jql=key=PAY-2&fields=summary&fields=priority").json()
        comma = web.get(
            "/rest/api/2/search/jql", params={"jql": "key=PAY-2", "fields": "summary,priority"}
        ).json()
        default = web.get("/rest/api/2/search/jql", params={"jql": "key=PAY-2"}).json()
    assert (
        set(repeated["issues"][0]["fields"]) == set(comma["issues"][0]["fields"]) == {"summary", "priority"}
    )
    assert default["issues"][0]["fields"] == {} and default["issues"][0]["id"]


def test_unbounded_jql_is_400(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Enhanced search and approximate count refuse a query without a restriction."""
    with http(cloud[0]) as web:
        answer = web.get("/rest/api/2/search/jql", params={"jql": "order by key desc"})
        count = web.post("/rest/api/2/search/approximate-count", json={"jql": ""})
        bad = web.get("/rest/api/2/search/jql", params={"jql": "project = PAY AND"})
    assert answer.status_code == count.status_code == bad.status_code == 400
    assert bad.json()["errorMessages"][0].startswith("Error in the JQL Query:") and bad.json()["errors"] == {}


def test_max_results_caps(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Cloud pages hold at most 100 issues with fields, 5000 with only ids."""
    extra: list[JiraIssueFixture] = [{"key": f"E0-{n}", "summary": "s"} for n in range(1, 131)]
    with running_jira("cloud", make_fixture(extra)) as (server, _store, _), http(server) as web:
        full = web.get(
            "/rest/api/3/search/jql",
            params={"jql": "project = E0", "fields": "summary", "maxResults": 500},
        ).json()
        ids = web.get(
            "/rest/api/3/search/jql", params={"jql": "project = E0", "fields": "id", "maxResults": 500}
        ).json()
    assert (len(full["issues"]), full["isLast"]) == (100, False)
    assert (len(ids["issues"]), ids["isLast"]) == (130, True)


def test_auth_schemes_and_401_shape(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Basic and Bearer (any case) authenticate; a wrong token is a Jira-shaped 401 not counted in stats."""
    server, _store, stats = cloud
    with httpx.Client(base_url=server.url) as web:
        assert web.get("/rest/api/2/myself", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
        assert web.get("/rest/api/2/myself", auth=(EMAIL, TOKEN)).json()["emailAddress"] == EMAIL
        denied = web.get("/rest/api/2/myself", auth=(EMAIL, "wrong"))
        missing = web.get("/rest/api/2/issue/PAY-1")
    assert denied.status_code == missing.status_code == 401
    assert denied.json()["errorMessages"] and denied.json()["errors"] == {}
    assert stats.snapshot()["jira"]["reads"] == 2


def test_rate_limit_headers_everywhere(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Every answer, errors included, carries X-RateLimit-Limit and -Remaining."""
    with http(cloud[0]) as web:
        for answer in (
            web.get("/rest/api/2/myself"),
            web.get("/rest/api/2/issue/NOPE-1"),
            web.get("/nothing"),
        ):
            assert int(answer.headers["X-RateLimit-Limit"]) >= int(answer.headers["X-RateLimit-Remaining"])


def test_error_helper_builds_a_jira_429() -> None:
    """``jira_error_response(429, ...)`` has Jira's body and an integer Retry-After."""
    answer = jira_error_response(429, ["Rate limit exceeded."], headers={"Retry-After": "2.5"})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "2"
    assert answer.body == b'{"errorMessages":["Rate limit exceeded."],"errors":{}}'


def test_self_urls_follow_host_and_version(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """``self`` uses the host:port and API version of the request; v3 descriptions are ADF."""
    server, store, _ = cloud
    store.edit_as_person("PAY-2", fields={"description": "line one"})
    with http(server) as web:
        v2 = web.get("/rest/api/2/issue/PAY-2").json()
        v3 = web.get("/rest/api/3/issue/PAY-2").json()
    assert v2["self"] == f"{server.url}/rest/api/2/issue/{v2['id']}"
    assert v3["self"].startswith(f"{server.url}/rest/api/3/issue/")
    assert v2["fields"]["description"] == "line one"
    assert v3["fields"]["description"]["type"] == "doc"


def test_put_return_issue_and_create(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """PUT with returnIssue answers 200 with the issue; POST creates with 201 {id, key, self}."""
    with http(cloud[0]) as web:
        edited = web.put(
            "/rest/api/2/issue/PAY-4?returnIssue=true&notifyUsers=false",
            json={"fields": {"summary": "new"}, "update": {}},
        )
        created = web.post(
            "/rest/api/2/issue",
            json={
                "fields": {
                    "project": {"key": "PAY"},
                    "issuetype": {"name": "Task"},
                    "summary": "made",
                    "labels": ["x"],
                }
            },
        )
        fetched = web.get(f"/rest/api/2/issue/{created.json()['key']}").json()
    assert (edited.status_code, edited.json()["fields"]["summary"]) == (200, "new")
    assert (created.status_code, created.json()["key"]) == (201, "PAY-5")
    assert fetched["fields"]["labels"] == ["x"]


def test_bulk_fetch_and_bulk_changelog(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """bulkfetch returns found issues by ascending id; changelog/bulkfetch filters by field id."""
    server, store, _ = cloud
    store.edit_as_person("PAY-2", priority="Low", labels_add=["z"])
    with http(server) as web:
        bulk = web.post(
            "/rest/api/2/issue/bulkfetch",
            json={"issueIdsOrKeys": ["PAY-2", "PAY-1", "NOPE-9"], "fields": ["summary"]},
        ).json()
        logs = web.post(
            "/rest/api/2/changelog/bulkfetch", json={"issueIdsOrKeys": ["PAY-2"], "fieldIds": ["priority"]}
        ).json()
        too_many = web.post(
            "/rest/api/2/issue/bulkfetch", json={"issueIdsOrKeys": [f"E6-{i}" for i in range(101)]}
        )
    assert [i["key"] for i in bulk["issues"]] == ["PAY-1", "PAY-2"]
    (history,) = logs["issueChangeLogs"][0]["changeHistories"]
    assert [i["fieldId"] for i in history["items"]] == ["priority"]
    assert too_many.status_code == 400


def test_properties_and_remote_links(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """Issue properties round-trip; remote links are added and listed; both count as writes once."""
    server, _store, stats = cloud
    with http(server) as web:
        assert web.put("/rest/api/2/issue/PAY-1/properties/roadsync", json={"theme": "t"}).status_code == 201
        assert web.put("/rest/api/2/issue/PAY-1/properties/roadsync", json={"theme": "t"}).status_code == 200
        assert web.get("/rest/api/2/issue/PAY-1/properties/roadsync").json() == {
            "key": "roadsync",
            "value": {"theme": "t"},
        }
        link = web.post(
            "/rest/api/2/issue/PAY-1/remotelink",
            json={"object": {"url": "https://github.com/acme/web/issues/4", "title": "acme/web#4"}},
        )
        links = web.get("/rest/api/2/issue/PAY-1/remotelink").json()
    assert link.status_code == 201 and links[0]["object"]["url"].endswith("/issues/4")
    assert stats.snapshot()["jira"]["writes"] == 2


def test_restricted_token_permissions_and_search(cloud: tuple[RunningServer, JiraStore, Stats]) -> None:
    """A token limited to E1 sees only E1 in projects and search, and mypermissions says so."""
    with http(cloud[0], "limited") as web:
        keys = [p["key"] for p in web.get("/rest/api/2/project").json()]
        found = web.get("/rest/api/2/search/jql", params={"jql": "key in (E1-1)"}).json()
        hidden = web.get("/rest/api/2/search/jql", params={"jql": "project = PAY"})
        perms = web.get(
            "/rest/api/2/mypermissions",
            params={"projectKey": "E1", "permissions": "BROWSE_PROJECTS,EDIT_ISSUES"},
        ).json()
        other = web.get(
            "/rest/api/2/mypermissions", params={"projectKey": "PAY", "permissions": "EDIT_ISSUES"}
        )
    assert keys == ["E1"] and [i["key"] for i in found["issues"]] == ["E1-1"]
    assert hidden.status_code == 400
    assert perms["permissions"]["EDIT_ISSUES"]["havePermission"] is True
    assert other.status_code == 404


def test_ten_thousand_issues_page_from_one_evaluation() -> None:
    """Paging 10k issues at 100 per page evaluates the JQL once; later pages read the kept result."""
    extra: list[JiraIssueFixture] = [
        {"key": f"E0-{n}", "summary": f"s{n}", "labels": ["bulk"]} for n in range(1, 10_001)
    ]
    with running_jira("cloud", make_fixture(extra)) as (server, store, _), http(server) as web:
        token, seen, pages = None, 0, 0
        while True:
            params: dict[str, Any] = {
                "jql": "project = E0 AND labels = bulk ORDER BY key",
                "fields": "summary,labels",
                "maxResults": 100,
                **({"nextPageToken": token} if token else {}),
            }
            page = web.get("/rest/api/2/search/jql", params=params).json()
            seen, pages = seen + len(page["issues"]), pages + 1
            token = page.get("nextPageToken")
            if page["isLast"]:
                break
        evaluations = store.evaluations
    assert seen == 10_000 and pages == 100
    assert evaluations == 1
