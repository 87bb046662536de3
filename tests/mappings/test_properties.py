"""Property tests: mapping is total, deterministic, order-independent, and explain agrees."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from roadsync.connectors.model import Item
from roadsync.mappings import MatchBlock, Roadmap, Theme, assign, explain
from tests.mappings.factory import github, jira

JIRA_KEYS = [f"PAY-{n}" for n in range(1, 8)] + ["OPS-1"]
GITHUB_KEYS = [f"acme/web#{n}" for n in range(1, 6)]
KEYS = JIRA_KEYS + GITHUB_KEYS
LABELS = ["checkout", "Search", "🚀", "a,b", "team:x", "legacy"]
THEME_IDS = ["checkout", "search", "growth", "legacy", "ops"]

keys_subset = st.lists(st.sampled_from(KEYS), max_size=3, unique=True).map(tuple)

blocks = st.builds(
    MatchBlock,
    labels=st.lists(st.sampled_from(LABELS), max_size=2).map(tuple),
    components=st.lists(st.sampled_from(["Payments", "Search"]), max_size=1).map(tuple),
    epics=st.lists(st.sampled_from(KEYS), max_size=1).map(tuple),
    parents=st.lists(st.sampled_from(KEYS), max_size=1).map(tuple),
    repos=st.lists(st.just("acme/web"), max_size=1).map(tuple),
    projects=st.lists(st.sampled_from(["PAY", "OPS"]), max_size=1).map(tuple),
    issue_types=st.lists(st.sampled_from(["Bug", "Story", "epic"]), max_size=1).map(tuple),
    title=st.none() | st.sampled_from([r"(?i)cart", r"^Fix", r"(a+)+$"]),
    text=st.none() | st.sampled_from([r"stripe", r"(?i)SEARCH"]),
    keys=st.lists(st.sampled_from(KEYS), max_size=1).map(tuple),
    status=st.lists(st.sampled_from(["done", "in_progress", "In Review"]), max_size=1).map(tuple),
)


@st.composite
def roadmaps(draw: st.DrawFn) -> Roadmap:
    ids = draw(st.lists(st.sampled_from(THEME_IDS), min_size=1, max_size=4, unique=True))
    orders = draw(st.permutations(range(len(ids))))
    themes = tuple(
        Theme(
            id=theme_id, name=theme_id, priority=draw(st.sampled_from(["P0", "P1", "P2", "P9"])),
            status=draw(st.sampled_from(["active", "active", "paused", "retired"])),
            aliases=(f"old-{theme_id}",), match=tuple(draw(st.lists(blocks, max_size=3))), order=order,
        )
        for theme_id, order in zip(ids, orders, strict=True)
    )
    return Roadmap(themes=themes)


@st.composite
def backlogs(draw: st.DrawFn) -> list[Item]:
    chosen = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=len(KEYS), unique=True))
    items = []
    for key in chosen:
        fields: dict[str, Any] = {
            "kind": draw(st.sampled_from(["issue", "issue", "epic", "sub-task"])),
            "title": draw(st.sampled_from(["Fix the cart", "Search box", "a" * 40 + "!", "Other"])),
            "body": draw(st.sampled_from(["", "Stripe webhooks", "search everywhere"])),
            "labels": tuple(draw(st.lists(st.sampled_from(LABELS), max_size=3, unique=True))),
            "status": draw(st.sampled_from(["To Do", "In Review", "Done"])),
            "status_category": draw(st.sampled_from(["todo", "in_progress", "done"])),
            "parent": draw(st.none() | st.sampled_from(KEYS)),
            "links": draw(keys_subset),
        }
        if key in JIRA_KEYS:
            fields["components"] = tuple(draw(st.lists(st.sampled_from(["Payments", "Search"]), max_size=1)))
            items.append(jira(key, issue_type=draw(st.sampled_from(["Bug", "Story", None])), **fields))
        else:
            items.append(github(key, **fields))
    return items


pin_maps = st.dictionaries(
    st.sampled_from(KEYS), st.sampled_from([*THEME_IDS, "old-search", "old-ops", "nope"]), max_size=4
)


@settings(max_examples=150, deadline=None)
@given(items=backlogs(), themes=roadmaps(), pins=pin_maps)
def test_every_item_gets_one_consistent_assignment(
    items: list[Item], themes: Roadmap, pins: dict[str, str]
) -> None:
    """Each item gets exactly one assignment whose theme, step and alignment fit together."""
    result = assign(items, themes, pins)
    assert sorted(result) == sorted(item.key for item in items)
    for key, assignment in result.items():
        assert assignment.item == key
        assert (assignment.theme is None) == (assignment.step == "none")
        assert assignment.reason
        if assignment.theme is not None:
            found = themes.resolve(assignment.theme)
            assert found is not None and found.id == assignment.theme
            expected = found.status if found.status != "active" else (
                "aligned" if assignment.step in ("pin", "rule") else "inherited"
            )
            assert assignment.alignment == expected
            assert assignment.theme not in assignment.secondary
        else:
            assert assignment.alignment == "unaligned" and assignment.rule is None
        tag = pins.get(key)
        assert assignment.unknown_pin == (tag if tag and themes.resolve(tag) is None else None)


@settings(max_examples=150, deadline=None)
@given(items=backlogs(), themes=roadmaps(), pins=pin_maps, data=st.data())
def test_result_ignores_item_order_and_theme_tuple_order(
    items: list[Item], themes: Roadmap, pins: dict[str, str], data: st.DataObject
) -> None:
    """Permuting the items, or the themes tuple (file order kept in Theme.order), changes nothing."""
    first = assign(items, themes, pins)
    assert assign(items, themes, pins) == first
    shuffled_items = data.draw(st.permutations(items))
    shuffled_themes = Roadmap(themes=tuple(data.draw(st.permutations(themes.themes))), levels=themes.levels)
    again = assign(shuffled_items, shuffled_themes, pins)
    assert again == first
    assert list(again) == list(first)


@settings(max_examples=100, deadline=None)
@given(items=backlogs(), themes=roadmaps(), pins=pin_maps)
def test_explain_agrees_with_assign(items: list[Item], themes: Roadmap, pins: dict[str, str]) -> None:
    """For every item, explain reports assign's decision, and a rule decision is a matched candidate."""
    result = assign(items, themes, pins)
    for key, assignment in result.items():
        explained = explain(key, items, themes, pins)
        said = explained.to_dict()
        assert {name: said[name] for name in ("item", "theme", "alignment", "step", "rule", "reason")} == {
            name: value for name, value in assignment.to_dict().items() if name != "secondary"
        }
        assert (explained.secondary, explained.unknown_pin) == (assignment.secondary, assignment.unknown_pin)
        matched = {c.rule for c in explained.candidates if c.matched}
        if assignment.step == "rule":
            assert assignment.rule in matched
        elif assignment.step in ("parent", "link", "none"):
            assert not matched
        assert explained.chain[0] == key
