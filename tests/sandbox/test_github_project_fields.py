"""The GitHub sandbox's ``createProjectV2Field``: a new field on a Projects v2 board, as GitHub's
schema describes it (roadsync creates its ownership marker field with it)."""

from __future__ import annotations

from typing import Any

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import world

CREATE = """mutation($p: ID!, $n: String!, $t: ProjectV2CustomFieldType!,
  $o: [ProjectV2SingleSelectFieldOptionInput!]) {
  createProjectV2Field(input: {projectId: $p, name: $n, dataType: $t, singleSelectOptions: $o}) {
    projectV2Field { ... on ProjectV2FieldCommon { id name dataType } } } }"""
BOARD = """query { organization(login: "acme") { projectV2(number: 1) {
  id fields(first: 50) { nodes { ... on ProjectV2FieldCommon { name dataType } } } } } }"""


def _board(w: Any) -> dict[str, Any]:
    return dict(w.gql(BOARD).json()["data"]["organization"]["projectV2"])


def test_a_text_field_is_created_once_and_a_taken_name_is_refused(sandbox_factory: SandboxFactory) -> None:
    """A TEXT field appears on the board with its type; the same name again is refused (UNPROCESSABLE)."""
    w = world(sandbox_factory)
    board = _board(w)
    made = w.gql(CREATE, {"p": board["id"], "n": "roadsync", "t": "TEXT"}).json()
    assert made["data"]["createProjectV2Field"]["projectV2Field"]["dataType"] == "TEXT"
    assert {"name": "roadsync", "dataType": "TEXT"} in _board(w)["fields"]["nodes"]
    again = w.gql(CREATE, {"p": board["id"], "n": "roadsync", "t": "TEXT"}).json()
    assert again["errors"][0]["type"] == "UNPROCESSABLE"
    assert [f["name"] for f in _board(w)["fields"]["nodes"]].count("roadsync") == 1


def test_a_single_select_needs_an_option(sandbox_factory: SandboxFactory) -> None:
    """A SINGLE_SELECT field without options is refused; with one it is created."""
    w = world(sandbox_factory)
    board = _board(w)
    bare = w.gql(CREATE, {"p": board["id"], "n": "Size", "t": "SINGLE_SELECT"}).json()
    assert bare["errors"][0]["type"] == "UNPROCESSABLE"
    option = [{"name": "S", "color": "GRAY", "description": ""}]
    made = w.gql(CREATE, {"p": board["id"], "n": "Size", "t": "SINGLE_SELECT", "o": option}).json()
    assert made["data"]["createProjectV2Field"]["projectV2Field"]["name"] == "Size"
