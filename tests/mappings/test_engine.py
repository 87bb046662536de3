"""Table tests of the precedence pin > rule > parent > link > none, with whole assignments."""

from __future__ import annotations

from roadsync.mappings import Assignment, MatchBlock, Roadmap, assign
from roadsync.mappings.assignment import build_assignment
from tests.mappings.factory import github, jira, roadmap, theme

CHECKOUT = theme("checkout", MatchBlock(labels=("checkout",)), priority="P1", aliases=("payments-old",))
SEARCH = theme("search", MatchBlock(title=r"(?i)search"), priority="P2")
LEGACY = theme("legacy", MatchBlock(labels=("legacy",)), priority="P0", status="retired")
LATER = theme("later", MatchBlock(components=("Later",)), priority="P3", status="paused")
THEMES: Roadmap = roadmap(CHECKOUT, SEARCH, LEGACY, LATER)

CHECKOUT_RULE = "label `checkout` matched theme `checkout`, block 1"


def test_pin_beats_rules_and_rule_matches_become_secondary() -> None:
    """A person's theme tag decides; the item's own rule matches are kept as secondary."""
    item = jira("PAY-1", labels=("checkout",), title="Search")
    result = assign([item], THEMES, {"PAY-1": "search"})
    assert result == {
        "PAY-1": Assignment(
            "PAY-1", "search", "aligned", "pin", "pin:search", "theme tag `search` was set by hand",
            secondary=("checkout",),
        )
    }


def test_pin_through_an_alias_lands_on_the_current_theme() -> None:
    """A pin naming an old theme id (alias) resolves to the theme that carries the alias now."""
    result = assign([jira("PAY-1")], THEMES, {"PAY-1": "payments-old"})
    assert result["PAY-1"] == Assignment(
        "PAY-1", "checkout", "aligned", "pin", "pin:payments-old",
        "theme tag `payments-old` (an alias of `checkout`) was set by hand",
    )  # fmt: skip


def test_pin_to_an_unknown_theme_is_reported_and_falls_through() -> None:
    """A pin the roadmap does not define sets unknown_pin and the next step decides."""
    items = [jira("PAY-1", labels=("checkout",)), jira("PAY-2")]
    result = assign(items, THEMES, {"PAY-1": "chekout", "PAY-2": "gone"})
    assert result == {
        "PAY-1": Assignment(
            "PAY-1", "checkout", "aligned", "rule", "theme:checkout/block:1",
            f"{CHECKOUT_RULE}; theme tag `chekout` is not on the roadmap", unknown_pin="chekout",
        ),
        "PAY-2": Assignment(
            "PAY-2", None, "unaligned", "none", None,
            "no pin, rule, parent or linked item maps PAY-2 to a theme; "
            "theme tag `gone` is not on the roadmap",
            unknown_pin="gone",
        ),
    }  # fmt: skip


def test_pins_for_items_outside_the_set_are_ignored() -> None:
    """Pins only apply to items being mapped."""
    assert assign([jira("PAY-1")], THEMES, {"PAY-404": "checkout"}).keys() == {"PAY-1"}


def test_rule_highest_priority_wins_and_others_are_secondary() -> None:
    """Among matching themes the highest priority is primary, the rest secondary in precedence order."""
    item = jira("PAY-1", labels=("checkout", "legacy"), components=("Later",), title="search bar")
    assert assign([item], THEMES)["PAY-1"] == Assignment(
        "PAY-1", "legacy", "retired", "rule", "theme:legacy/block:1",
        "label `legacy` matched theme `legacy`, block 1", secondary=("checkout", "search", "later"),
    )  # fmt: skip


def test_priority_ties_go_to_file_order_not_tuple_order() -> None:
    """Two themes of the same priority: the one earlier in the file (Theme.order) wins."""
    first = theme("first", MatchBlock(labels=("x",)), order=0)
    second = theme("second", MatchBlock(labels=("x",)), order=1)
    shuffled = Roadmap(themes=(second, first))
    result = assign([jira("PAY-1", labels=("x",))], shuffled)["PAY-1"]
    assert (result.theme, result.secondary) == ("first", ("second",))


def test_unknown_priority_levels_rank_last() -> None:
    """A theme with a priority outside the levels loses to any known level."""
    odd = theme("odd", MatchBlock(labels=("x",)), priority="urgent!", order=0)
    known = theme("known", MatchBlock(labels=("x",)), priority="P4", order=1)
    result = assign([jira("PAY-1", labels=("x",))], Roadmap(themes=(odd, known)))["PAY-1"]
    assert (result.theme, result.secondary) == ("known", ("odd",))


