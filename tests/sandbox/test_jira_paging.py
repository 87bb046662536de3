"""Cloud search pages come from one evaluation of the query: later pages cost O(page) and a change
between pages neither repeats nor skips an issue (issue 20)."""

from __future__ import annotations

from typing import Any

import httpx

from roadsync.sandbox.fixture import JiraFixture, JiraIssueFixture
from tests.sandbox.test_jira_client import http_auth, make_fixture, running_jira

STORIES: list[JiraIssueFixture] = [
    {"key": f"BIG-{i}", "summary": f"story {i}", "type": "Story", "labels": ["bulk"]} for i in range(1, 41)
]


def _fixture() -> JiraFixture:
    fixture = make_fixture(STORIES)
    fixture["projects"] = [*fixture.get("projects", []), {"key": "BIG", "name": "Big"}]
    return fixture


def _page(web: httpx.Client, token: str | None) -> dict[str, Any]:
    params = {"jql": "labels = bulk ORDER BY key ASC", "maxResults": 10, "fields": "labels"}
    if token:
        params["nextPageToken"] = token
    answer = web.get("/rest/api/3/search/jql", params=params)
    assert answer.status_code == 200
    page: dict[str, Any] = answer.json()
    return page


def test_later_pages_do_not_evaluate_the_query_again() -> None:
    """Paging 40 matches in pages of 10 evaluates the JQL once, even when an edit in between
    invalidates every cached result, and yields each issue once."""
    keys: list[str] = []
    with (
        running_jira("cloud", _fixture()) as (server, store, _),
        httpx.Client(base_url=server.url, timeout=10, **http_auth(server.url)) as web,
    ):
        page = _page(web, None)
        store.edit_as_person("BIG-35", labels_remove=["bulk"])  # no longer matches
        while True:
            keys += [i["key"] for i in page["issues"]]
            if page["isLast"]:
                break
            page = _page(web, str(page["nextPageToken"]))
    assert keys == [f"BIG-{i}" for i in range(1, 41)]
    assert store.evaluations == 1


def test_a_token_of_a_forgotten_result_is_expired() -> None:
    """A page token whose kept result was evicted (33 searches later) is 400 "invalid or expired"."""
    with (
        running_jira("cloud", _fixture()) as (server, _store, _),
        httpx.Client(base_url=server.url, timeout=10, **http_auth(server.url)) as web,
    ):
        token = str(_page(web, None)["nextPageToken"])
        for n in range(33):
            query = {"jql": f"labels = bulk AND key != BIG-{n + 1}", "maxResults": 1}
            web.get("/rest/api/3/search/jql", params=query)
        query = {"jql": "labels = bulk ORDER BY key ASC", "nextPageToken": token}
        answer = web.get("/rest/api/3/search/jql", params=query)
    assert answer.status_code == 400
    assert answer.json()["errorMessages"] == ["The provided next page token is invalid or expired."]
