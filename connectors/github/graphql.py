"""The GraphQL documents roadsync sends to GitHub (validated against the official schema in tests).

Reads: the configured Projects v2 board, one page of 100 items per request. The first page also
brings the project id and its fields (``PROJECT_ORG_QUERY`` / ``PROJECT_USER_QUERY``); later pages
go through ``node(id:)`` (``PROJECT_ITEMS_QUERY``). A board of n items costs ceil(n / 100) requests
(at least 1).

Writes: ``CREATE_TEXT_FIELD_MUTATION`` (roadsync's ownership marker field, once per board, when
missing), ``ADD_ITEM_MUTATION`` (idempotent: GitHub returns the existing item when the issue is on the
board already), and :func:`field_updates_mutation`, which batches up to :data:`BATCH_SIZE` aliased
``updateProjectV2ItemFieldValue`` / ``clearProjectV2ItemFieldValue`` calls in one document. 20 keeps a
document far below GitHub's 10 s query timeout while cutting requests 20-fold; each aliased mutation
still counts 5 secondary-limit points, so a full batch costs 100 of the 2,000 points per minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ADD_ITEM_MUTATION",
    "BATCH_SIZE",
    "BOARD_VALUES_QUERY",
    "CREATE_TEXT_FIELD_MUTATION",
    "ITEM_EXISTS_QUERY",
    "PROJECT_ITEMS_QUERY",
    "PROJECT_ORG_QUERY",
    "PROJECT_USER_QUERY",
    "REREAD_QUERY",
    "TRANSFERS_QUERY",
    "FieldUpdate",
    "Kind",
    "field_updates_mutation",
]

BATCH_SIZE = 20

Kind = Literal["singleSelectOptionId", "text", "number", "date"]

_VALUES = """
fragment Values on ProjectV2ItemFieldValueConnection {
      nodes {
        ... on ProjectV2ItemFieldSingleSelectValue {
          name optionId updatedAt field { ... on ProjectV2FieldCommon { name } }
        }
        ... on ProjectV2ItemFieldTextValue { text updatedAt field { ... on ProjectV2FieldCommon { name } } }
        ... on ProjectV2ItemFieldNumberValue {
          number updatedAt field { ... on ProjectV2FieldCommon { name } }
        }
        ... on ProjectV2ItemFieldDateValue { date updatedAt field { ... on ProjectV2FieldCommon { name } } }
      }
}
"""

_BOARD_ITEMS = (
    """
fragment BoardItems on ProjectV2ItemConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    id
    type
    content {
      ... on Issue { id number repository { nameWithOwner } }
      ... on PullRequest { id number repository { nameWithOwner } }
    }
    fieldValues(first: 50) { ...Values }
  }
}
"""
    + _VALUES
)

BOARD_VALUES_QUERY = (
    """
query RoadsyncBoardValues($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProjectV2Item { id fieldValues(first: 50) { ...Values } } }
}
"""
    + _VALUES
)
"""Board items' values by item id (read back after a mutation document that failed)."""

REREAD_QUERY = (
    """
query RoadsyncReread($issues: [ID!]!, $items: [ID!]!) {
  issues: nodes(ids: $issues) {
    ... on Issue { id number state updatedAt labels(first: 100) { nodes { name } } }
  }
  boardItems: nodes(ids: $items) {
    ... on ProjectV2Item { id fieldValues(first: 50) { ...Values } }
  }
}
"""
    + _VALUES
)
"""Issues (labels, state) and their board items' values, right before they are written."""

_BOARD = (
    """
fragment Board on ProjectV2 {
  id
  title
  fields(first: 100) {
    nodes {
      ... on ProjectV2FieldCommon { id name dataType }
      ... on ProjectV2SingleSelectField { options { id name } }
    }
  }
  items(first: 100, after: $after) { ...BoardItems }
}
"""
    + _BOARD_ITEMS
)

PROJECT_ORG_QUERY = (
    """
query RoadsyncOrgProject($owner: String!, $number: Int!, $after: String) {
  organization(login: $owner) { projectV2(number: $number) { ...Board } }
}
"""
    + _BOARD
)

PROJECT_USER_QUERY = (
    """
query RoadsyncUserProject($owner: String!, $number: Int!, $after: String) {
  user(login: $owner) { projectV2(number: $number) { ...Board } }
}
"""
    + _BOARD
)

PROJECT_ITEMS_QUERY = (
    """
query RoadsyncProjectItems($project: ID!, $after: String) {
  node(id: $project) { ... on ProjectV2 { items(first: 100, after: $after) { ...BoardItems } } }
}
"""
    + _BOARD_ITEMS
)

CREATE_TEXT_FIELD_MUTATION = """
mutation RoadsyncCreateMarkerField($project: ID!, $name: String!) {
  createProjectV2Field(input: {projectId: $project, dataType: TEXT, name: $name}) {
    projectV2Field { ... on ProjectV2FieldCommon { id name dataType } }
  }
}
"""

ITEM_EXISTS_QUERY = """
query RoadsyncItemExists($item: ID!) { node(id: $item) { id } }
"""

TRANSFERS_QUERY = """
query RoadsyncTransfers($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Issue {
      timelineItems(itemTypes: [TRANSFERRED_EVENT], first: 10) {
        nodes { ... on TransferredEvent { fromRepository { nameWithOwner } } }
      }
    }
  }
}
"""
"""Where issues came from by transfer: up to 100 issue node ids per request
(:mod:`roadsync.connectors.github.transfers`)."""

ADD_ITEM_MUTATION = """
mutation RoadsyncAddItem($project: ID!, $content: ID!) {
  addProjectV2ItemById(input: {projectId: $project, contentId: $content}) { item { id } }
}
"""


@dataclass(frozen=True)
class FieldUpdate:
    """One board field write: ``value`` is ``None`` to clear; ``kind`` picks the input member."""

    item_id: str
    field_id: str
    kind: Kind
    value: str | float | None


def field_updates_mutation(project_id: str, updates: Sequence[FieldUpdate]) -> tuple[str, dict[str, Any]]:
    """One document with an aliased mutation per update (``u0``, ``u1``…) and its variables."""
    declared = ["$project: ID!"]
    calls = []
    variables: dict[str, Any] = {"project": project_id}
    for n, update in enumerate(updates):
        declared += [f"$i{n}: ID!", f"$f{n}: ID!"]
        variables[f"i{n}"] = update.item_id
        variables[f"f{n}"] = update.field_id
        target = f"projectId: $project, itemId: $i{n}, fieldId: $f{n}"
        if update.value is None:
            calls.append(
                f"  u{n}: clearProjectV2ItemFieldValue(input: {{{target}}}) {{ projectV2Item {{ id }} }}"
            )
            continue
        declared.append(f"$v{n}: ProjectV2FieldValue!")
        variables[f"v{n}"] = {update.kind: update.value}
        calls.append(
            f"  u{n}: updateProjectV2ItemFieldValue(input: {{{target}, value: $v{n}}}) "
            "{ projectV2Item { id } }"
        )
    document = f"mutation RoadsyncFieldUpdates({', '.join(declared)}) {{\n" + "\n".join(calls) + "\n}\n"
    return document, variables
