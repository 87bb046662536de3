"""Renamed repositories, transferred and deleted issues in the sandbox GitHub, through PyGithub and httpx.

Sources: octokit/fixtures ``rename-repository`` (301 for GET, 307 for PATCH, body and ``location``
recorded from api.github.com); nolar/setup-k3d-k3s#6 and node-gh/gh#579 (``location`` keeps the query);
GoogleCloudPlatform/repo-automation-playground#85 (a transfer gives a new id); GitHub's OpenAPI
``issues/get`` (301 for a transferred issue, 410 for a deleted one); research github.md §1-§3.
"""

from __future__ import annotations

import github
import pytest
from github import Auth, Github

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, world

MOVED = {"message": "Moved Permanently", "documentation_url": "https://docs.github.com/v3/#http-redirects"}


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def _rename(w: World, new: str = "storefront") -> int:
    repo = w.gh("ada").get_repo("acme/web")
    repo.edit(name=new)
    return int(repo.id)


def test_rename_through_the_rest_api_answers_the_old_name_with_301_for_reads(w: World) -> None:
    """After ``PATCH /repos/acme/web`` with a new name, a GET on the old name is a 301 to /repositories/{id},
    sub-path and query kept, with GitHub's body."""
    rid = _rename(w)
    with w.http() as http:
        answer = http.get("/repos/acme/web/issues", params={"state": "all", "since": "2020-01-01T00:00:00Z"})
    location = f"{w.url}/repositories/{rid}/issues?state=all&since=2020-01-01T00%3A00%3A00Z"
    assert (answer.status_code, answer.headers["location"]) == (301, location)
    assert answer.json() == {**MOVED, "url": location}


def test_rename_answers_writes_on_the_old_name_with_307_and_writes_nothing(w: World) -> None:
    """POST, PATCH and DELETE on the old name answer 307 (body still "Moved Permanently"); nothing changes."""
    rid = _rename(w)
    with w.http() as http:
        post = http.post("/repos/acme/web/issues/3/labels", json={"labels": ["ui"]})
        patch = http.patch("/repos/acme/web/issues/3", json={"title": "x"})
        delete = http.delete("/repos/acme/web/issues/2/labels/ui")
    assert [a.status_code for a in (post, patch, delete)] == [307, 307, 307]
    assert post.headers["location"] == f"{w.url}/repositories/{rid}/issues/3/labels"
    assert post.json()["message"] == "Moved Permanently"
    issue = w.sb.github_store.get("acme/storefront#3")
    assert issue is not None and issue.labels == [] and issue.title == "Refunds"


def test_repositories_by_id_serve_every_route_with_links_under_that_path(w: World) -> None:
    """``/repositories/{id}/issues`` lists the renamed repository; its page links stay under /repositories."""
    rid = _rename(w)
    with w.http() as http:
        page = http.get(f"/repositories/{rid}/issues", params={"per_page": 2, "state": "all"})
        repo = http.get(f"/repositories/{rid}")
    assert [i["number"] for i in page.json()] == [4, 3]
    assert f"{w.url}/repositories/{rid}/issues?per_page=2&state=all&page=2" in page.headers["link"]
    assert repo.json()["full_name"] == "acme/storefront"


def test_pygithub_follows_the_301_but_drops_the_query(w: World) -> None:
    """PyGithub re-sends a 301 to the location's path only: a closed-issues listing comes back as open ones
    (what a client that trusts it gets wrong; research github.md §1)."""
    w.gh().get_repo("acme/web").get_issue(3).edit(state="closed")
    _rename(w)
    lazy = Github(auth=Auth.Token(w.token()), base_url=w.url, lazy=True, retry=None)
    stale_repo = lazy.get_repo("acme/web")
    listed = [i.number for i in stale_repo.get_issues(state="closed")]
    assert sorted(listed) == [1, 2, 4]  # the open ones: state=closed was dropped on the way


def test_pygithub_counts_a_307_answer_to_a_label_add_as_success(w: World) -> None:
    """An Issue object built before the rename adds a label "successfully" (a 307 body) though nothing is
    written: a client must treat any 3xx answer to a write as not applied."""
    issue = w.gh().get_repo("acme/web").get_issue(3)
    _rename(w)
    issue.add_to_labels("ui")
    assert w.sb.github_store.get("acme/storefront#3").labels == []  # type: ignore[union-attr]


