"""The demo company's backlog mapped against its roadmap: total, and explain agrees everywhere.

The items are built straight from the sandbox seed (no HTTP: connector conversion has its own
tests); theme labels (``theme:x`` on Jira, ``theme/x`` on GitHub) play the pins.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from roadsync.connectors.model import Item, Kind, StatusCategory
from roadsync.mappings import MatchBlock, Roadmap, Theme, assign, coverage, explain
from roadsync.sandbox.demo import demo_fixture, demo_roadmap_toml
from roadsync.sandbox.fixture import GithubIssueFixture, JiraIssueFixture

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CATEGORY: dict[str, StatusCategory] = {
    "Done": "done", "In Progress": "in_progress", "In Review": "in_progress",
}  # fmt: skip
KINDS: dict[str, Kind] = {"Epic": "epic", "Sub-task": "sub-task"}
JIRA_KEY = re.compile(r"\b[A-Z][A-Z0-9]+-\d+\b")


def demo_roadmap() -> Roadmap:
    data = tomllib.loads(demo_roadmap_toml())
    themes = []
    for order, raw in enumerate(data["themes"]):
        blocks = tuple(MatchBlock(**as_tuples(block)) for block in raw.get("match", []))
        fields: dict[str, Any] = {k: v for k, v in raw.items() if k != "match"}
        fields["aliases"] = tuple(fields.get("aliases", ()))
        themes.append(Theme(**fields, match=blocks, order=order))
    return Roadmap(themes=tuple(themes), levels=tuple(data["priority_levels"]))


def as_tuples(block: dict[str, Any]) -> dict[str, Any]:
    return {name: tuple(value) if isinstance(value, list) else value for name, value in block.items()}


def pin_of(labels: tuple[str, ...], prefix: str) -> str | None:
    return next((label[len(prefix) :] for label in labels if label.startswith(prefix)), None)


def jira_item(issue: JiraIssueFixture, owner: str) -> Item:
    key = issue["key"]
    links = tuple(
        f"{owner}/{m.group(1)}#{m.group(2)}"
        for url in issue.get("remote_links", [])
        if (m := re.search(r"/([^/]+)/issues/(\d+)$", url))
    )
    status = issue.get("status", "To Do")
    return Item(
        source="jira", key=key, scope=key.split("-")[0], url=key,
        kind=KINDS.get(issue.get("type", "Task"), "issue"), title=issue["summary"],
        body=issue.get("description", ""), labels=tuple(issue.get("labels", [])),
        components=tuple(issue.get("components", [])), status=status,
        status_category=CATEGORY.get(status, "todo"), issue_type=issue.get("type", "Task"),
        parent=issue.get("parent"), links=links,
    )  # fmt: skip


def github_item(issue: GithubIssueFixture, owner: str, jira_keys: set[str]) -> Item:
    repo = f"{owner}/{issue['repo']}"
    body = issue.get("body", "")
    mentioned = {key for key in JIRA_KEY.findall(f"{issue['title']}\n{body}") if key in jira_keys}
    parent = issue.get("parent")
    return Item(
        source="github", key=f"{repo}#{issue['number']}", scope=repo, url=repo, kind="issue",
        title=issue["title"], body=body, labels=tuple(issue.get("labels", [])),
        status_category="done" if issue.get("state") == "closed" else "todo",
        issue_type=issue.get("type"), parent=f"{repo}#{parent}" if parent else None,
        links=tuple(sorted(mentioned)),
    )  # fmt: skip


def demo_items() -> tuple[list[Item], dict[str, str]]:
    fixture = demo_fixture()
    owner = fixture["github"]["owner"]
    items = [jira_item(issue, owner) for issue in fixture["jira"]["issues"]]
    jira_keys = {item.key for item in items}
    items += [github_item(issue, owner, jira_keys) for issue in fixture["github"]["issues"]]
    pins: dict[str, str] = {}
    for item in items:
        pin = pin_of(item.labels, "theme:" if item.source == "jira" else "theme/")
        if pin:
            pins[item.key] = pin
    return items, pins


def test_demo_company_maps_every_item_and_explain_agrees() -> None:
    """Every demo item gets an assignment, every step shows up, and explain agrees item by item."""
    roadmap = demo_roadmap()
    items, pins = demo_items()
    result = assign(items, roadmap, pins)
    assert len(result) == len(items) > 300
    steps = {assignment.step for assignment in result.values()}
    assert {"pin", "rule", "parent", "none"} <= steps
    for key, assignment in result.items():
        explained = explain(key, items, roadmap, pins, assignments=result)
        said = explained.to_dict()
        assert {name: said[name] for name in ("item", "theme", "alignment", "step", "rule", "reason")} == {
            name: value for name, value in assignment.to_dict().items() if name != "secondary"
        }
        if assignment.step == "rule":
            assert assignment.rule in {c.rule for c in explained.candidates if c.matched}
    rows = coverage(items, result, roadmap)
    open_items = sum(1 for item in items if item.is_open)
    assert sum(row.open_items for row in rows) == open_items
    assert abs(sum(row.share for row in rows) - 1.0) < 0.01
