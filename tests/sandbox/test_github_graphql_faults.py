"""Flaky GraphQL as GitHub serves it, injected by the sandbox's fault settings.

Sources: gitlens#3298, my-badges#72 (HTTP 502), sveltia-cms#343 ("Something went wrong while executing
your query…", no ``type``, ``data: null``); the GraphQL spec's "Executing mutations" (a failing
top-level field is null, the others are applied); research github.md §6.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, world

UNTYPED = re.compile(
    r"^Something went wrong while executing your query\. This may be the result of a timeout, "
    r"or it could be a GitHub bug\. Please include `[0-9A-F]+(:[0-9A-F]+){4}` when reporting this issue\.$")
BOARD = 'query { organization(login: "acme") { projectV2(number: 1) { id field(name: "Priority") { ' \
    "... on ProjectV2SingleSelectField { id options { id name } } } items(first: 10) { nodes { id } } } } }"


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def _batch(w: World) -> tuple[str, dict[str, Any], list[str]]:
    """A document setting Priority=P2 on three board items through three aliases, and the item ids."""
    board = w.gql(BOARD).json()["data"]["organization"]["projectV2"]
    p2 = next(o["id"] for o in board["field"]["options"] if o["name"] == "P2")
    items = [n["id"] for n in board["items"]["nodes"]]
    fields = "\n".join(
        f'  a{i}: updateProjectV2ItemFieldValue(input: {{projectId: "{board["id"]}", itemId: "{item}", '
        f'fieldId: "{board["field"]["id"]}", value: {{singleSelectOptionId: "{p2}"}}}}) '
        "{ projectV2Item { id } }" for i, item in enumerate(items))
    return "mutation {\n" + fields + "\n}", {}, items


def _priorities(w: World) -> list[str | None]:
    project = w.sb.github_store.projects[0]
    field = project.field_by_name("Priority")
    assert field is not None
    return [field.option_name(item.values.get(field.id, "")) for item in project.items]


@pytest.mark.parametrize("status", [200, 502])
def test_untyped_error_has_no_type_no_path_and_null_data(w: World, status: int) -> None:
    """With ``graphql_untyped_rate=1`` a query gets ``status``, GitHub's untyped error, ``data: null``."""
    w.sb.set_faults(graphql_untyped_rate=1.0, graphql_untyped_status=status)
    answer = w.gql(BOARD)
    body = answer.json()
    assert answer.status_code == status and body["data"] is None
    assert len(body["errors"]) == 1 and set(body["errors"][0]) == {"message"}
    assert UNTYPED.match(body["errors"][0]["message"])


def test_untyped_error_clears_on_retry(w: World) -> None:
    """At a 50% rate some answers are untyped errors and the same query later succeeds."""
    w.sb.set_faults(graphql_untyped_rate=0.5, seed=3)
    outcomes = ["errors" in w.gql(BOARD).json() for _ in range(12)]
    assert True in outcomes and False in outcomes


def test_untyped_error_on_a_mutation_writes_nothing_unless_applied_is_set(w: World) -> None:
    """An untyped error to a mutation leaves the board as it was; with ``graphql_untyped_applied`` the
    mutation ran before the error, so the client cannot tell from the answer."""
    document, _, _ = _batch(w)
    before = _priorities(w)
    w.sb.set_faults(graphql_untyped_rate=1.0)
    assert w.gql(document).json()["data"] is None and _priorities(w) == before
    w.sb.set_faults(graphql_untyped_applied=True)
    assert w.gql(document).json()["data"] is None and _priorities(w) == ["P2", "P2", "P2"]


def test_batch_not_found_fails_one_alias_and_applies_the_others(w: World) -> None:
    """``graphql_batch_not_found_rate=1``: one alias answers null with a NOT_FOUND naming its item and
    ``path: [alias]``; the other two aliases are applied."""
    document, _, items = _batch(w)
    w.sb.set_faults(graphql_batch_not_found_rate=1.0, seed=5)
    body = w.gql(document).json()
    failed = [alias for alias, value in body["data"].items() if value is None]
    assert len(failed) == 1 and len(body["errors"]) == 1
    error, index = body["errors"][0], int(failed[0][1:])
    assert (error["type"], error["path"]) == ("NOT_FOUND", failed)
    assert error["message"] == f"Could not resolve to a node with the global id of '{items[index]}'"
    assert [p == "P2" for p in _priorities(w)] == [i != index for i in range(3)]


def test_batch_not_found_spares_queries_and_repeats_per_seed(w: World) -> None:
    """Queries never meet the batch fault, and the same seed fails the same alias again."""
    document, _, _ = _batch(w)
    w.sb.set_faults(graphql_batch_not_found_rate=1.0, seed=11)
    assert "errors" not in w.gql(BOARD).json()
    first = [k for k, v in w.gql(document).json()["data"].items() if v is None]
    w.sb.set_faults(seed=11)
    w.gql(BOARD)
    assert [k for k, v in w.gql(document).json()["data"].items() if v is None] == first