def test_graphql_follows_renames_unless_told_not_to(w: World) -> None:
    """``repository(owner, name: old)`` finds the renamed repository; ``followRenames: false``: NOT_FOUND."""
    _rename(w)
    query = ('query($f: Boolean) { repository(owner: "acme", name: "web", followRenames: $f) '
             "{ nameWithOwner } }")
    assert w.gql(query, {"f": True}).json()["data"]["repository"] == {"nameWithOwner": "acme/storefront"}
    refused = w.gql(query, {"f": False}).json()
    assert refused["errors"][0]["type"] == "NOT_FOUND" and refused["data"]["repository"] is None


def test_only_an_admin_may_rename_and_a_taken_name_is_refused(w: World) -> None:
    """A writer's rename is 403; renaming onto another repository's name is 422; the repo keeps its name."""
    with pytest.raises(github.GithubException) as writer:
        w.gh("pat").get_repo("acme/web").edit(name="other")
    with pytest.raises(github.GithubException) as taken:
        w.gh("ada").get_repo("acme/web").edit(name="api")
    assert (writer.value.status, taken.value.status) == (403, 422)
    assert w.sb.github_store.repo("acme/web") is not None


def test_fixture_renamed_from_redirects_the_old_name(sandbox_factory: SandboxFactory) -> None:
    """A repository's ``renamed_from`` in the fixture makes the old name redirect from the start."""
    fx = {"github": {"owner": "acme", "repos": [{"name": "web", "renamed_from": ["shop"]}],
                     "issues": [{"repo": "web", "number": 1, "title": "One"}]}}
    w = world(sandbox_factory, fx)  # type: ignore[arg-type]
    with w.http() as http:
        answer = http.get("/repos/acme/shop/issues/1")
    rid = w.sb.github_store.repo("web").id  # type: ignore[union-attr]
    assert (answer.status_code, answer.headers["location"]) == (301, f"{w.url}/repositories/{rid}/issues/1")


TRANSFER = """mutation($issue: ID!, $repo: ID!) {
  transferIssue(input: {issueId: $issue, repositoryId: $repo}) { issue { id number databaseId } }
}"""


def _transfer(w: World, key: str = "acme/web#2", who: str = "pat") -> dict[str, object]:
    api = w.sb.github_store.repo("api")
    assert api is not None
    answer = w.gql(TRANSFER, {"issue": w.node(key), "repo": api.node_id}, who=who).json()
    assert "errors" not in answer, answer
    moved: dict[str, object] = answer["data"]["transferIssue"]["issue"]
    return moved


def test_transfer_gives_a_new_number_id_and_node_id(w: World) -> None:
    """A transferred issue has a new number in the target and a new database id and node id."""
    before = w.gh().get_repo("acme/web").get_issue(2)
    moved = _transfer(w)
    assert moved["number"] == 2  # api had issue 1
    assert moved["databaseId"] != before.id and moved["id"] != before.node_id
    after = w.gh().get_repo("acme/api").get_issue(2)
    assert (after.id, after.node_id, after.title) == (moved["databaseId"], moved["id"], "Pay button")


def test_transfer_keeps_only_labels_the_target_has_and_drops_sub_issue_links(w: World) -> None:
    """Labels the target lacks are dropped (it has ``ui``, not ``Theme/Checkout``); the parent link goes."""
    _transfer(w)
    issue = w.sb.github_store.get("acme/api#2")
    assert issue is not None and issue.labels == ["ui"] and issue.parent is None
    assert w.sb.github_store.get("acme/web#1").sub_issues == []  # type: ignore[union-attr]


def test_old_number_answers_301_for_every_verb_with_the_sub_path(w: World) -> None:
    """GET, PATCH and POST labels on the old number answer 301 to the new issue's URL plus the sub-path."""
    _transfer(w)
    with w.http() as http:
        get = http.get("/repos/acme/web/issues/2")
        patch = http.patch("/repos/acme/web/issues/2", json={"title": "x"})
        labels = http.post("/repos/acme/web/issues/2/labels", json={"labels": ["ui"]})
    new = f"{w.url}/repos/acme/api/issues/2"
    assert [(a.status_code, a.headers["location"]) for a in (get, patch, labels)] == [
        (301, new), (301, new), (301, new + "/labels")]
    assert w.sb.github_store.get("acme/api#2").title == "Pay button"  # type: ignore[union-attr]


