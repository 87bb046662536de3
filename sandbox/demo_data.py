"""The demo company's backlog, generated deterministically: Acme's Payments and Platform Core
Jira projects and its web, mobile and api GitHub repositories.

Each item is generated *for* a theme of the demo roadmap (``roadsync.sandbox.demo``) or for
none, with the labels, components, epics and titles that make the rules pick that theme. Most
items already carry the managed values that roadmap implies (a theme label, the priority,
the alignment), as after months of syncing; a seeded share is stale or was never set, so the
first sync has a modest plan. Specific items are planted for every drift kind.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from roadsync.sandbox.fixture import GithubIssueFixture, JiraIssueFixture, ProjectItemFixture

__all__ = ["JIRA_PRIORITY", "THEME_LEVELS", "DemoBuilder"]

# theme id -> (roadmap priority, status)
THEME_LEVELS: dict[str, tuple[str, str]] = {
    "checkout": ("P0", "active"),
    "fraud": ("P1", "active"),
    "mobile": ("P1", "active"),
    "passkeys": ("P1", "active"),
    "platform": ("P2", "active"),
    "api-v2": ("P2", "active"),
    "marketplace": ("P3", "paused"),
    "legacy-billing": ("P3", "retired"),
}
JIRA_PRIORITY = {"P0": "Highest", "P1": "High", "P2": "Medium", "P3": "Low", "P4": "Lowest"}
JIRA_LEVEL = {v: k for k, v in JIRA_PRIORITY.items()}
STALE_SHARE = 0.10
_EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@dataclass
class DemoBuilder:
    """Collects the demo's Jira issues, GitHub issues and board items; one ``random.Random``."""

    rng: random.Random
    jira: list[JiraIssueFixture] = field(default_factory=list)
    github: list[GithubIssueFixture] = field(default_factory=list)
    board: list[ProjectItemFixture] = field(default_factory=list)
    themes_of: dict[str, str | None] = field(default_factory=dict)
    _numbers: dict[str, int] = field(default_factory=dict)

    def _next(self, scope: str) -> int:
        self._numbers[scope] = self._numbers.get(scope, 0) + 1
        return self._numbers[scope]

    def _times(self) -> tuple[str, str]:
        created = _EPOCH + timedelta(days=self.rng.randint(0, 200), minutes=self.rng.randint(0, 600))
        updated = created + timedelta(days=self.rng.randint(0, 40), minutes=self.rng.randint(1, 900))
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        return created.strftime(fmt), updated.strftime(fmt)

    def _open(self, closed_share: float) -> bool:
        return self.rng.random() >= closed_share

    def _stale(self, is_open: bool, stale: str | None) -> str | None:
        """Which managed value is out of date on this item (None: all correct)."""
        if stale is not None or not is_open:
            return stale
        if self.rng.random() < STALE_SHARE:
            return self.rng.choice(["priority", "priority", "alignment", "theme"])
        return None

    def jira_issue(
        self,
        project: str,
        summary: str,
        *,
        theme: str | None,
        step: str = "rule",
        itype: str = "Story",
        labels: list[str] | None = None,
        components: list[str] | None = None,
        parent: str | None = None,
        closed_share: float = 0.25,
        stale: str | None = None,
        points: bool = True,
        remote_links: list[str] | None = None,
        hand_priority: str | None = None,
    ) -> str:
        """Add one Jira issue that the roadmap maps to ``theme`` by ``step``; returns its key."""
        key = f"{project}-{self._next(project)}"
        is_open = self._open(closed_share)
        status = self.rng.choice(["To Do", "In Progress", "In Review"]) if is_open else "Done"
        created, updated = self._times()
        alignment = _alignment(theme, step)
        stale = self._stale(is_open, stale)
        values = _managed(theme, step, alignment, stale, hand_priority or self._hand_priority())
        issue: JiraIssueFixture = {
            "key": key,
            "type": itype,
            "summary": summary,
            "status": status,
            "labels": sorted({*(labels or []), *values["labels"]}),
            "components": list(components or []),
            "priority": JIRA_PRIORITY[values["priority"]],
            "parent": parent,
            "created": created,
            "updated": updated,
            "fields": {"Alignment": values["alignment"]},
        }
        if points and itype != "Epic":
            issue["fields"]["Story Points"] = float(self.rng.choice([1, 2, 3, 5, 8]))
        if remote_links:
            issue["remote_links"] = remote_links
        self.jira.append(issue)
        self.themes_of[key] = theme
        return key

    def github_issue(
        self,
        repo: str,
        title: str,
        *,
        theme: str | None,
        step: str = "rule",
        itype: str = "Feature",
        labels: list[str] | None = None,
        parent: int | None = None,
        closed_share: float = 0.25,
        stale: str | None = None,
        body: str | None = None,
        on_board: bool = True,
    ) -> str:
        """Add one GitHub issue (and its board item) mapped to ``theme`` by ``step``."""
        number = self._next(repo)
        key = f"acme/{repo}#{number}"
        is_open = self._open(closed_share)
        created, updated = self._times()
        alignment = _alignment(theme, step)
        stale = self._stale(is_open, stale)
        values = _managed(theme, step, alignment, stale, self._hand_priority(), prefix="theme/")
        state: Literal["open", "closed"] = "open" if is_open else "closed"
        issue: GithubIssueFixture = {
            "repo": repo,
            "number": number,
            "title": title,
            "body": body or f"{title}.\n\nPart of the {repo} backlog.",
            "state": state,
            "labels": sorted({*(labels or []), *values["labels"]}),
            "type": itype,
            "parent": parent,
            "created_at": created,
            "updated_at": updated,
        }
        self.github.append(issue)
        self.themes_of[key] = theme
        if on_board:
            board: dict[str, str | float | None] = {"Alignment": values["alignment"]}
            board["Priority"] = values["priority"]
            board["Estimate"] = float(self.rng.choice([1, 2, 3, 5, 8]))
            self.board.append({"issue": key, "values": board})
        return key

    def pull_request(self, repo: str, title: str) -> str:
        number = self._next(repo)
        created, updated = self._times()
        state: Literal["open", "closed"] = "closed" if self.rng.random() < 0.6 else "open"
        self.github.append(
            {
                "repo": repo,
                "number": number,
                "title": title,
                "pull_request": True,
                "state": state,
                "labels": [],
                "created_at": created,
                "updated_at": updated,
            }
        )
        return f"acme/{repo}#{number}"

    def _hand_priority(self) -> str:
        return self.rng.choice(["P1", "P2", "P2", "P2", "P3"])


