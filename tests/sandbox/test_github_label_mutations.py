"""The emulator's ``addLabelsToLabelable`` / ``removeLabelsFromLabelable``, aliased several to a document.

Sources: GitHub's GraphQL reference (https://docs.github.com/en/graphql/reference/mutations#addlabelstolabelable,
#removelabelsfromlabelable; the official schema in tests/api/github-graphql.schema.graphql); the
GraphQL spec's "Executing mutations" (top-level fields run one after another, a failing one is
``null`` with an error whose ``path`` is its alias, the others stay applied; research github.md §6);
"Could not resolve to a node with the global id of '…'" for an unknown id (research §2); label
events with their actor as the REST path records them (research/ownership.md G7); GitHub's
secondary limits, per *request*: 5 points for a document with mutations, one content-creating
request (github/docs ``secondary-rate-limit-rest-graphql.md``; research §9).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, world


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def _label_id(w: World, repo: str, name: str) -> str:
    found = w.sb.github_store.find_label(w.sb.github_store.repo(repo), name)  # type: ignore[arg-type]
    assert found is not None
    return found.node_id


def _document(ops: list[tuple[str, str, str]]) -> str:
    """An aliased document: ``(mutation, issue id, label id)`` per alias ``l0``, ``l1``…"""
    calls = [f'l{n}: {m}(input: {{labelableId: "{issue}", labelIds: ["{label}"]}}) '
             "{ labelable { ... on Issue { labels(first: 100) { nodes { name } } } } }"
             for n, (m, issue, label) in enumerate(ops)]
    return "mutation { " + " ".join(calls) + " }"


def _events(w: World, key: str) -> list[tuple[str, str, str]]:
    repo, number = key.split("/")[1].split("#")
    events = w.gh().get_repo(f"acme/{repo}").get_issue(int(number)).get_events()
    return [(e.event, e.actor.login, e.label.name) for e in events if e.event in ("labeled", "unlabeled")]


def test_an_unknown_issue_fails_its_alias_only_with_a_path(w: World) -> None:
    """Three aliases: an add, an add to an unknown issue id, a remove; the middle one is ``null`` with a
    NOT_FOUND error whose path is its alias, and the other two are applied (set union, removal)."""
    ui = _label_id(w, "acme/web", "ui")
    body: dict[str, Any] = w.gql(_document([
        ("addLabelsToLabelable", w.node("acme/web#3"), ui),
        ("addLabelsToLabelable", "I_no_such_issue", ui),
        ("removeLabelsFromLabelable", w.node("acme/web#2"), ui),
    ])).json()
    assert body["data"]["l1"] is None
    assert [(e["type"], e["path"]) for e in body["errors"]] == [("NOT_FOUND", ["l1"])]
    assert "I_no_such_issue" in body["errors"][0]["message"]
    assert body["data"]["l0"]["labelable"]["labels"]["nodes"] == [{"name": "ui"}]
    assert w.sb.github_store.get("acme/web#3").labels == ["ui"]  # type: ignore[union-attr]
    assert w.sb.github_store.get("acme/web#2").labels == ["Theme/Checkout"]  # type: ignore[union-attr]


def test_an_unknown_label_id_fails_its_alias_only(w: World) -> None:
    """A label id that does not resolve (or is another repository's) is NOT_FOUND for that alias; the
    next alias still adds its label."""
    other = _label_id(w, "acme/api", "ui")
    body = w.gql(_document([
        ("addLabelsToLabelable", w.node("acme/web#3"), other),
        ("addLabelsToLabelable", w.node("acme/web#4"), _label_id(w, "acme/web", "Theme/Checkout")),
    ])).json()
    assert [(e["type"], e["path"]) for e in body["errors"]] == [("NOT_FOUND", ["l0"])]
    assert w.sb.github_store.get("acme/web#3").labels == []  # type: ignore[union-attr]
    assert w.sb.github_store.get("acme/web#4").labels == ["Theme/Checkout"]  # type: ignore[union-attr]


def test_label_events_name_the_token_account_as_rest_does_and_a_no_op_emits_none(w: World) -> None:
    """An add and a remove by GraphQL leave ``labeled``/``unlabeled`` events by the token's account, the
    same as PyGithub's REST calls by a person; adding a label the issue has already, or removing one
    it lacks, changes nothing and records no event."""
    w.gh("pat").get_repo("acme/web").get_issue(4).add_to_labels("ui")
    ui, theme = _label_id(w, "acme/web", "ui"), _label_id(w, "acme/web", "Theme/Checkout")
    issue = w.node("acme/web#4")
    w.gql(_document([("addLabelsToLabelable", issue, theme), ("removeLabelsFromLabelable", issue, ui)]))
    expected = [("labeled", "pat-person", "ui"), ("labeled", "roadsync-bot", "Theme/Checkout"),
                ("unlabeled", "roadsync-bot", "ui")]
    assert _events(w, "acme/web#4") == expected
    both = _document([("addLabelsToLabelable", issue, theme), ("removeLabelsFromLabelable", issue, ui)])
    again = w.gql(both)
    assert "errors" not in again.json()
    assert _events(w, "acme/web#4") == expected
    assert w.sb.github_store.get("acme/web#4").labels == ["Theme/Checkout"]  # type: ignore[union-attr]


def test_a_label_document_costs_5_points_and_one_content_request_however_many_aliases(w: World) -> None:
    """Under 2 content requests a minute, two documents of three aliases each go through and the third
    is refused (403, ``retry-after``) with nothing applied; under 10 points a minute a query after
    two mutation documents is refused."""
    w.sb.set_github_limits(content_per_minute=2, graphql_points_per_minute=10, minute_s=30.0)
    ui = _label_id(w, "acme/web", "ui")
    keys = ["acme/web#1", "acme/web#3", "acme/web#4"]
    add = _document([("addLabelsToLabelable", w.node(k), ui) for k in keys])
    remove = _document([("removeLabelsFromLabelable", w.node(k), ui) for k in keys])
    assert "errors" not in w.gql(add).json() and "errors" not in w.gql(remove).json()
    refused = w.gql(add)
    assert refused.status_code == 403 and int(refused.headers["retry-after"]) >= 1
    assert all("ui" not in w.sb.github_store.get(k).labels for k in keys)  # type: ignore[union-attr]
    query = w.gql('query { repository(owner: "acme", name: "web") { name } }')
    assert query.status_code == 403 and "secondary rate limit" in query.json()["message"]
