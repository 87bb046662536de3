"""Table tests of the pure Jira converters, from JSON shaped like the Jira REST API."""

from __future__ import annotations

from typing import Any

import pytest

from roadsync.connectors.jira.convert import (
    FieldIds,
    adf_text,
    field_value_text,
    github_key_from_url,
    item_from_jira,
    links_from_remote_links,
    utc_timestamp,
)
from roadsync.connectors.model import Item

SITE = "https://acme.atlassian.net"
IDS = FieldIds(
    managed={"Theme": "customfield_10050"}, estimate="customfield_10016", epic_link="customfield_10014"
)


def cloud_story() -> dict[str, Any]:
    return {
        "id": "10002",
        "key": "PAY-2",
        "self": f"{SITE}/rest/api/3/issue/10002",
        "fields": {
            "summary": "3DS flow",
            "description": {
                "type": "doc",
                "version": 1,
                "content": [
                    {
                        "type": "paragraph",
                        "content": [{"type": "text", "text": "Support "}, {"type": "text", "text": "3DS"}],
                    },
                    {"type": "paragraph", "content": [{"type": "text", "text": "for cards"}]},
                ],
            },
            "status": {
                "name": "In Progress",
                "statusCategory": {"key": "indeterminate", "name": "In Progress"},
            },
            "issuetype": {"name": "Story", "subtask": False, "hierarchyLevel": 0},
            "priority": {"name": "High", "id": "2"},
            "labels": ["checkout", "theme/payments"],
            "components": [{"name": "api"}, {"name": "checkout"}],
            "assignee": {"displayName": "Ada Lovelace", "accountId": "abc"},
            "parent": {"id": "10001", "key": "PAY-1", "fields": {"summary": "Checkout v2"}},
            "created": "2026-11-02T10:30:00.000+0100",
            "updated": "2026-11-03T09:30:15.123+0000",
            "project": {"key": "PAY", "name": "Payments"},
            "customfield_10016": 5.0,
            "customfield_10050": {"value": "checkout", "id": "10100"},
        },
    }


def cloud_story_item() -> Item:
    return Item(
        source="jira",
        key="PAY-2",
        scope="PAY",
        url=f"{SITE}/browse/PAY-2",
        kind="issue",
        title="3DS flow",
        body="Support 3DS\nfor cards",
        labels=("checkout", "theme/payments"),
        components=("api", "checkout"),
        status="In Progress",
        status_category="in_progress",
        assignee="Ada Lovelace",
        priority="High",
        issue_type="Story",
        parent="PAY-1",
        links=("acme/web#4",),
        estimate=5.0,
        created="2026-11-02T09:30:00Z",
        updated="2026-11-03T09:30:15Z",
        fields={"Theme": "checkout"},
        native_id="10002",
    )


def test_cloud_story_converts_to_the_whole_item() -> None:
    """A Cloud story with ADF description, parent, estimate, select field and a GitHub remote link
    becomes exactly the expected Item."""
    links = [{"id": 1, "object": {"url": "https://github.com/acme/web/issues/4", "title": "acme/web#4"}}]
    item = item_from_jira(
        cloud_story(), site_url=SITE + "/", field_ids=IDS, flavor="cloud", remote_links=links
    )
    assert item == cloud_story_item()


def test_datacenter_story_takes_its_parent_from_epic_link() -> None:
    """On Data Center a story's parent is the Epic Link field value, and a plain-text description is kept."""
    raw = cloud_story()
    raw["fields"].pop("parent")
    raw["fields"]["customfield_10014"] = "PAY-9"
    raw["fields"]["description"] = "Plain v2 text"
    raw["fields"]["issuetype"] = {"name": "Story", "subtask": False}
    item = item_from_jira(raw, site_url=SITE, field_ids=IDS, flavor="datacenter")
    assert (item.parent, item.body, item.kind, item.links) == ("PAY-9", "Plain v2 text", "issue", ())


def test_minimal_issue_gets_defaults() -> None:
    """An issue with almost no fields converts with empty defaults and unset managed fields as None."""
    raw = {"id": "7", "key": "OPS-7", "fields": {"summary": "x"}}
    assert item_from_jira(raw, site_url=SITE, field_ids=IDS, flavor="cloud") == Item(
        source="jira",
        key="OPS-7",
        scope="OPS",
        url=f"{SITE}/browse/OPS-7",
        kind="issue",
        title="x",
        fields={"Theme": None},
        native_id="7",
    )