def _alignment(theme: str | None, step: str) -> str:
    if theme is None:
        return "unaligned"
    status = THEME_LEVELS[theme][1]
    if status != "active":
        return "retired" if status == "retired" else "paused"
    return "inherited" if step in ("parent", "link") else "aligned"


def _managed(
    theme: str | None, step: str, alignment: str, stale: str | None, hand: str, prefix: str = "theme:"
) -> dict[str, Any]:
    """The managed values an item carries: correct unless ``stale`` names one.

    Inherited items carry no theme label: a theme tag that roadsync did not write counts as a
    person's pin, which would make them ``aligned`` instead of ``inherited``.
    """
    level = THEME_LEVELS[theme][0] if theme else hand
    if theme is not None and THEME_LEVELS[theme][1] != "active":
        level = hand  # roadsync has no opinion on the priority of paused/retired work
    labels = [f"{prefix}{theme}"] if theme and step not in ("parent", "link") else []
    values: dict[str, Any] = {"priority": level, "alignment": alignment, "labels": labels}
    if stale == "priority" and theme and THEME_LEVELS[theme][1] == "active":
        values["priority"] = {"P0": "P2", "P1": "P3", "P2": "P3"}.get(level, "P4")
    elif stale == "alignment":
        values["alignment"] = None
    elif stale == "theme":
        values["labels"] = []
    return values
