"""Table tests of the pure planner: every policy and ownership case, whole-object ==."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from roadsync.changes import FieldChange
from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.roadmap import Roadmap, Theme
from roadsync.sync.plan import compute_pins, plan_item

ROADMAP = Roadmap(
    themes=(
        Theme(id="checkout", name="Checkout", priority="P1", order=0, aliases=("pay",)),
        Theme(id="legacy", name="Legacy", priority="P2", status="retired", order=1),
        Theme(id="search", name="Search", priority="P0", status="paused", order=2),
    )
)

JIRA_PRIORITY = FieldTarget(target="priority")
THEME_LABEL = FieldTarget(target="label", prefix="theme/")
ALIGN_FIELD = FieldTarget(target="field", field="Alignment")


def fields(policy: str = "enforce", override: bool = False) -> FieldsConfig:
    return FieldsConfig(
        priority=ManagedField(policy=policy, override=override, jira=JIRA_PRIORITY),  # type: ignore[arg-type]
        theme=ManagedField(policy=policy, override=override, jira=THEME_LABEL),  # type: ignore[arg-type]
        alignment=ManagedField(policy=policy, override=override, jira=ALIGN_FIELD),  # type: ignore[arg-type]
    )


def item(**kw: object) -> Item:
    base = Item(source="jira", key="PAY-1", scope="PAY", url="u", kind="issue", title="t", priority="Medium")
    return replace(base, **kw)  # type: ignore[arg-type]


ALIGNED = Assignment("PAY-1", "checkout", "aligned", "rule", "theme:checkout/block:1", "label matched")
UNALIGNED = Assignment("PAY-1", None, "unaligned", "none", None, "")


def change(
    field: str,
    old: str | None,
    new: str | None,
    why: str,
    rule: str | None = "theme:checkout/block:1",
    value: str | None = None,
    source: str = "label matched",
) -> FieldChange:
    return FieldChange("PAY-1", field, old, new, f"{field} {value or new} from {source} ({why})", rule)


@dataclass(frozen=True)
class Case:
    name: str
    item: Item
    assignment: Assignment
    policy: str
    written: dict[tuple[str, str], str | None]
    expected: list[FieldChange]
    override: bool = False


TAKE = "roadsync never wrote this field; policy enforce takes it over"
OWN = "roadsync owns this value"
CASES = [
    Case(
        "enforce, never written: every differing field is taken over",
        item(),
        ALIGNED,
        "enforce",
        {},
        [
            change("priority", "Medium", "High", TAKE, value="P1"),
            change("theme", None, "theme/checkout", TAKE, value="checkout"),
            change("alignment", None, "aligned", TAKE),
        ],
    ),
    Case(
        "enforce, values already right: nothing to write",
        item(priority="High", labels=("theme/checkout", "ui"), fields={"Alignment": "aligned"}),
        ALIGNED,
        "enforce",
        {},
        [],
    ),
    Case(
        "fill, never written: only empty fields are written",
        item(),
        ALIGNED,
        "fill",
        {},
        [
            change("theme", None, "theme/checkout", "field was empty", value="checkout"),
            change("alignment", None, "aligned", "field was empty"),
        ],
    ),
    Case("report: never writes", item(), ALIGNED, "report", {}, []),
    Case(
        "enforce, roadsync wrote the current value: it keeps it up to date",
        item(priority="Low", labels=("theme/checkout",), fields={"Alignment": "aligned"}),
        ALIGNED,
        "enforce",
        {("PAY-1", "priority"): "Low", ("PAY-1", "theme"): "theme/checkout"},
        [change("priority", "Low", "High", OWN, value="P1")],
    ),
    Case(
        "fill, roadsync wrote the current value: it keeps it up to date too",
        item(priority="Low", labels=("theme/checkout",), fields={"Alignment": "aligned"}),
        ALIGNED,
        "fill",
        {("PAY-1", "priority"): "Low"},
        [change("priority", "Low", "High", OWN, value="P1")],
    ),
    Case(
        "a person changed the value since roadsync wrote it: kept",
        item(priority="Lowest", labels=("theme/checkout",), fields={"Alignment": "aligned"}),
        ALIGNED,
        "enforce",
        {("PAY-1", "priority"): "High"},
        [],
    ),
    Case(
        "a person cleared a value roadsync wrote: not refilled",
        item(priority="High", labels=("theme/checkout",)),
        ALIGNED,
        "enforce",
        {("PAY-1", "alignment"): "aligned"},
        [],
    ),
    Case(
        "a person changed it but the field says override: overwritten",
        item(priority="Lowest", labels=("theme/checkout",), fields={"Alignment": "aligned"}),
        ALIGNED,
        "enforce",
        {("PAY-1", "priority"): "High"},
        [change("priority", "Lowest", "High", "changed by hand; field policy says override", value="P1")],
        override=True,
    ),
    Case(
        "unaligned item: priority untouched, stale roadsync theme label removed",
        item(labels=("theme/old",), fields={"Alignment": "aligned"}),
        UNALIGNED,
        "enforce",
        {("PAY-1", "theme"): "theme/old", ("PAY-1", "alignment"): "aligned"},
        [
            FieldChange("PAY-1", "theme", "theme/old", None, f"theme none from no theme ({OWN})", None),
            FieldChange(
                "PAY-1",
                "alignment",
                "aligned",
                "unaligned",
                f"alignment unaligned from no theme ({OWN})",
                None,
            ),
        ],
    ),
    Case(
        "closed items are never written",
        item(status_category="done"),
        ALIGNED,
        "enforce",
        {},
        [],
    ),
    Case(
        "several theme labels: ambiguous, theme not written",
        item(priority="High", labels=("theme/a", "theme/b"), fields={"Alignment": "aligned"}),
        ALIGNED,
        "enforce",
        {},
        [],
    ),
    Case(
        "retired theme: alignment written, priority left alone",
        item(labels=("theme/legacy",)),
        Assignment("PAY-1", "legacy", "retired", "pin", "pin:theme/legacy", "pinned"),
        "enforce",
        {},
        [
            FieldChange(
                "PAY-1",
                "alignment",
                None,
                "retired",
                f"alignment retired from pinned ({TAKE})",
                "pin:theme/legacy",
            )
        ],
    ),
    Case(
        "unknown pin: theme field not touched",
        item(priority="High", labels=("theme/chekout",), fields={"Alignment": "aligned"}),
        replace(ALIGNED, unknown_pin="chekout"),
        "enforce",
        {},
        [],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_plan_item(case: Case) -> None:
    """Each ownership/policy case plans exactly the expected changes."""
    got = plan_item(case.item, case.assignment, ROADMAP, fields(case.policy, case.override), case.written)
    assert got == case.expected


def test_pins_are_theme_tags_roadsync_did_not_write() -> None:
    """A theme label is a pin unless it is the value roadsync last wrote."""
    items = [
        item(key="PAY-1", labels=("theme/checkout",)),
        item(key="PAY-2", labels=("theme/pay",)),
        item(key="PAY-3", labels=("theme/checkout",)),
        item(key="PAY-4", labels=("other",)),
        item(key="PAY-5", labels=("theme/checkout",)),
    ]
    written = {("PAY-3", "theme"): "theme/checkout", ("PAY-5", "theme"): "theme/search"}
    assert compute_pins(items, fields(), written) == {
        "PAY-1": "checkout",
        "PAY-2": "pay",
        "PAY-5": "checkout",
    }


def test_values_map_roadmap_levels_to_native_names() -> None:
    """A custom values table replaces the default Jira priority names."""
    custom = FieldsConfig(
        priority=ManagedField(policy="enforce", jira=FieldTarget(target="priority", values={"P1": "Major"}))
    )
    got = plan_item(item(), ALIGNED, ROADMAP, custom, {})
    assert [(c.old, c.new) for c in got] == [("Medium", "Major")]


def test_offline_an_unread_theme_tag_holds_every_item_whose_theme_passes_through_it() -> None:
    """Offline, a parent's unread theme tag (maybe a person's pin) holds the parent, a child that
    inherits from further up through it, and an item linked to that child; not the unrelated one."""
    from roadsync.sync.ownership import Ledger
    from roadsync.sync.plan import undecided_themes

    grand, parent = item(key="PAY-1"), item(key="PAY-2", parent="PAY-1", labels=("theme/pay",))
    child, other = item(key="PAY-3", parent="PAY-2"), item(key="PAY-4")
    linked = item(key="PAY-5")
    by_rule = Assignment("PAY-1", "checkout", "aligned", "rule", "theme:checkout/block:1", "label matched")
    assignments = {
        "PAY-1": by_rule,
        "PAY-2": replace(by_rule, item="PAY-2", step="parent", rule="parent:PAY-1"),
        "PAY-3": replace(by_rule, item="PAY-3", step="parent", rule="parent:PAY-1"),
        "PAY-4": replace(by_rule, item="PAY-4"),
        "PAY-5": replace(by_rule, item="PAY-5", step="link", rule="link:PAY-3"),
    }
    items = [grand, parent, child, other, linked]
    offline = Ledger(now="2026-11-30T00:00:00+00:00")
    assert undecided_themes(items, fields(), offline, assignments) == {"PAY-2", "PAY-3", "PAY-5"}
    online = Ledger(now="2026-11-30T00:00:00+00:00", on_demand=frozenset({"jira"}))
    assert undecided_themes(items, fields(), online, assignments) == frozenset()
