"""Label rules and repository roles of the sandbox GitHub, as GitHub applies them.

Sources: github/docs#32156 (422 ``custom`` "name is too long (maximum is 50 characters)" on create),
semantic-release/github#518 (422 ``invalid`` with ``value`` when adding such a name to an issue),
git-bug#176 and intuit/auto#548 (names unique in any case; GraphQL ``label(name:)`` exact-case),
GitHub's OpenAPI ``issues/update`` ("Without push access to the repository, type changes are
silently dropped"), hub4j/github-api#836 (triage may add labels); research github.md §4-§5.
"""

from __future__ import annotations

import github
import pytest

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, world

LONG = "theme/" + "x" * 45  # 51 characters
LABEL_DOCS = "https://docs.github.com/rest/issues/labels"


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def test_creating_a_label_over_50_characters_is_422_custom(w: World) -> None:
    """``POST /labels`` with a 51-character name answers GitHub's 422 body; 50 characters are fine."""
    with w.http() as http:
        refused = http.post("/repos/acme/web/labels", json={"name": LONG, "color": "ff0000"})
        fine = http.post("/repos/acme/web/labels", json={"name": LONG[:50], "color": "ff0000"})
    assert (refused.status_code, refused.json()) == (422, {
        "message": "Validation Failed",
        "documentation_url": f"{LABEL_DOCS}#create-a-label",
        "errors": [{"resource": "Label", "code": "custom", "field": "name",
                    "message": "name is too long (maximum is 50 characters)"}],
        "status": "422"})
    assert fine.status_code == 201


def test_adding_an_unknown_long_name_to_an_issue_is_422_invalid_and_changes_nothing(w: World) -> None:
    """``POST /issues/{n}/labels`` with a new 51-character name answers 422 ``invalid`` with the value, and
    the other names of that request are not added either."""
    with w.http() as http:
        refused = http.post("/repos/acme/web/issues/3/labels", json={"labels": ["ui", LONG]})
    assert (refused.status_code, refused.json()) == (422, {
        "message": "Validation Failed",
        "documentation_url": f"{LABEL_DOCS}#add-labels-to-an-issue",
        "errors": [{"value": LONG, "resource": "Label", "field": "name", "code": "invalid"}],
        "status": "422"})
    assert w.sb.github_store.get("acme/web#3").labels == []  # type: ignore[union-attr]
    assert w.sb.github_store.find_label(w.sb.github_store.repo("web"), LONG) is None  # type: ignore[arg-type]


def test_renaming_a_label_past_50_characters_is_refused(w: World) -> None:
    """``PATCH /labels/{name}`` with a 51-character ``new_name`` answers 422 and keeps the old name."""
    with w.http() as http:
        refused = http.patch("/repos/acme/web/labels/ui", json={"new_name": LONG})
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "custom"
    assert w.sb.github_store.find_label(w.sb.github_store.repo("web"), "ui") is not None  # type: ignore[arg-type]


def test_adding_another_case_attaches_the_existing_label_in_its_stored_case(w: World) -> None:
    """Adding ``theme/checkout`` where ``Theme/Checkout`` exists attaches that label; the answer shows the
    stored case and the repository gains no second label."""
    issue = w.gh().get_repo("acme/web").get_issue(3)
    issue.add_to_labels("theme/checkout")
    assert [lab.name for lab in w.gh().get_repo("acme/web").get_issue(3).labels] == ["Theme/Checkout"]
    assert sorted(lab.name for lab in w.gh().get_repo("acme/web").get_labels()) == ["Theme/Checkout", "ui"]
    with w.http() as http:
        again = http.post("/repos/acme/web/issues/3/labels", json={"labels": ["THEME/CHECKOUT"]})
        created = http.post("/repos/acme/web/labels", json={"name": "theme/checkout"})
    assert [lab["name"] for lab in again.json()] == ["Theme/Checkout"]
    assert created.status_code == 422 and created.json()["errors"][0]["code"] == "already_exists"


def test_removing_and_listing_by_label_ignore_case(w: World) -> None:
    """``DELETE …/labels/theme%2Fcheckout`` removes ``Theme/Checkout``; ``labels=`` filters in any case."""
    with w.http() as http:
        listed = http.get("/repos/acme/web/issues", params={"labels": "theme/checkout"}).json()
        removed = http.delete("/repos/acme/web/issues/1/labels/theme%2Fcheckout")
        absent = http.delete("/repos/acme/web/issues/1/labels/theme%2Fcheckout")
    assert sorted(i["number"] for i in listed) == [1, 2]
    assert removed.status_code == 200 and absent.status_code == 404
    assert absent.json()["message"] == "Label does not exist"