@pytest.mark.parametrize(
    ("issuetype", "flavor", "parent", "epic_link", "kind", "expected_parent"),
    [
        ({"name": "Epic", "hierarchyLevel": 1}, "cloud", None, None, "epic", None),
        ({"name": "Epic"}, "datacenter", None, None, "epic", None),
        ({"name": "Initiative", "hierarchyLevel": 2}, "cloud", None, None, "issue", None),
        (
            {"name": "Sub-task", "subtask": True, "hierarchyLevel": -1},
            "cloud",
            "PAY-2",
            None,
            "sub-task",
            "PAY-2",
        ),
        ({"name": "Sub-task", "subtask": True}, "datacenter", "PAY-2", "PAY-1", "sub-task", "PAY-2"),
        ({"name": "Story", "hierarchyLevel": 0}, "cloud", "PAY-1", "PAY-8", "issue", "PAY-1"),
        ({"name": "Story"}, "datacenter", None, "PAY-8", "issue", "PAY-8"),
        ({"name": "Story"}, "datacenter", None, None, "issue", None),
    ],
)
def test_kind_and_parent_by_flavor(
    issuetype: dict[str, Any],
    flavor: Any,
    parent: str | None,
    epic_link: str | None,
    kind: str,
    expected_parent: str | None,
) -> None:
    """Issue types map to epic/sub-task/issue, and the parent comes from `parent` or the DC Epic Link."""
    fields: dict[str, Any] = {"summary": "s", "issuetype": issuetype, "customfield_10014": epic_link}
    if parent:
        fields["parent"] = {"key": parent}
    item = item_from_jira(
        {"id": "1", "key": "PAY-5", "fields": fields}, site_url=SITE, field_ids=IDS, flavor=flavor
    )
    assert (item.kind, item.parent) == (kind, expected_parent)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("new", "todo"),
        ("indeterminate", "in_progress"),
        ("done", "done"),
        ("undefined", "todo"),
        (None, "todo"),
    ],
)
def test_status_category(category: str | None, expected: str) -> None:
    """statusCategory keys new/indeterminate/done map to todo/in_progress/done."""
    raw = {"id": "1", "key": "A-1", "fields": {"status": {"name": "S", "statusCategory": {"key": category}}}}
    assert (
        item_from_jira(raw, site_url=SITE, field_ids=FieldIds(), flavor="cloud").status_category == expected
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"value": "checkout", "id": "1"}, "checkout"),
        (5.0, "5"),
        (2.5, "2.5"),
        (3, "3"),
        ("free text", "free text"),
        (None, None),
        ("", None),
        ([], None),
        ([{"value": "b"}, {"value": "a"}], "a,b"),
        (["x", "y"], "x,y"),
        (
            {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}]},
            "hi",
        ),
    ],
)
def test_field_value_text(value: Any, expected: str | None) -> None:
    """Custom field values become text: option value, number without a needless .0, text as is."""
    assert field_value_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-02T10:30:00.000+0100", "2026-11-02T09:30:00Z"),
        ("2026-11-02T09:30:00.000+0000", "2026-11-02T09:30:00Z"),
        ("2026-11-02T09:30:00Z", "2026-11-02T09:30:00Z"),
        ("2026-11-02T04:30:00-05:00", "2026-11-02T09:30:00Z"),
        ("2026-11-02T06:00:00.000-0330", "2026-11-02T09:30:00Z"),
        ("2026-11-02T15:15:00.000+0545", "2026-11-02T09:30:00Z"),
        ("2026-01-01T00:30:00.000+0100", "2025-12-31T23:30:00Z"),
        ("2026-11-02T09:30+0000", "2026-11-02T09:30:00Z"),
        ("2026-11-02T09:30:00", "2026-11-02T09:30:00Z"),
        ("yesterday", ""),
        (None, ""),
    ],
)
def test_utc_timestamp(value: str | None, expected: str) -> None:
    """Jira timestamps with any offset normalize to ISO UTC seconds."""
    assert utc_timestamp(value) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/web/issues/4", "acme/web#4"),
        ("https://github.com/acme/web/pull/12", "acme/web#12"),
        ("https://ghe.example.com/acme/api/issues/7#issuecomment-1", "acme/api#7"),
        ("https://github.com/acme/web", None),
        ("https://confluence.example.com/display/PAY", None),
        ("", None),
    ],
)
def test_github_key_from_url(url: str, expected: str | None) -> None:
    """GitHub issue and pull URLs become owner/repo#n; other URLs are ignored."""
    assert github_key_from_url(url) == expected


def test_remote_links_are_deduplicated_and_sorted() -> None:
    """Only GitHub issue URLs among remote links count, once each, sorted."""
    links: list[dict[str, Any]] = [
        {"object": {"url": "https://github.com/acme/web/issues/9"}},
        {"object": {"url": "https://wiki.example.com/x"}},
        {"object": {"url": "https://github.com/acme/api/issues/1"}},
        {"object": {"url": "https://github.com/acme/web/issues/9/"}},
        {"object": {}},
    ]
    assert links_from_remote_links(links) == ("acme/api#1", "acme/web#9")


def test_adf_text_keeps_breaks_and_mentions() -> None:
    """ADF headings, hard breaks and mentions render as readable text lines."""
    doc = {
        "type": "doc",
        "content": [
            {"type": "heading", "content": [{"type": "text", "text": "Goal"}]},
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "ask"},
                    {"type": "mention", "attrs": {"text": "@ada"}},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "soon"},
                ],
            },
        ],
    }
    assert adf_text(doc) == "Goal\nask@ada\nsoon"


def test_field_ids_lists_each_id_once() -> None:
    """The reader requests each custom field id once even when settings share a field."""
    ids = FieldIds(managed={"Theme": "customfield_1", "Points": "customfield_2"}, estimate="customfield_2")
    assert ids.ids() == ["customfield_1", "customfield_2"]
