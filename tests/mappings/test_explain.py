"""explain(): the decision, the chain, and every matching or nearly matching block."""

from __future__ import annotations

import json

import pytest

from roadsync.errors import NotFoundError
from roadsync.mappings import Candidate, ConditionResult, Explanation, MatchBlock, assign, explain
from tests.mappings.factory import github, jira, roadmap, theme

THEMES = roadmap(
    theme("checkout", MatchBlock(labels=("checkout",), projects=("PAY",)), MatchBlock(title=r"(?i)cart")),
    theme("search", MatchBlock(labels=("search",)), priority="P1"),
)
ITEMS = [
    jira("PAY-1", kind="epic", labels=("checkout",), title="Checkout epic"),
    jira("PAY-2", parent="PAY-1"),
    jira("PAY-3", parent="PAY-2", title="Fix the Cart"),
    jira("OPS-1", labels=("checkout",), title="Ops thing"),
    github("acme/web#4", links=("PAY-2",), title="UI for it"),
]


def test_explain_json_shape_for_a_near_miss() -> None:
    """A block where some but not all conditions held is listed with per-condition results."""
    result = explain("OPS-1", ITEMS, THEMES)
    assert result.to_dict() == {
        "item": "OPS-1",
        "theme": None,
        "alignment": "unaligned",
        "step": "none",
        "rule": None,
        "reason": "no pin, rule, parent or linked item maps OPS-1 to a theme",
        "candidates": [
            {
                "theme": "checkout",
                "block": 1,
                "rule": "theme:checkout/block:1",
                "matched": False,
                "conditions": [
                    {"condition": "labels", "expected": ["checkout"], "actual": ["checkout"], "ok": True},
                    {"condition": "projects", "expected": ["PAY"], "actual": ["OPS"], "ok": False},
                ],
            }
        ],
        "title": "Ops thing",
        "secondary": [],
        "unknown_pin": None,
        "chain": ["OPS-1"],
        "provisional": None,
    }
    json.dumps(result.to_dict())


def test_explain_lists_the_matching_block_and_the_chain_for_inheritance() -> None:
    """A sub-item shows its own matches and the chain up to the epic that decided."""
    result = explain("PAY-3", ITEMS, THEMES)
    assert result == Explanation(
        item="PAY-3",
        title="Fix the Cart",
        theme="checkout",
        alignment="aligned",
        step="rule",
        rule="theme:checkout/block:2",
        reason="title matching `(?i)cart` matched theme `checkout`, block 2",
        secondary=(),
        unknown_pin=None,
        chain=("PAY-3",),
        candidates=(
            Candidate(
                "checkout", 1, "theme:checkout/block:1", False,
                (
                    ConditionResult("labels", ("checkout",), (), False),
                    ConditionResult("projects", ("PAY",), ("PAY",), True),
                ),
            ),
            Candidate(
                "checkout", 2, "theme:checkout/block:2", True,
                (ConditionResult("title", ("(?i)cart",), ("Fix the Cart",), True),),
            ),
        ),
    )  # fmt: skip
    assert explain("PAY-2", ITEMS, THEMES).chain == ("PAY-2", "PAY-1")


def test_explain_chain_through_a_link() -> None:
    """A link-inherited theme shows the linked item and that item's own chain."""
    result = explain("acme/web#4", ITEMS, THEMES)
    assert (result.step, result.chain) == ("link", ("acme/web#4", "PAY-2", "PAY-1"))


def test_unknown_key_is_not_found_with_a_hint() -> None:
    """Explaining a key that is not in the items raises NotFoundError naming it, with a hint."""
    with pytest.raises(NotFoundError) as raised:
        explain("PAY-404", ITEMS, THEMES)
    assert raised.value.item == "PAY-404"
    assert raised.value.hint and "roadsync pull" in raised.value.hint


def test_explain_agrees_with_assign_for_every_item() -> None:
    """explain's decision equals assign's for each item, with and without precomputed assignments."""
    pins = {"OPS-1": "search", "PAY-2": "nope"}
    assigned = assign(ITEMS, THEMES, pins)
    for key, assignment in assigned.items():
        for given in (None, assigned):
            result = explain(key, ITEMS, THEMES, pins, assignments=given)
            decided = (result.theme, result.alignment, result.step, result.rule, result.reason)
            assert decided == (
                assignment.theme, assignment.alignment, assignment.step, assignment.rule, assignment.reason
            )
            assert (result.secondary, result.unknown_pin) == (assignment.secondary, assignment.unknown_pin)
