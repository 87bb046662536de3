"""Table tests of each match condition, regex safety and rule compilation."""

from __future__ import annotations

import pytest

from roadsync.connectors.model import Item
from roadsync.errors import ConfigError
from roadsync.mappings import Assignment, MatchBlock, assign, compile_roadmap
from roadsync.mappings.rules import MAX_DEPTH
from tests.mappings.factory import github, jira, roadmap, theme


def rule_hit(block: MatchBlock, item: Item, *others: Item) -> Assignment:
    """Map ``item`` (plus context items) against one theme `t` with one block."""
    return assign([item, *others], roadmap(theme("t", block)))[item.key]


def matched(block: MatchBlock, item: Item, *others: Item) -> bool:
    return rule_hit(block, item, *others).step == "rule"


REVIEW = {"status": "In Review", "status_category": "in_progress"}

CONDITION_TABLE = [
    # (block, item, context, expected)
    (MatchBlock(labels=("checkout",)), jira("PAY-1", labels=("checkout", "x")), (), True),
    (MatchBlock(labels=("checkout",)), jira("PAY-1", labels=("CheckOut",)), (), True),
    (MatchBlock(labels=("checkout",)), jira("PAY-1", labels=("checkout-v2",)), (), False),
    (MatchBlock(labels=("a", "b")), jira("PAY-1", labels=("b",)), (), True),
    (MatchBlock(components=("Payments",)), jira("PAY-1", components=("payments",)), (), True),
    (MatchBlock(components=("Payments",)), jira("PAY-1", components=("Search",)), (), False),
    (MatchBlock(repos=("acme/web",)), github("acme/web#1"), (), True),
    (MatchBlock(repos=("acme/web",)), github("Acme/Web#1"), (), True),
    (MatchBlock(repos=("acme/web",)), github("acme/api#1"), (), False),
    (MatchBlock(repos=("PAY",)), jira("PAY-1"), (), False),
    (MatchBlock(projects=("PAY",)), jira("PAY-1"), (), True),
    (MatchBlock(projects=("PAY",)), jira("OPS-1"), (), False),
    (MatchBlock(projects=("acme/web",)), github("acme/web#1"), (), False),
    (MatchBlock(issue_types=("bug",)), jira("PAY-1", issue_type="Bug"), (), True),
    (MatchBlock(issue_types=("Bug",)), jira("PAY-1", issue_type="Story"), (), False),
    (MatchBlock(issue_types=("epic",)), jira("PAY-1", kind="epic", issue_type="Epic"), (), True),
    (MatchBlock(issue_types=("epic",)), github("acme/web#1", kind="epic"), (), True),
    (MatchBlock(issue_types=("sub-task",)), jira("PAY-1", kind="sub-task", issue_type=None), (), True),
    (MatchBlock(keys=("PAY-1",)), jira("PAY-1"), (), True),
    (MatchBlock(keys=("acme/web#1",)), github("acme/web#1"), (), True),
    (MatchBlock(keys=("PAY-1",)), jira("PAY-10"), (), False),
    (MatchBlock(status=("in_progress",)), jira("PAY-1", **REVIEW), (), True),
    (MatchBlock(status=("in review",)), jira("PAY-1", **REVIEW), (), True),
    (MatchBlock(status=("done",)), jira("PAY-1", **REVIEW), (), False),
    (MatchBlock(title=r"^Checkout"), jira("PAY-1", title="Checkout: 3DS"), (), True),
    (MatchBlock(title=r"^checkout"), jira("PAY-1", title="Checkout: 3DS"), (), False),
    (MatchBlock(title=r"(?i)^checkout"), jira("PAY-1", title="Checkout: 3DS"), (), True),
    (MatchBlock(title=r"3DS"), jira("PAY-1", title="Pay", body="3DS in body"), (), False),
    (MatchBlock(text=r"3DS"), jira("PAY-1", title="Pay", body="3DS in body"), (), True),
    (MatchBlock(text=r"^Pay$"), jira("PAY-1", title="Pay", body="more"), (), False),
    (MatchBlock(text=r"(?m)^Pay$"), jira("PAY-1", title="Pay", body="more"), (), True),
    (MatchBlock(text=r"(?i)stripe"), jira("PAY-1", title="x", body="STRIPE webhooks"), (), True),
    (MatchBlock(title=r"café ☕"), jira("PAY-1", title="Le café ☕ est prêt"), (), True),
]


@pytest.mark.parametrize(("block", "item", "context", "expected"), CONDITION_TABLE)
def test_each_condition_kind(
    block: MatchBlock, item: Item, context: tuple[Item, ...], expected: bool
) -> None:
    """Each condition kind holds exactly for the values it names (list conditions ignore case)."""
    assert matched(block, item, *context) is expected


ANCESTRY = (
    jira("PAY-1", kind="epic", issue_type="Epic"),
    jira("PAY-2", parent="PAY-1"),
    jira("PAY-3", parent="PAY-2", kind="sub-task", issue_type="Sub-task"),
)


@pytest.mark.parametrize(
    ("block", "key", "expected"),
    [
        (MatchBlock(epics=("PAY-1",)), "PAY-2", True),
        (MatchBlock(epics=("PAY-1",)), "PAY-3", True),
        (MatchBlock(epics=("PAY-2",)), "PAY-3", False),
        (MatchBlock(parents=("PAY-2",)), "PAY-3", True),
        (MatchBlock(parents=("PAY-1",)), "PAY-3", True),
        (MatchBlock(parents=("PAY-3",)), "PAY-2", False),
        (MatchBlock(epics=("PAY-1",)), "PAY-1", False),
    ],
)
def test_epics_and_parents_look_at_every_ancestor(block: MatchBlock, key: str, expected: bool) -> None:
    """`epics` matches any epic ancestor, `parents` any ancestor at all; never the item itself."""
    item = next(i for i in ANCESTRY if i.key == key)
    others = [i for i in ANCESTRY if i.key != key]
    assert matched(block, item, *others) is expected


