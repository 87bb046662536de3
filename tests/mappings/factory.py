"""Small builders for mapping tests: items and themes with only the fields a test cares about."""

from __future__ import annotations

from typing import Any

from roadsync.connectors.model import Item
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme


def jira(key: str, **fields: Any) -> Item:
    """A Jira issue in the project named by the key's prefix."""
    values: dict[str, Any] = {"kind": "issue", "title": f"Issue {key}", "issue_type": "Story"}
    values.update(fields)
    scope = key.split("-")[0]
    return Item(source="jira", key=key, scope=scope, url=f"https://jira.test/browse/{key}", **values)


def github(key: str, **fields: Any) -> Item:
    """A GitHub issue in the repo named by the key (``owner/repo#n``)."""
    values: dict[str, Any] = {"kind": "issue", "title": f"Issue {key}"}
    values.update(fields)
    scope = key.split("#")[0]
    return Item(source="github", key=key, scope=scope, url=f"https://github.test/{key}", **values)


def theme(theme_id: str, *blocks: MatchBlock, order: int = 0, **fields: Any) -> Theme:
    values: dict[str, Any] = {"name": theme_id.title(), "priority": "P2"}
    values.update(fields)
    return Theme(id=theme_id, match=tuple(blocks), order=order, **values)


def roadmap(*themes: Theme) -> Roadmap:
    """A roadmap whose themes keep the file order they are given in."""
    ordered = tuple(
        Theme(**{**t.__dict__, "order": n}) for n, t in enumerate(themes)
    )
    return Roadmap(themes=ordered)
