"""The emulator's REST Projects v2 item lists (``/orgs|users/{owner}/projectsV2/{n}/items``) over httpx.

Shapes are checked against the docs' example response ("List items for an organization owned
project", https://docs.github.com/rest/projects/items): our tests/api/github-rest.json predates
these paths. Filter semantics from "Filtering projects" (``last-updated:7days`` "items last
updated seven or more days ago", ``-last-updated:10days`` "updated in the last ten days").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.github import GithubStore, TokenGrant, create_github_app

TOKEN = "ghp_rest_items_test_token_0123456789"
NO_PROJECTS = "ghs_actions_token_without_projects"
OLD = "2026-01-01T00:00:00Z"
ITEM_KEYS = {"id", "node_id", "project_url", "content", "content_type", "creator", "created_at",
             "updated_at", "archived_at", "item_url", "fields"}  # the docs' example item


def _fixture(owner: str) -> dict[str, Any]:
    issues = [{"repo": "web", "number": n, "title": f"Issue {n}"} for n in range(1, 8)]
    return {
        "owner": "acme",
        "user": {"login": "octo"},
        "repos": [{"name": "web"}],
        "issues": issues,
        "project": {
            "number": 3, "owner": owner,
            "fields": [{"name": "Priority", "type": "single_select", "options": ["P0", "P1"]},
                       {"name": "Note", "type": "text"}, {"name": "Estimate", "type": "number"}],
            "items": [{"issue": f"acme/web#{n}", "values": {"Priority": "P1"},
                       **({"updated_at": OLD} if n > 2 else {})} for n in range(1, 8)],
        },
    }  # fmt: skip


class Board:
    def __init__(self, owner: str) -> None:
        self.store = GithubStore.from_fixture(_fixture(owner))  # type: ignore[arg-type]
        self.stats = Stats()
        grants = {NO_PROJECTS: TokenGrant(projects=False, scopes=None)}
        app = create_github_app(self.store, stats=self.stats, token=TOKEN, restricted_tokens=grants)
        self.server: RunningServer = serve_app(app)
        self.http = httpx.Client(base_url=self.server.url, headers={"Authorization": f"token {TOKEN}"})

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def field_id(self, name: str) -> int:
        found = self.store.projects[0].field_by_name(name)
        assert found is not None
        return found.database_id


@pytest.fixture
def board() -> Iterator[Board]:
    made = Board("acme")
    yield made
    made.http.close()
    made.server.stop()


ITEMS = "/orgs/acme/projectsV2/3/items"


def _numbers(answer: httpx.Response) -> list[int]:
    return [item["content"]["number"] for item in answer.json()]


def test_an_item_has_the_documented_shape_and_only_the_title_by_default(board: Board) -> None:
    """An item carries the docs' keys, its issue as content, and only the Title value unless asked."""
    answer = board.get(ITEMS)
    assert answer.status_code == 200
    item = answer.json()[0]
    assert set(item) == ITEM_KEYS and item["content_type"] == "Issue"
    assert item["node_id"].startswith("PVTI_") and item["content"]["url"].endswith("/repos/acme/web/issues/1")
    assert [(f["name"], f["data_type"]) for f in item["fields"]] == [("Title", "title")]
    assert item["fields"][0]["value"]["raw"] == "Issue 1"
    assert "x-ratelimit-remaining" in answer.headers


def test_fields_returns_the_asked_values_in_the_documented_shapes(board: Board) -> None:
    """``fields=`` (comma list or repeated ``fields[]``) returns those fields' values by id."""
    ids = [board.field_id("Priority"), board.field_id("Note")]
    for params in ({"fields": f"{ids[0]},{ids[1]}"}, {"fields[]": ids}):
        values = {f["name"]: f for f in board.get(ITEMS, **params).json()[0]["fields"]}
        assert set(values) == {"Priority", "Note"}
        assert values["Priority"]["data_type"] == "single_select" and values["Priority"]["id"] == ids[0]
        assert values["Priority"]["value"]["name"] == {"raw": "P1", "html": "P1"}
        assert values["Note"]["value"] is None


def test_last_updated_filters_by_days_both_ways(board: Board) -> None:
    """``-last-updated:Ndays`` keeps the items updated in the last N days, ``last-updated:`` the others."""
    assert _numbers(board.get(ITEMS, q="-last-updated:2days")) == [1, 2]
    assert _numbers(board.get(ITEMS, q="last-updated:2days")) == [3, 4, 5, 6, 7]
    assert _numbers(board.get(ITEMS, q="-last-updated:1day is:issue")) == [1, 2]


def test_a_value_change_moves_updated_at_as_on_the_graphql_side(board: Board) -> None:
    """A person's board edit moves the item's ``updated_at`` into the recent window, equal to GraphQL's."""
    board.store.edit_as_person("acme/web#5", project_values={"Priority": "P0"})
    recent = board.get(ITEMS, q="-last-updated:1days").json()
    assert [item["content"]["number"] for item in recent] == [1, 2, 5]
    item = board.store.projects[0].items[4]
    assert recent[2]["updated_at"] == item.updated_at > OLD


def test_cursor_pages_follow_the_link_header(board: Board) -> None:
    """``per_page`` pages are linked by ``after`` cursors (``rel="next"``), absent on the last page."""
    seen: list[int] = []
    url: str | None = f"{ITEMS}?per_page=3"
    pages = 0
    while url:
        answer = board.http.get(url)
        seen += _numbers(answer)
        pages += 1
        links = answer.headers.get("link", "")
        if pages > 1:
            assert 'rel="prev"' in links and "before=" in links
        url = next((p.split(";")[0].strip("<> ") for p in links.split(",") if 'rel="next"' in p), None)
    assert seen == [1, 2, 3, 4, 5, 6, 7] and pages == 3
    assert board.stats.by_endpoint()["github"]["list_org_project_items"] == 3


def test_refusals_answer_as_github(board: Board) -> None:
    """No Projects access 403, an unknown board 404, a server without the list 404, an unserved
    qualifier 400 (an emulator limit, never silently ignored)."""
    blocked = board.http.get(ITEMS, headers={"Authorization": f"token {NO_PROJECTS}"})
    assert blocked.status_code == 403
    assert board.get("/orgs/acme/projectsV2/9/items").status_code == 404
    assert board.get("/users/acme/projectsV2/3/items").status_code == 404
    assert board.get(ITEMS, q="assignee:octocat").status_code == 400
    board.store.rest_project_items = False
    assert board.get(ITEMS).status_code == 404


def test_a_user_board_is_listed_under_users() -> None:
    """A user's board is served at ``/users/{username}/projectsV2/{n}/items``, not under ``/orgs``."""
    made = Board("octo")
    try:
        answer = made.get("/users/octo/projectsV2/3/items", q="-last-updated:3days")
        assert answer.status_code == 200 and _numbers(answer) == [1, 2]
        assert answer.json()[0]["project_url"].endswith("/users/octo/projectsV2/3")
        assert made.get("/orgs/octo/projectsV2/3/items").status_code == 404
    finally:
        made.http.close()
        made.server.stop()