def test_epic_outside_the_item_set_still_counts() -> None:
    """A parent missing from the set (kind unknown) is matched by `epics`, as the rule named it."""
    assert matched(MatchBlock(epics=("PAY-9",)), jira("PAY-2", parent="PAY-9"))


def test_ancestry_depth_is_capped() -> None:
    """`parents` looks at most MAX_DEPTH levels up: the 100th ancestor counts, the 101st not."""
    chain = [jira("PAY-0")] + [jira(f"PAY-{n}", parent=f"PAY-{n - 1}") for n in range(1, MAX_DEPTH + 3)]
    leaf = chain[-1]
    assert matched(MatchBlock(parents=("PAY-2",)), leaf, *chain[:-1])
    assert not matched(MatchBlock(parents=("PAY-0",)), leaf, *chain[:-1])


def test_all_conditions_of_a_block_must_hold() -> None:
    """A block with two conditions matches only when both hold."""
    block = MatchBlock(labels=("checkout",), projects=("PAY",))
    assert matched(block, jira("PAY-1", labels=("checkout",)))
    assert not matched(block, jira("OPS-1", labels=("checkout",)))
    assert not matched(block, jira("PAY-2"))


def test_any_block_of_a_theme_may_match_and_the_first_names_the_rule() -> None:
    """A theme matches when any block does; the rule id names the first matching block (1-based)."""
    blocks = (MatchBlock(labels=("a",)), MatchBlock(labels=("b",)), MatchBlock(labels=("c",)))
    themes = roadmap(theme("t", *blocks))
    result = assign([jira("PAY-1", labels=("c", "b"))], themes)["PAY-1"]
    assert result == Assignment(
        "PAY-1", "t", "aligned", "rule", "theme:t/block:2", "label `b` matched theme `t`, block 2"
    )


def test_empty_block_matches_nothing() -> None:
    """A block without conditions never matches (a catch-all must say so, e.g. text = "")."""
    assert not matched(MatchBlock(), jira("PAY-1"))
    assert matched(MatchBlock(text=""), jira("PAY-1"))


def test_reason_names_every_condition_with_the_items_value() -> None:
    """The reason lists each condition with the value the item had, as the item spells it."""
    block = MatchBlock(labels=("checkout",), projects=("pay",), title=r"(?i)3ds")
    result = rule_hit(block, jira("PAY-1", labels=("Checkout",), title="3DS flow"))
    assert result.reason == (
        "label `Checkout` and project `PAY` and title matching `(?i)3ds` matched theme `t`, block 1"
    )


@pytest.mark.parametrize("label", ["🚀 launch", "team:payments", "a,b", "prio: high, now", "ünïcödé"])
def test_labels_with_emoji_commas_and_colons_match_exactly(label: str) -> None:
    """Labels are compared as whole strings: emoji, commas and colons need no escaping."""
    block = MatchBlock(labels=(label,))
    assert matched(block, jira("PAY-1", labels=(label,)))
    assert not matched(block, jira("PAY-1", labels=tuple(label.split(",")) if "," in label else ("other",)))


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (r"(a+)+$", "a" * 5000 + "!", None),
        (r"(a|aa)+$", "a" * 5000 + "!", None),
        (r"(.*a){20}", "a" * 5000, "t"),
        (r"^(\w+\s?)*$", "word " * 2000 + "!", None),
    ],
)
@pytest.mark.timeout(60)
def test_backtracking_bombs_finish(pattern: str, text: str, expected: str | None) -> None:
    """Patterns that explode a backtracking engine finish with re2 and decide as written.

    With Python's ``re`` each of these runs for hours; re2 runs in linear time, so the timeout
    (a hang detector, not a speed bound) is never near."""
    items = [jira(f"PAY-{n}", title=text, body=text) for n in range(20)]
    themes = roadmap(theme("t", MatchBlock(title=pattern)), theme("u", MatchBlock(text=pattern)))
    assignments = assign(items, themes)
    assert {a.theme for a in assignments.values()} == {expected}


@pytest.mark.parametrize("pattern", [r"(?<=a)b", r"(a)\1", r"(?!x)y", "[unclosed"])
def test_patterns_re2_cannot_run_are_config_errors(pattern: str) -> None:
    """Lookaround, backreferences and broken syntax are reported as ConfigError naming the rule."""
    with pytest.raises(ConfigError) as raised:
        compile_roadmap(roadmap(theme("t", MatchBlock(labels=("x",)), MatchBlock(title=pattern))))
    assert "theme:t/block:2" in str(raised.value)
    assert raised.value.exit_code == 78


def test_rules_run_in_precedence_order() -> None:
    """Compiled rules are ordered by theme priority, then file order, then block number."""
    themes = roadmap(
        theme("low", MatchBlock(labels=("a",)), priority="P3"),
        theme("high", MatchBlock(labels=("a",)), MatchBlock(labels=("b",)), priority="P0"),
        theme("also-high", MatchBlock(labels=("a",)), priority="P0"),
    )
    ids = [rule.id for rule in compile_roadmap(themes).rules]
    assert ids == ["theme:high/block:1", "theme:high/block:2", "theme:also-high/block:1", "theme:low/block:1"]