def test_retired_and_paused_themes_still_match_and_say_so() -> None:
    """Work on retired/paused themes lands there, with alignment retired/paused, so drift sees it."""
    items = [
        jira("PAY-1", labels=("legacy",)),
        jira("PAY-2", components=("Later",)),
        jira("PAY-3", parent="PAY-1"),
    ]
    result = assign(items, THEMES)
    assert [(a.theme, a.alignment, a.step) for a in result.values()] == [
        ("legacy", "retired", "rule"),
        ("later", "paused", "rule"),
        ("legacy", "retired", "parent"),
    ]


def test_inheritance_three_levels_deep() -> None:
    """A sub-task inherits through its story from the epic whose rule matched, naming the chain."""
    items = [
        jira("PAY-1", kind="epic", labels=("checkout",)),
        jira("PAY-2", parent="PAY-1"),
        jira("PAY-3", parent="PAY-2"),
        jira("PAY-4", parent="PAY-3", kind="sub-task"),
    ]
    result = assign(items, THEMES)
    assert result["PAY-2"] == Assignment(
        "PAY-2", "checkout", "inherited", "parent", "parent:PAY-1",
        f"inherited theme `checkout` from epic PAY-1 ({CHECKOUT_RULE})",
    )  # fmt: skip
    assert result["PAY-4"] == Assignment(
        "PAY-4", "checkout", "inherited", "parent", "parent:PAY-1",
        f"inherited theme `checkout` from epic PAY-1 via PAY-3 → PAY-2 ({CHECKOUT_RULE})",
    )  # fmt: skip


def test_nearest_deciding_ancestor_wins() -> None:
    """An item inherits from the closest ancestor with a pin or rule, not from further up."""
    items = [
        jira("PAY-1", kind="epic", labels=("checkout",)),
        jira("PAY-2", parent="PAY-1", title="Search"),
        jira("PAY-3", parent="PAY-2"),
    ]
    assert assign(items, THEMES)["PAY-3"].rule == "parent:PAY-2"


def test_pinned_parent_passes_its_pin_down() -> None:
    """A pin on an epic is inherited by its children."""
    items = [jira("PAY-1", kind="epic"), jira("PAY-2", parent="PAY-1")]
    result = assign(items, THEMES, {"PAY-1": "search"})["PAY-2"]
    assert result == Assignment(
        "PAY-2", "search", "inherited", "parent", "parent:PAY-1",
        "inherited theme `search` from epic PAY-1 (theme tag `search` was set by hand)",
    )  # fmt: skip


def test_parent_cycles_yield_no_inheritance_and_no_hang() -> None:
    """Items whose parents form a cycle without any decision stay unaligned."""
    items = [jira("PAY-1", parent="PAY-3"), jira("PAY-2", parent="PAY-1"), jira("PAY-3", parent="PAY-2")]
    items.append(jira("PAY-4", parent="PAY-1"))
    result = assign(items, THEMES)
    assert {a.step for a in result.values()} == {"none"}


def test_cycle_with_a_decision_inherits_from_the_nearest() -> None:
    """In a cycle, items inherit from the nearest member that decided by itself."""
    items = [
        jira("PAY-1", parent="PAY-2", labels=("checkout",)),
        jira("PAY-2", parent="PAY-3"),
        jira("PAY-3", parent="PAY-1"),
    ]
    result = assign(items, THEMES)
    assert [(a.theme, a.step, a.rule) for a in result.values()] == [
        ("checkout", "rule", "theme:checkout/block:1"),
        ("checkout", "parent", "parent:PAY-1"),
        ("checkout", "parent", "parent:PAY-1"),
    ]


def test_self_parent_is_a_cycle() -> None:
    """An item that is its own parent inherits nothing."""
    assert assign([jira("PAY-1", parent="PAY-1")], THEMES)["PAY-1"].step == "none"


def test_missing_parent_is_not_inherited_from() -> None:
    """A parent outside the item set passes nothing down."""
    assert assign([jira("PAY-2", parent="PAY-1")], THEMES)["PAY-2"].step == "none"


def test_link_inherits_the_linked_items_theme() -> None:
    """A GitHub issue naming a Jira key takes that item's theme when it has none of its own."""
    items = [jira("PAY-1", labels=("checkout",)), github("acme/web#4", links=("PAY-1",))]
    assert assign(items, THEMES)["acme/web#4"] == Assignment(
        "acme/web#4", "checkout", "inherited", "link", "link:PAY-1",
        f"inherited theme `checkout` from linked item PAY-1 ({CHECKOUT_RULE})",
    )  # fmt: skip


def test_links_work_in_both_directions() -> None:
    """A Jira item named by a GitHub issue inherits that issue's theme too."""
    items = [jira("PAY-1"), github("acme/web#4", links=("PAY-1",), title="search")]
    assert assign(items, THEMES)["PAY-1"].rule == "link:acme/web#4"


