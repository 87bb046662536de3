"""Table tests of the drift rules: each kind of design.md's table, found or not, whole-object ==."""

from __future__ import annotations

from dataclasses import replace

import pytest

from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.roadmap import Roadmap, Theme
from roadsync.sync.drift import DriftInput, find_drift
from roadsync.sync.model import DriftFinding
from roadsync.sync.plan import plan_changes

THEMES = (
    Theme(id="checkout", name="Checkout", priority="P1", target_share=0.5, order=0),
    Theme(id="search", name="Search", priority="P2", status="paused", order=1),
    Theme(id="legacy", name="Legacy", priority="P3", status="retired", order=2),
    Theme(id="ghost", name="Ghost", priority="P2", horizon="now", order=3),
    Theme(id="later", name="Later", priority="P3", horizon="later", order=4),
)
ROADMAP = Roadmap(themes=THEMES, allocation_tolerance=0.2)
FIELDS = FieldsConfig(
    priority=ManagedField(
        policy="enforce",
        jira=FieldTarget(target="priority"),
        github=FieldTarget(target="label", prefix="priority/"),
    ),
    theme=ManagedField(
        policy="enforce",
        jira=FieldTarget(target="label", prefix="theme:"),
        github=FieldTarget(target="label", prefix="theme/"),
    ),
)


def jira(key: str, **kw: object) -> Item:
    item = Item(source="jira", key=key, scope="PAY", url="u", kind="issue", title=f"t {key}", priority="High")
    return replace(item, **kw)  # type: ignore[arg-type]


def gh(key: str, **kw: object) -> Item:
    item = Item(source="github", key=key, scope="acme/web", url="u", kind="issue", title=f"t {key}")
    return replace(item, **kw)  # type: ignore[arg-type]


def on(key: str, theme: str | None, step: str = "rule", **kw: object) -> Assignment:
    alignment = {"checkout": "aligned", "search": "paused", "legacy": "retired", None: "unaligned"}.get(
        theme, "aligned"
    )
    assignment = Assignment(key, theme, alignment, step, None, "")  # type: ignore[arg-type]
    return replace(assignment, **kw)  # type: ignore[arg-type]


def findings(
    items: list[Item], assignments: list[Assignment], written: dict | None = None, kind: str = ""
) -> list:
    by_key = {a.item: a for a in assignments}
    ownership = plan_changes(items, by_key, ROADMAP, FIELDS, written or {}).findings
    data = DriftInput(items, by_key, ROADMAP, FIELDS, ownership)
    return [f for f in find_drift(data) if f.kind == kind]


BASE_ITEMS = [jira("PAY-1"), jira("PAY-2")]
BASE = [on("PAY-1", "checkout"), on("PAY-2", "checkout")]


