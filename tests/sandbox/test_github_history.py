"""People's edits in the sandbox GitHub are attributed to them, in every history the emulator keeps.

Sources: GitHub's OpenAPI (issue event schemas with ``actor``, ``issue_type``/``prev_issue_type``,
``rename``; ``issues/list-events-for-repo``), the GraphQL schema (``ProjectV2ItemFieldValueCommon``
``createdAt``/``updatedAt``/``creator``, ``LabeledEvent``); research ownership.md G7-G8.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, world
from tests.sandbox.test_github_openapi import _validate, openapi  # noqa: F401 (a fixture)


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def test_sandbox_lists_people_whose_tokens_act_as_them(w: World) -> None:
    """``info()["people"]`` lists each person's login and token; ``GET /user`` with that token is them."""
    people = {p["github"]["login"]: p for p in w.sb.info()["people"]}
    assert set(people) == {"pat-person", "tess-triage", "ada-admin"}
    assert people["pat-person"]["name"] == "Pat Person"
    with w.http("pat") as http:
        me = http.get("/user").json()
    assert (me["login"], me["name"]) == ("pat-person", "Pat Person")


def test_label_events_carry_the_account_that_made_them(w: World) -> None:
    """A label roadsync adds is by ``roadsync-bot``; one a person adds or removes (REST, GraphQL): by them."""
    w.gh().get_repo("acme/web").get_issue(3).add_to_labels("ui")
    w.gh("pat").get_repo("acme/web").get_issue(3).remove_from_labels("ui")
    label = w.sb.github_store.find_label(w.sb.github_store.repo("web"), "Theme/Checkout")  # type: ignore[arg-type]
    add = "mutation($i: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $i, labelIds: $l}) { " \
        "labelable { ... on Issue { number } } } }"
    assert "errors" not in w.gql(add, {"i": w.node("acme/web#3"), "l": [label.node_id]}, who="pat").json()  # type: ignore[union-attr]
    events = w.gh().get_repo("acme/web").get_issue(3).get_events()
    assert [(e.event, e.actor.login, e.label.name) for e in events] == [
        ("labeled", "roadsync-bot", "ui"), ("unlabeled", "pat-person", "ui"),
        ("labeled", "pat-person", "Theme/Checkout")]
    query = """query($id: ID!) { node(id: $id) { ... on Issue {
      timelineItems(last: 5, itemTypes: [LABELED_EVENT]) {
        nodes { ... on LabeledEvent { actor { login } label { name } } } } } } }"""
    nodes = w.gql(query, {"id": w.node("acme/web#3")}).json()["data"]["node"]["timelineItems"]["nodes"]
    assert nodes == [{"actor": {"login": "roadsync-bot"}, "label": {"name": "ui"}},
                     {"actor": {"login": "pat-person"}, "label": {"name": "Theme/Checkout"}}]


def test_issue_type_events_say_who_changed_it_from_what(w: World) -> None:
    """Changing, clearing and setting a type by a person gives ``issue_type_changed`` (with the previous
    type), ``issue_type_removed`` and ``issue_type_added`` events by that person."""
    with w.http("pat") as http:
        for value in ("Bug", None, "Feature"):
            assert http.patch("/repos/acme/web/issues/4", json={"type": value}).status_code == 200
        events = http.get("/repos/acme/web/issues/4/events").json()
    shaped = [(e["event"], e["actor"]["login"], e["issue_type"]["name"],
               (e.get("prev_issue_type") or {}).get("name")) for e in events]
    assert shaped == [("issue_type_changed", "pat-person", "Bug", "Task"),
                      ("issue_type_removed", "pat-person", "Bug", None),
                      ("issue_type_added", "pat-person", "Feature", None)]


def test_repository_feed_is_newest_first_with_the_issue_and_etags(w: World) -> None:
    """``/repos/{o}/{r}/issues/events`` lists every issue's events newest first with ``issue``; an unchanged
    feed answers 304 to its ETag, a new event makes it 200 again."""
    w.gh("pat").get_repo("acme/web").get_issue(3).add_to_labels("ui")
    w.gh().get_repo("acme/web").get_issue(1).add_to_labels("ui")
    with w.http() as http:
        first = http.get("/repos/acme/web/issues/events", params={"per_page": 100})
        again = http.get("/repos/acme/web/issues/events", params={"per_page": 100},
                         headers={"If-None-Match": first.headers["etag"]})
        w.gh("pat").get_repo("acme/web").get_issue(1).remove_from_labels("ui")
        later = http.get("/repos/acme/web/issues/events", params={"per_page": 100},
                         headers={"If-None-Match": first.headers["etag"]})
    assert [(e["issue"]["number"], e["actor"]["login"], e["event"]) for e in first.json()] == [
        (1, "roadsync-bot", "labeled"), (3, "pat-person", "labeled")]
    assert (again.status_code, later.status_code) == (304, 200)
    assert later.json()[0]["event"] == "unlabeled"