def test_old_node_id_is_not_found_and_the_new_issue_records_the_transfer(w: World) -> None:
    """The old node id answers NOT_FOUND; the issue has a ``transferred`` event by the person and a
    ``TransferredEvent`` naming the repository it came from."""
    old = w.node("acme/web#2")
    moved = _transfer(w)
    gone = w.gql("query($id: ID!) { node(id: $id) { id } }", {"id": old}).json()
    assert gone["errors"][0]["type"] == "NOT_FOUND"
    assert gone["errors"][0]["message"] == f"Could not resolve to a node with the global id of '{old}'"
    events = w.gh().get_repo("acme/api").get_issue(2).get_events()
    assert [(e.event, e.actor.login) for e in events if e.event == "transferred"] == [
        ("transferred", "pat-person")]
    query = """query($id: ID!) { node(id: $id) { ... on Issue {
      timelineItems(first: 10, itemTypes: [TRANSFERRED_EVENT]) {
        nodes { ... on TransferredEvent { actor { login } fromRepository { nameWithOwner } } } } } } }"""
    nodes = w.gql(query, {"id": moved["id"]}).json()["data"]["node"]["timelineItems"]["nodes"]
    assert nodes == [{"actor": {"login": "pat-person"}, "fromRepository": {"nameWithOwner": "acme/web"}}]


def test_transfer_keeps_the_board_item_under_the_new_node_id(w: World) -> None:
    """The issue stays on the organization's board; the item's content is the transferred issue."""
    moved = _transfer(w)
    query = "query($id: ID!) { node(id: $id) { ... on Issue { projectItems(first: 5) { nodes { id } } } } }"
    items = w.gql(query, {"id": moved["id"]}).json()["data"]["node"]["projectItems"]["nodes"]
    assert len(items) == 1


def test_a_triage_token_cannot_transfer(w: World) -> None:
    """Transferring needs write access to both repositories: a triage token gets FORBIDDEN, nothing moves."""
    api = w.sb.github_store.repo("api")
    assert api is not None
    answer = w.gql(TRANSFER, {"issue": w.node("acme/web#2"), "repo": api.node_id}, who="tess").json()
    assert answer["errors"][0]["type"] == "FORBIDDEN"
    assert w.sb.github_store.get("acme/web#2") is not None


DELETE = "mutation($id: ID!) { deleteIssue(input: {issueId: $id}) { repository { name } } }"


def test_deleted_issue_answers_410_gone_to_reads_and_writes(w: World) -> None:
    """After ``deleteIssue`` by an admin, GET, PATCH and label writes on the number answer 410 with GitHub's
    body, and the issue leaves the list."""
    answer = w.gql(DELETE, {"id": w.node("acme/web#3")}, who="ada").json()
    assert answer["data"]["deleteIssue"]["repository"]["name"] == "web"
    gone = {"message": "This issue was deleted",
            "documentation_url": "https://docs.github.com/rest/issues/issues#get-an-issue", "status": "410"}
    with w.http() as http:
        answers = [http.get("/repos/acme/web/issues/3"),
                   http.patch("/repos/acme/web/issues/3", json={"title": "x"}),
                   http.post("/repos/acme/web/issues/3/labels", json=["ui"]),
                   http.delete("/repos/acme/web/issues/3/labels/ui")]
        listed = [i["number"] for i in http.get("/repos/acme/web/issues", params={"state": "all"}).json()]
    assert [(a.status_code, a.json()) for a in answers] == [(410, gone)] * 4
    assert 3 not in listed
    with pytest.raises(github.GithubException) as caught:
        w.gh().get_repo("acme/web").get_issue(3)
    assert caught.value.status == 410


def test_only_an_admin_may_delete_and_numbers_are_never_reused(w: World) -> None:
    """A writer's ``deleteIssue`` is FORBIDDEN; after a delete the next new issue gets a fresh number."""
    refused = w.gql(DELETE, {"id": w.node("acme/web#4")}, who="pat").json()
    assert refused["errors"][0]["type"] == "FORBIDDEN" and w.sb.github_store.get("acme/web#4") is not None
    w.gql(DELETE, {"id": w.node("acme/web#4")}, who="ada")
    assert w.gh().get_repo("acme/web").create_issue(title="New").number == 5


def test_fixture_deleted_and_transferred_issues_answer_as_github(sandbox_factory: SandboxFactory) -> None:
    """``deleted_issues`` answer 410 and ``transferred_from`` makes the old number a 301 from the start."""
    fx = {"github": {"owner": "acme", "repos": [{"name": "web", "deleted_issues": [7]}, {"name": "api"}],
                     "issues": [{"repo": "api", "number": 3, "title": "Moved", "transferred_from": "web#5"}]}}
    w = world(sandbox_factory, fx)  # type: ignore[arg-type]
    with w.http() as http:
        gone, moved = http.get("/repos/acme/web/issues/7"), http.get("/repos/acme/web/issues/5/events")
    assert gone.status_code == 410
    assert (moved.status_code, moved.headers["location"]) == (301, f"{w.url}/repos/acme/api/issues/3/events")