def test_a_label_renamed_to_another_case_keeps_its_id_and_issues(w: World) -> None:
    """A person renaming ``Theme/Checkout`` to ``theme/checkout`` keeps the label (same id) on both issues."""
    repo = w.gh("pat").get_repo("acme/web")
    label = repo.get_label("Theme/Checkout")
    label.edit(name="theme/checkout", color="00ff00")
    after = w.gh().get_repo("acme/web").get_label("theme/checkout")
    assert after.id == label.id and after.name == "theme/checkout"
    assert [lab.name for lab in w.gh().get_repo("acme/web").get_issue(2).labels] == ["ui", "theme/checkout"]


def test_graphql_label_lookup_is_exact_case(w: World) -> None:
    """``repository.label(name:)`` finds ``Theme/Checkout`` only in that case, unlike REST."""
    query = 'query($n: String!) { repository(owner: "acme", name: "web") { label(name: $n) { name } } }'
    found = [w.gql(query, {"n": n}).json()["data"]["repository"]["label"]
             for n in ("Theme/Checkout", "theme/checkout")]
    assert found == [{"name": "Theme/Checkout"}, None]


def test_triage_token_patching_type_gets_200_and_nothing_changes(w: World) -> None:
    """A triage token's ``PATCH`` of ``type`` (and labels, assignees, milestone) answers 200 with the issue
    unchanged: a silent drop. Its title change goes through."""
    with w.http("tess") as http:
        answer = http.patch("/repos/acme/web/issues/4", json={
            "type": "Bug", "labels": ["ui"], "assignees": ["pat-person"], "title": "Receipts v2"})
    body = answer.json()
    assert answer.status_code == 200
    assert (body["type"]["name"], body["labels"], body["assignees"], body["title"]) == (
        "Task", [], [], "Receipts v2")
    events = [e["event"] for e in w.http().get("/repos/acme/web/issues/4/events").json()]
    assert events == ["renamed"]


def test_triage_token_adds_and_removes_existing_labels_but_creates_none(w: World) -> None:
    """Triage may add and remove existing labels on an issue; a name the repo lacks is 422 ``invalid``."""
    issue = w.gh("tess").get_repo("acme/web").get_issue(3)
    issue.add_to_labels("ui")
    issue.remove_from_labels("ui")
    with pytest.raises(github.GithubException) as caught:
        issue.add_to_labels("brand-new")
    assert caught.value.status == 422 and caught.value.data["errors"][0]["code"] == "invalid"  # type: ignore[index]
    assert [(e.event, e.actor.login) for e in issue.get_events()] == [
        ("labeled", "tess-triage"), ("unlabeled", "tess-triage")]


def test_each_role_shows_in_permissions_and_viewer_permission(w: World) -> None:
    """``GET /repos`` ``permissions`` and GraphQL ``viewerPermission`` report each token's role."""
    perms = {who: w.gh(who).get_repo("acme/web").permissions for who in ("tess", "pat", "ada")}
    assert (perms["tess"].triage, perms["tess"].push) == (True, False)
    assert (perms["pat"].push, perms["pat"].admin) == (True, False)
    assert perms["ada"].admin is True
    query = 'query { repository(owner: "acme", name: "web") { viewerPermission } }'
    roles = [w.gql(query, who=who).json()["data"]["repository"] for who in ("tess", "pat")]
    assert roles == [{"viewerPermission": "TRIAGE"}, {"viewerPermission": "WRITE"}]


def test_type_is_ignored_where_the_owner_has_no_issue_types(sandbox_factory: SandboxFactory) -> None:
    """Without issue types (a user-owned repository), ``PATCH`` with ``type`` answers 200 and sets nothing."""
    fx = {"github": {"owner": "acme", "repos": [{"name": "web"}],
                     "issues": [{"repo": "web", "number": 1, "title": "One"}]}}
    w = world(sandbox_factory, fx)  # type: ignore[arg-type]
    with w.http() as http:
        answer = http.patch("/repos/acme/web/issues/1", json={"type": "Bug"})
    assert answer.status_code == 200 and answer.json()["type"] is None