def test_board_values_record_creator_and_update_times(w: World) -> None:
    """A value a person sets has them as ``creator``; an update by roadsync keeps the record (creator stays)
    and moves ``updatedAt``; cleared and set again, the value is roadsync's."""
    w.sb.github_store.edit_as_person("acme/web#3", project_values={"Priority": "P0"}, actor="pat-person")
    first = _value(w, 3)
    _set(w, 3, "P2", who="bot")
    updated = _value(w, 3)
    _set(w, 3, None, who="bot")
    _set(w, 3, "P1", who="bot")
    recreated = _value(w, 3)
    assert (first["name"], first["creator"]["login"]) == ("P0", "pat-person")
    assert (updated["name"], updated["creator"]["login"], updated["createdAt"]) == (
        "P2", "pat-person", first["createdAt"])
    assert updated["updatedAt"] >= first["updatedAt"]
    assert recreated["creator"]["login"] == "roadsync-bot"


def _board(w: World) -> dict[str, Any]:
    query = """query { organization(login: "acme") { projectV2(number: 1) { id
      field(name: "Priority") { ... on ProjectV2SingleSelectField { id options { id name } } }
      items(first: 10) { nodes { id content { ... on Issue { number } }
        fieldValueByName(name: "Priority") { ... on ProjectV2ItemFieldSingleSelectValue {
          name createdAt updatedAt creator { login } } } } } } } }"""
    board: dict[str, Any] = w.gql(query).json()["data"]["organization"]["projectV2"]
    return board


def _value(w: World, number: int) -> dict[str, Any]:
    item = next(n for n in _board(w)["items"]["nodes"] if n["content"]["number"] == number)
    value: dict[str, Any] = item["fieldValueByName"]
    return value


def _set(w: World, number: int, option: str | None, who: str) -> None:
    board = _board(w)
    item = next(n["id"] for n in board["items"]["nodes"] if n["content"]["number"] == number)
    ids = {"p": board["id"], "i": item, "f": board["field"]["id"]}
    if option is None:
        query = "mutation($p: ID!, $i: ID!, $f: ID!) { clearProjectV2ItemFieldValue(" \
            "input: {projectId: $p, itemId: $i, fieldId: $f}) { projectV2Item { id } } }"
        answer = w.gql(query, ids, who=who).json()
    else:
        oid = next(o["id"] for o in board["field"]["options"] if o["name"] == option)
        query = "mutation($p: ID!, $i: ID!, $f: ID!, $o: String!) { updateProjectV2ItemFieldValue(input: " \
            "{projectId: $p, itemId: $i, fieldId: $f, value: {singleSelectOptionId: $o}}) " \
            "{ projectV2Item { id } } }"
        answer = w.gql(query, {**ids, "o": oid}, who=who).json()
    assert "errors" not in answer, answer


def test_event_and_gone_answers_validate_against_the_official_description(
    w: World, openapi: OpenAPI,  # noqa: F811
) -> None:
    """The repository feed, one feed event, issue type events and a deleted issue's 410 are shapes GitHub's
    OpenAPI description allows."""
    with w.http("pat") as http:
        http.patch("/repos/acme/web/issues/4", json={"type": "Bug", "title": "Receipts v2"})
        http.post("/repos/acme/web/issues/3/labels", json=["ui"])
    w.sb.github_store.delete("acme/web#2")
    with w.http() as http:
        feed = http.get("/repos/acme/web/issues/events")
        one = f"/repos/acme/web/issues/events/{feed.json()[0]['id']}"
        calls = [("/repos/acme/web/issues/events", feed), (one, http.get(one)),
                 ("/repos/acme/web/issues/4/events", http.get("/repos/acme/web/issues/4/events")),
                 ("/repos/acme/web/issues/2", http.get("/repos/acme/web/issues/2"))]
    for path, answer in calls:
        assert answer.status_code in (200, 410), (path, answer.text)
        _validate(openapi, "GET", path, None, httpx.Response(answer.status_code, content=answer.content,
                                                              headers=answer.headers))
    assert json.loads(calls[3][1].content)["message"] == "This issue was deleted"