@pytest.mark.parametrize(
    ("kind", "items", "assignments", "written", "expected"),
    [
        (
            "unaligned",
            [jira("PAY-1")],
            [on("PAY-1", None, "none")],
            {},
            [DriftFinding("unaligned", "PAY-1", None, "open issue matches no theme: t PAY-1")],
        ),
        ("unaligned", [jira("PAY-1", status_category="done")], [on("PAY-1", None, "none")], {}, []),
        (
            "priority_mismatch",
            [jira("PAY-1", priority="Low")],
            [on("PAY-1", "checkout")],
            {},
            [
                DriftFinding(
                    "priority_mismatch",
                    "PAY-1",
                    "checkout",
                    "priority is Low, roadmap says High (P1 from theme checkout)",
                )
            ],
        ),
        (
            "priority_mismatch",
            [gh("acme/web#1", labels=("priority/P1",))],
            [on("acme/web#1", "checkout")],
            {},
            [],
        ),
        ("priority_mismatch", [jira("PAY-1", priority="Low")], [on("PAY-1", "search")], {}, []),
        (
            "manual_override",
            [jira("PAY-1", priority="Low")],
            [on("PAY-1", "checkout")],
            {("PAY-1", "priority"): "High"},
            [
                DriftFinding(
                    "manual_override", "PAY-1", "checkout", "priority changed by hand from High to Low; kept"
                )
            ],
        ),
        (
            "manual_override",
            [jira("PAY-1", labels=("theme:a", "theme:b"))],
            [on("PAY-1", "checkout")],
            {},
            [
                DriftFinding(
                    "manual_override",
                    "PAY-1",
                    "checkout",
                    "theme: several values by hand (theme:a, theme:b); not written",
                )
            ],
        ),
        (
            "manual_override",
            [jira("PAY-1", priority="High")],
            [on("PAY-1", "checkout")],
            {("PAY-1", "priority"): "High"},
            [],
        ),
        (
            "retired_theme",
            [jira("PAY-1")],
            [on("PAY-1", "legacy")],
            {},
            [DriftFinding("retired_theme", "PAY-1", "legacy", "open work on retired theme")],
        ),
        (
            "paused_theme",
            [jira("PAY-1")],
            [on("PAY-1", "search")],
            {},
            [DriftFinding("paused_theme", "PAY-1", "search", "open work on paused theme")],
        ),
        (
            "unknown_theme",
            [jira("PAY-1")],
            [on("PAY-1", None, "none", unknown_pin="chekout")],
            {},
            [
                DriftFinding(
                    "unknown_theme",
                    "PAY-1",
                    None,
                    "carries theme tag 'chekout' that the roadmap does not define",
                )
            ],
        ),
        (
            "parent_mismatch",
            [jira("PAY-1", kind="epic"), jira("PAY-2", parent="PAY-1")],
            [on("PAY-1", "checkout"), on("PAY-2", "later")],
            {},
            [
                DriftFinding(
                    "parent_mismatch",
                    "PAY-2",
                    "later",
                    "theme later differs from its parent PAY-1's theme checkout",
                )
            ],
        ),
        (
            "parent_mismatch",
            [jira("PAY-1", kind="epic"), jira("PAY-2", parent="PAY-1")],
            [on("PAY-1", "checkout"), on("PAY-2", "checkout", "parent")],
            {},
            [],
        ),
        (
            "cross_tracker",
            [jira("PAY-1"), gh("acme/web#1", links=("PAY-1",))],
            [on("PAY-1", "checkout"), on("acme/web#1", "later")],
            {},
            [
                DriftFinding(
                    "cross_tracker", "acme/web#1", "later", "theme later here, checkout on linked PAY-1"
                )
            ],
        ),
        (  # the roadmap no longer sets a paused theme's priority: nothing else reports the pair
            "cross_tracker",
            [jira("PAY-1", priority="High"), gh("acme/web#1", links=("PAY-1",), labels=("priority/P3",))],
            [on("PAY-1", "search"), on("acme/web#1", "search")],
            {},
            [DriftFinding("cross_tracker", "acme/web#1", "search", "priority P3 here, P1 on linked PAY-1")],
        ),
        (  # web#1 is off the roadmap (priority_mismatch, which the plan fixes): one cause, one finding
            "cross_tracker",
            [jira("PAY-1", priority="High"), gh("acme/web#1", links=("PAY-1",), labels=("priority/P3",))],
            [on("PAY-1", "checkout"), on("acme/web#1", "checkout")],
            {},
            [],
        ),
        (  # PAY-1's P0 is a person's (manual_override); the sync moves web#1 to the roadmap's P1
            "cross_tracker",
            [jira("PAY-1", priority="Highest"), gh("acme/web#1", links=("PAY-1",), labels=("priority/P1",))],
            [on("PAY-1", "checkout"), on("acme/web#1", "checkout")],
            {("PAY-1", "priority"): "High"},
            [],
        ),
        (  # a closed item keeps the theme and priority it closed with: not a disagreement
            "cross_tracker",
            [jira("PAY-1", status_category="done"), gh("acme/web#1", links=("PAY-1",))],
            [on("PAY-1", "checkout"), on("acme/web#1", "later")],
            {},
            [],
        ),
        (
            "empty_theme",
            BASE_ITEMS,
            BASE,
            {},
            [DriftFinding("empty_theme", None, "ghost", "active 'now' theme with no open work behind it")],
        ),
        (
            "allocation",
            BASE_ITEMS,
            BASE,
            {},
            [
                DriftFinding(
                    "allocation", None, "checkout", "share of open work 100% vs target 50% (tolerance 20%)"
                )
            ],
        ),
        ("allocation", [*BASE_ITEMS, jira("PAY-3")], [*BASE, on("PAY-3", "later")], {}, []),
    ],
)
def test_drift_kind(
    kind: str, items: list[Item], assignments: list[Assignment], written: dict, expected: list
) -> None:
    """Each drift rule reports exactly the expected findings of its kind."""
    assert findings(items, assignments, written, kind) == expected