def test_link_passes_a_parent_derived_theme_but_not_link_of_link() -> None:
    """A linked item's inherited-from-parent theme passes over a link; a link-derived one does not."""
    items = [
        jira("PAY-1", kind="epic", labels=("checkout",)),
        jira("PAY-2", parent="PAY-1"),
        github("acme/web#4", links=("PAY-2",)),
        github("acme/web#5", links=("acme/web#4",)),
    ]
    result = assign(items, THEMES)
    assert (result["acme/web#4"].theme, result["acme/web#4"].rule) == ("checkout", "link:PAY-2")
    assert result["acme/web#5"].step == "none"


def test_several_links_highest_priority_then_key() -> None:
    """Among several linked items, the highest theme priority wins, then the smaller key."""
    items = [
        jira("PAY-1", title="search"),
        jira("PAY-2", labels=("checkout",)),
        jira("PAY-3", labels=("checkout",)),
        github("acme/web#4", links=("PAY-1", "PAY-3", "PAY-2")),
    ]
    assert assign(items, THEMES)["acme/web#4"].rule == "link:PAY-2"


def test_parent_beats_link() -> None:
    """Inheritance from a parent comes before inheritance over a link."""
    items = [
        jira("PAY-1", kind="epic", title="Search"),
        jira("PAY-2", parent="PAY-1", links=("acme/web#4",)),
        github("acme/web#4", labels=("checkout",)),
    ]
    assert assign(items, THEMES)["PAY-2"].step == "parent"


def test_rule_beats_parent() -> None:
    """An item's own rule match comes before its parent's theme."""
    items = [jira("PAY-1", kind="epic", labels=("checkout",)), jira("PAY-2", parent="PAY-1", title="search")]
    assert assign(items, THEMES)["PAY-2"].theme == "search"


def test_every_item_gets_an_assignment_in_key_order() -> None:
    """The result has one assignment per item, keys sorted."""
    items = [jira("PAY-2"), github("acme/web#1"), jira("PAY-1")]
    assert list(assign(items, THEMES)) == ["PAY-1", "PAY-2", "acme/web#1"]


def test_duplicate_keys_are_refused() -> None:
    """Two items with the same key are a caller bug, not something to guess about."""
    try:
        assign([jira("PAY-1"), jira("PAY-1")], THEMES)
    except ValueError as error:
        assert "PAY-1" in str(error)
    else:
        raise AssertionError("duplicate keys were accepted")


def test_long_parent_chain_is_linear() -> None:
    """A 5000-deep chain under one decided epic maps quickly (memoised walk)."""
    chain = [jira(f"PAY-{n}", parent=f"PAY-{n - 1}") for n in range(1, 5000)]
    items = [jira("PAY-0", labels=("checkout",)), *chain]
    result = assign(items, THEMES)
    assert {a.rule for k, a in result.items() if k != "PAY-0"} == {"parent:PAY-0"}


def test_assignments_are_ordinary_frozen_objects() -> None:
    """What assign returns equals, hashes and prints like an Assignment built the usual way."""
    made = assign([jira("PAY-1", labels=("checkout",))], THEMES)["PAY-1"]
    usual = Assignment("PAY-1", "checkout", "aligned", "rule", "theme:checkout/block:1", CHECKOUT_RULE)
    assert (made, hash(made), repr(made)) == (usual, hash(usual), repr(usual))
    assert made.to_dict() == usual.to_dict()
    try:
        made.theme = "other"  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("assignment is mutable")


def test_built_assignments_equal_constructed_ones() -> None:
    """build_assignment (the fast path) equals, hashes and prints like the constructor's Assignment."""
    built = build_assignment("PAY-1", "ok", "inherited", "parent", "parent:PAY-0", "why", ("search",), "x")
    usual = Assignment("PAY-1", "ok", "inherited", "parent", "parent:PAY-0", "why", ("search",), "x")
    assert type(built) is Assignment
    assert (built, hash(built), repr(built)) == (usual, hash(usual), repr(usual))


def test_an_assignment_carries_no_instance_dict() -> None:
    """Assignments (one per item, held through a run) are slotted: no per-instance ``__dict__``."""
    built = build_assignment("PAY-1", None, "unaligned", "none", None, "why")
    usual = Assignment("PAY-1", None, "unaligned", "none", None, "why")
    assert not hasattr(built, "__dict__") and not hasattr(usual, "__dict__")


def test_items_matched_alike_share_one_reason() -> None:
    """Two items a rule matches on the same label hold one reason string, not a copy each."""
    found = assign([jira("PAY-1", labels=("checkout",)), jira("PAY-2", labels=("checkout",))], THEMES, {})
    assert found["PAY-1"].step == "rule" and found["PAY-1"].reason == found["PAY-2"].reason
    assert found["PAY-1"].reason is found["PAY-2"].reason
