"""Table tests of the pure GitHub converters (REST issue JSON and GraphQL board nodes -> data)."""

from __future__ import annotations

from typing import Any

import pytest

from roadsync.connectors.github.convert import (
    BoardItem,
    ProjectField,
    apply_board_item,
    board_item_from_node,
    compile_key_pattern,
    item_from_issue,
    number_text,
    parent_key_from_url,
    project_fields_from_nodes,
)
from roadsync.connectors.model import Item

API = "https://api.github.com/repos/acme/web"
PATTERN = compile_key_pattern(None)


def issue(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": 1001,
        "node_id": "I_kwDOAAA1",
        "url": f"{API}/issues/4",
        "html_url": "https://github.com/acme/web/issues/4",
        "number": 4,
        "state": "open",
        "state_reason": None,
        "title": "Pay button",
        "body": None,
        "labels": [],
        "assignee": None,
        "assignees": [],
        "type": None,
        "created_at": "2026-01-02T03:04:05Z",
        "updated_at": "2026-02-03T04:05:06Z",
        "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
        "parent_issue_url": None,
    }
    raw.update(overrides)
    return raw


BASE = Item(
    source="github",
    key="acme/web#4",
    scope="acme/web",
    url="https://github.com/acme/web/issues/4",
    kind="issue",
    title="Pay button",
    status="open",
    created="2026-01-02T03:04:05Z",
    updated="2026-02-03T04:05:06Z",
    native_id="I_kwDOAAA1",
    number_id=1001,
)


def expected(**changes: Any) -> Item:
    return Item(**{**BASE.to_dict(), **changes})


CASES = [
    ("plain open issue", issue(), expected()),
    (
        "labels, assignee and Jira keys in title and body",
        issue(
            title="Pay button (PAY-2)",
            body="Also see OPS-17 and PAY-2.",
            labels=[{"name": "ui", "color": "ededed"}, {"name": "theme/checkout"}],
            assignee={"login": "mona"},
        ),
        expected(
            title="Pay button (PAY-2)",
            body="Also see OPS-17 and PAY-2.",
            labels=("ui", "theme/checkout"),
            assignee="mona",
            links=("OPS-17", "PAY-2"),
        ),
    ),
    (
        "closed issue is done",
        issue(state="closed", state_reason="not_planned"),
        expected(status="closed", status_category="done"),
    ),
    (
        "an in-progress label makes an open issue in progress",
        issue(labels=[{"name": "Status: In Progress"}]),
        expected(labels=("Status: In Progress",), status_category="in_progress"),
    ),
    (
        "issue type Epic makes an epic; the type name is kept",
        issue(type={"id": 7, "name": "Epic"}),
        expected(kind="epic", issue_type="Epic"),
    ),
    (
        "a pull_request key makes a pull request",
        issue(pull_request={"url": f"{API}/pulls/4"}),
        expected(kind="pull_request"),
    ),
    (
        "the parent comes from parent_issue_url",
        issue(parent_issue_url=f"{API}/issues/1"),
        expected(parent="acme/web#1"),
    ),
    (
        "the first of several assignees when assignee is missing",
        issue(assignees=[{"login": "hubot"}, {"login": "mona"}]),
        expected(assignee="hubot"),
    ),
]


@pytest.mark.parametrize(("raw", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_item_from_issue(raw: dict[str, Any], want: Item) -> None:
    """A REST issue converts to the Item the module docstring describes."""
    assert item_from_issue(raw, repo="acme/web", key_pattern=PATTERN) == want


def test_board_values_merge_into_fields_estimate_and_status() -> None:
    """Board values become fields by name, the estimate field a float, and Status drives the category."""
    board = BoardItem("PVTI_1", {"Priority": "P1", "Estimate": "3", "Status": "In progress"})
    got = item_from_issue(
        issue(), repo="acme/web", key_pattern=PATTERN, board_item=board, estimate_field="Estimate"
    )
    assert got == expected(
        fields={"Priority": "P1", "Estimate": "3", "Status": "In progress"},
        project_item_id="PVTI_1",
        estimate=3.0,
        status_category="in_progress",
    )


def test_apply_board_item_clears_values_when_off_the_board() -> None:
    """An item that left the board loses its values and item id."""
    on_board = apply_board_item(BASE, BoardItem("PVTI_1", {"Priority": "P1"}), estimate_field=None)
    assert apply_board_item(on_board, None, estimate_field=None) == BASE


def test_custom_key_pattern_and_long_body() -> None:
    """A configured key pattern finds its keys in the full body, and the stored body is an excerpt."""
    body = "x" * 5000 + " see ABC_1"
    got = item_from_issue(issue(body=body), repo="acme/web", key_pattern=compile_key_pattern(r"ABC_\d+"))
    assert got.links == ("ABC_1",)
    assert len(got.body) == 4000


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (f"{API}/issues/12", "acme/web#12"),
        ("https://ghe.example/api/v3/repos/o/r/issues/3", "o/r#3"),
        (None, None),
        ("https://api.github.com/repos/o/r/pulls/3", None),
    ],
)
def test_parent_key_from_url(url: str | None, key: str | None) -> None:
    """A parent issue URL (github.com or GHE) names the parent's key; anything else names none."""
    assert parent_key_from_url(url) == key


@pytest.mark.parametrize(("value", "text"), [(3.0, "3"), (2.5, "2.5"), (0, "0")])
def test_number_text(value: float, text: str) -> None:
    """Board numbers render without a needless decimal point."""
    assert number_text(value) == text


def test_board_item_from_node() -> None:
    """A board item node gives its issue key and values by field name (the Title field left out)."""
    node = {
        "id": "PVTI_9",
        "type": "ISSUE",
        "content": {"id": "I_1", "number": 4, "repository": {"nameWithOwner": "acme/web"}},
        "fieldValues": {
            "nodes": [
                {"text": "Pay button", "field": {"name": "Title"}},
                {"name": "P1", "optionId": "ab12cd34", "field": {"name": "Priority"}},
                {"number": 5.0, "field": {"name": "Estimate"}},
                {"text": "note", "field": {"name": "Notes"}},
                {"date": "2026-03-01", "field": {"name": "Due"}},
                {},
            ]
        },
    }
    assert board_item_from_node(node) == (
        "acme/web#4",
        BoardItem("PVTI_9", {"Priority": "P1", "Estimate": "5", "Notes": "note", "Due": "2026-03-01"}),
    )


def test_board_item_from_draft_is_none() -> None:
    """Draft issues and redacted items have no issue key and are skipped."""
    assert board_item_from_node({"id": "PVTI_1", "type": "DRAFT_ISSUE", "content": {}}) is None
    assert board_item_from_node({"id": "PVTI_2", "type": "REDACTED", "content": None}) is None


def test_project_fields_from_nodes() -> None:
    """Board fields are keyed by name with their options name -> id; empty nodes are skipped."""
    nodes: list[dict[str, Any] | None] = [
        {
            "id": "PVTSSF_1",
            "name": "Priority",
            "dataType": "SINGLE_SELECT",
            "options": [{"id": "a1", "name": "P1"}],
        },
        {"id": "PVTF_2", "name": "Estimate", "dataType": "NUMBER"},
        {},
    ]
    assert project_fields_from_nodes(nodes) == {
        "Priority": ProjectField("PVTSSF_1", "Priority", "SINGLE_SELECT", {"P1": "a1"}),
        "Estimate": ProjectField("PVTF_2", "Estimate", "NUMBER", {}),
    }
