"""Table tests of held_back: a change whose decision rests on a tracker that failed this run waits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from roadsync.changes import FieldChange
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.sync.model import Plan
from roadsync.sync.reliance import held_back


def jira(key: str, **kw: object) -> Item:
    return replace(Item(source="jira", key=key, scope="PAY", url="u", kind="issue", title=key), **kw)  # type: ignore[arg-type]


def gh(key: str, **kw: object) -> Item:
    item = Item(source="github", key=key, scope="acme/web", url="u", kind="issue", title=key)
    return replace(item, **kw)  # type: ignore[arg-type]


def on(key: str, step: str, rule: str | None = None, theme: str | None = "checkout") -> Assignment:
    return Assignment(key, theme, "aligned", step, rule, "")  # type: ignore[arg-type]


WEB1 = "acme/web#1"
GONE = "which could not be read this run"
CHANGE = FieldChange(WEB1, "alignment", "inherited", "unaligned", "r", None)


@pytest.mark.parametrize(
    ("items", "assignment", "failed", "expected"),
    [
        ([jira("PAY-1"), gh(WEB1, links=("PAY-1",))], on(WEB1, "link", "link:PAY-1"), {"jira"},
         f"not written: its theme comes from linked PAY-1 in jira, {GONE}"),
        ([jira("PAY-1"), gh(WEB1, links=("PAY-1",))], on(WEB1, "link", "link:PAY-1"), set(), None),
        ([jira("PAY-1"), gh(WEB1, links=("PAY-1",))], on(WEB1, "rule", "theme:checkout/b:1"), {"jira"}, None),
        ([jira("PAY-1"), gh(WEB1, links=("PAY-1",))], on(WEB1, "pin", "pin:checkout"), {"jira"}, None),
        # unaligned because the linked item is not in the mirror: Jira was never read
        ([jira("PAY-9"), gh(WEB1, links=("PAY-1",))], on(WEB1, "none", theme=None), {"jira"},
         f"not written: it maps to no theme, but its linked PAY-1 is in jira, {GONE}"),
        # unaligned, linked to from a (stale) Jira item
        ([jira("PAY-1", links=(WEB1,)), gh(WEB1)], on(WEB1, "none", theme=None), {"jira"},
         f"not written: it maps to no theme, but its linked PAY-1 is in jira, {GONE}"),
        # unaligned, no known link, but Jira was never read: any Jira item may link here
        ([gh(WEB1)], on(WEB1, "none", theme=None), {"jira"},
         f"not written: it maps to no theme, and jira, {GONE}, may link to it"),
        ([jira("PAY-9"), gh(WEB1)], on(WEB1, "none", theme=None), {"jira"}, None),
        # the item's own tracker failed: apply skips it with that reason, not this one
        ([jira("PAY-1"), gh(WEB1, links=("PAY-1",))], on(WEB1, "link", "link:PAY-1"), {"github"}, None),
    ],
)  # fmt: skip
def test_held_back(items: list[Item], assignment: Assignment, failed: set[str], expected: str | None) -> None:
    """Only a decision taken from a failed tracker (or left unaligned for want of it) is held, with why."""
    plan = Plan.build([CHANGE], assignments=[assignment])
    held = held_back(plan, {item.key: item for item in items}, failed)
    assert held == ({WEB1: expected} if expected else {})


def test_a_parent_chain_through_a_failed_tracker_is_held() -> None:
    """A theme inherited through an item of the failed tracker waits; one within a read tracker does not."""
    items = {
        "PAY-1": jira("PAY-1"),
        "acme/web#2": gh("acme/web#2", parent="PAY-1"),
        WEB1: gh(WEB1, parent="acme/web#2"),
    }
    plan = Plan.build([CHANGE], assignments=[on(WEB1, "parent", "parent:PAY-1")])
    assert held_back(plan, items, {"jira"}) == {
        WEB1: "not written: its theme comes through PAY-1 in jira, which could not be read this run"
    }
    plan = Plan.build([CHANGE], assignments=[on(WEB1, "parent", "parent:acme/web#2")])
    assert held_back(plan, items, {"jira"}) == {}
