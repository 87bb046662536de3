"""The GraphQL documents roadsync sends to GitHub (validated against the official schema in tests).

Reads: the configured Projects v2 board, one page of 100 items per request. The first page also
brings the project id and its fields (``PROJECT_ORG_QUERY`` / ``PROJECT_USER_QUERY``); later pages
go through ``node(id:)`` (``PROJECT_ITEMS_QUERY``). A board of n items costs ceil(n / 100) requests
(at least 1).

Writes: ``CREATE_TEXT_FIELD_MUTATION`` (roadsync's ownership marker field, once per board, when
missing), ``ADD_ITEM_MUTATION`` (idempotent: GitHub returns the existing item when the issue is on the
board already), :func:`field_updates_mutation` (aliased ``updateProjectV2ItemFieldValue`` /
``clearProjectV2ItemFieldValue``) and :func:`label_changes_mutation` (aliased
``addLabelsToLabelable`` / ``removeLabelsFromLabelable``, one label per alias), up to
:data:`BATCH_SIZE` aliases a document.

Why :data:`BATCH_SIZE` is 100. GitHub documents no cap on aliases or mutations per document; the
per-request limits it documents are 500,000 nodes and a 10 s timeout ["Rate limits and query
limits for the GraphQL API", https://docs.github.com/en/graphql/overview/rate-limits-and-query-
limits-for-the-graphql-api; research github.md §9]. A board alias selects one id and a label alias
one page of at most 100 label names (GitHub caps an issue at 100 labels), so a label document
of 100 aliases holds at most 10,000 nodes; a board document holds 100 value updates plus one
marker alias per item they touch (at most 200 aliases of one id each). The secondary limits
charge per *request*: 5 points of 2,000 a minute, and one of 80 content-creating requests a minute
and **500 an hour** [docs: "About secondary rate limits",
https://docs.github.com/en/rest/using-the-api/rate-limits-for-the-rest-api#about-secondary-rate-limits],
so the document size sets how many values an hour GitHub lets through: 50,000 at 100 a document,
10,000 at 20 (GitHub's MCP server's chunk, research §6), which a first adoption of a large backlog
would hit. The floor (bench/floor.py) assumes the same 100. The 10 s timeout is the one risk that
grows with the size (each alias is one small write; how long GitHub takes per alias is
unverified): a document that fails as a whole (a timeout answers 502/504) is uncertain, handled
as such by the writer (labels read back, board markers corrected), and the writer halves its
document size for the rest of the run after a transient whole-document failure
(:class:`DocumentSize`), down to :data:`MIN_BATCH_SIZE`.
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
    "ISSUE_LABELS_QUERY",
    "ITEM_EXISTS_QUERY",
    "MIN_BATCH_SIZE",
    "PROJECT_ITEMS_QUERY",
    "PROJECT_ORG_QUERY",
    "PROJECT_USER_QUERY",
    "REREAD_QUERY",
    "TRANSFERS_QUERY",
    "DocumentSize",
    "FieldUpdate",
    "Kind",
    "LabelChange",
    "field_updates_mutation",
    "label_changes_mutation",
]

BATCH_SIZE = 100
"""Aliases per mutation document (see the module docstring for why)."""
MIN_BATCH_SIZE = 10
"""The smallest document :class:`DocumentSize` halves down to after documents that failed whole."""

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


ISSUE_LABELS_QUERY = """
query RoadsyncIssueLabels($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Issue { id labels(first: 100) { nodes { name } } } }
}
"""
"""Issues' labels by node id (read back after a label document whose outcome is unknown)."""


@dataclass(frozen=True)
class LabelChange:
    """One label added to (``add``) or removed from an issue: node ids of both, the label's name, and
    the issue's key (``owner/repo#n``, for messages). ``label_id`` is empty until the sending queue
    resolves it in the issue's repository ``repo`` (:mod:`.label_ids`), creating a missing label
    to add with ``color``."""

    issue_id: str
    label_id: str
    name: str
    add: bool
    item: str = ""
    repo: str = ""
    color: str = ""


def label_changes_mutation(changes: Sequence[LabelChange]) -> tuple[str, dict[str, Any]]:
    """One document with an aliased ``addLabelsToLabelable`` / ``removeLabelsFromLabelable`` per
    change (``l0``, ``l1``…; one label each, never the issue's whole set) and its variables. Each
    alias answers the issue's labels (at most 100), so an add GitHub did not keep shows
    [docs: https://docs.github.com/en/graphql/reference/mutations#addlabelstolabelable]."""
    declared: list[str] = []
    calls = []
    variables: dict[str, Any] = {}
    for n, change in enumerate(changes):
        declared += [f"$i{n}: ID!", f"$l{n}: [ID!]!"]
        variables[f"i{n}"], variables[f"l{n}"] = change.issue_id, [change.label_id]
        mutation = "addLabelsToLabelable" if change.add else "removeLabelsFromLabelable"
        calls.append(f"  l{n}: {mutation}(input: {{labelableId: $i{n}, labelIds: $l{n}}}) "
                     "{ labelable { ... on Issue { id labels(first: 100) { nodes { name } } } } }")
    document = f"mutation RoadsyncLabelChanges({', '.join(declared)}) {{\n" + "\n".join(calls) + "\n}\n"
    return document, variables


class DocumentSize:
    """How many aliases the next mutation document holds: :data:`BATCH_SIZE`, halved (down to
    :data:`MIN_BATCH_SIZE`) each time a document fails as a whole, for the rest of the writer's run
    (a size GitHub times out on would otherwise fail every run the same way)."""

    def __init__(self) -> None:
        self.current = BATCH_SIZE

    def failed(self) -> None:
        self.current = max(MIN_BATCH_SIZE, self.current // 2)
