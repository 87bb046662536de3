"""coverage(): open work per theme against its target share."""

from __future__ import annotations

from roadsync.connectors.model import Item
from roadsync.mappings import MatchBlock, ThemeCoverage, assign, coverage
from tests.mappings.factory import jira, roadmap, theme

THEMES = roadmap(
    theme("checkout", MatchBlock(labels=("checkout",)), priority="P1", target_share=0.5),
    theme("search", MatchBlock(labels=("search",)), priority="P2", horizon="next"),
    theme("legacy", MatchBlock(labels=("legacy",)), priority="P3", status="retired", target_share=0.0),
)


def rows(items: list[Item]) -> list[ThemeCoverage]:
    return coverage(items, assign(items, THEMES), THEMES)


def test_share_by_estimate_when_every_open_item_has_one() -> None:
    """With estimates on all open items, shares are by estimate; done items do not count."""
    items = [
        jira("PAY-1", labels=("checkout",), estimate=6.0),
        jira("PAY-2", labels=("search",), estimate=2.0),
        jira("PAY-3", estimate=2.0),
        jira("PAY-4", labels=("checkout",), status_category="done"),
    ]
    assert rows(items) == [
        ThemeCoverage("checkout", "Checkout", "P1", "now", "active", 0.5, 1, 6.0, 0.6, 0.1, "estimate"),
        ThemeCoverage("search", "Search", "P2", "next", "active", None, 1, 2.0, 0.2, None, "estimate"),
        ThemeCoverage("legacy", "Legacy", "P3", "now", "retired", 0.0, 0, 0.0, 0.0, 0.0, "estimate"),
        ThemeCoverage(None, "unaligned", None, None, None, None, 1, 2.0, 0.2, None, "estimate"),
    ]


def test_share_by_count_when_an_estimate_is_missing() -> None:
    """One open item without an estimate switches every share to counts."""
    items = [
        jira("PAY-1", labels=("checkout",), estimate=6.0),
        jira("PAY-2", labels=("checkout",)),
        jira("PAY-3", labels=("legacy",), estimate=1.0),
        jira("PAY-4"),
    ]
    result = {r.id: (r.open_items, r.estimate_sum, r.share, r.delta, r.basis) for r in rows(items)}
    assert result == {
        "checkout": (2, 6.0, 0.5, 0.0, "count"),
        "search": (0, 0.0, 0.0, None, "count"),
        "legacy": (1, 1.0, 0.25, 0.25, "count"),
        None: (1, 0.0, 0.25, None, "count"),
    }


def test_no_open_work_gives_zero_shares() -> None:
    """An empty backlog yields a row per theme plus unaligned, all at zero."""
    assert [(row.id, row.open_items, row.share) for row in rows([])] == [
        ("checkout", 0, 0.0),
        ("search", 0, 0.0),
        ("legacy", 0, 0.0),
        (None, 0, 0.0),
    ]


def test_to_dict_is_plain_json_data() -> None:
    """Rows render as flat dictionaries for the JSON output."""
    row = rows([jira("PAY-1", labels=("search",))])[1]
    assert row.to_dict() == {
        "id": "search", "name": "Search", "priority": "P2", "horizon": "next", "status": "active",
        "target_share": None, "open_items": 1, "estimate_sum": 0.0, "share": 1.0, "delta": None,
        "basis": "count",
    }  # fmt: skip
