"""The site catalogue: projects, priorities, statuses, issue types and custom fields, built
deterministically from a fixture."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from roadsync.sandbox.fixture import JiraFixture

from .model import (
    EPIC_LINK_ID,
    CustomField,
    Flavor,
    IssueType,
    Priority,
    Project,
    SelectOption,
    Status,
)

__all__ = ["Catalog"]

DEFAULT_PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"]
STATUSES = [
    Status("10000", "To Do", "new"),
    Status("10001", "In Progress", "indeterminate"),
    Status("10002", "In Review", "indeterminate"),
    Status("10003", "Done", "done"),
]
CATEGORY_NAMES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
CATEGORY_IDS = {"new": 2, "indeterminate": 4, "done": 3}
ISSUE_TYPES = [
    IssueType("10000", "Epic", 1),
    IssueType("10001", "Story", 0),
    IssueType("10002", "Task", 0),
    IssueType("10003", "Bug", 0),
    IssueType("10004", "Sub-task", -1),
]


@dataclass
class Catalog:
    """Everything about the site that is not an issue."""

    flavor: Flavor
    projects: dict[str, Project]
    priorities: list[Priority]
    statuses: list[Status] = field(default_factory=lambda: list(STATUSES))
    issue_types: list[IssueType] = field(default_factory=lambda: list(ISSUE_TYPES))
    custom_fields: list[CustomField] = field(default_factory=list)
    user: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_fixture(cls, fixture: JiraFixture, flavor: Flavor) -> Catalog:
        projects: dict[str, Project] = {}
        for index, raw in enumerate(fixture.get("projects", [])):
            key = raw["key"].upper()
            projects[key] = Project(
                key=key,
                id=str(10000 + index),
                name=raw.get("name", key),
                components=list(raw.get("components", [])),
                lead=raw.get("lead", "Pat Person"),
            )
        names = fixture.get("priorities") or DEFAULT_PRIORITIES
        priorities = [Priority(str(i + 1), name, i) for i, name in enumerate(names)]
        customs: list[CustomField] = []
        if flavor == "datacenter":
            customs.append(CustomField(EPIC_LINK_ID, "Epic Link", "epic_link"))
        option_id = 10100
        for index, raw_field in enumerate(fixture.get("custom_fields", [])):
            options = []
            for value in raw_field.get("options", []):
                options.append(SelectOption(str(option_id), value))
                option_id += 1
            kind = raw_field.get("type", "text")
            customs.append(
                CustomField(f"customfield_{10020 + index}", raw_field["name"], kind, tuple(options))
            )
        user = {
            "displayName": "Roadsync Bot",
            "emailAddress": "bot@example.com",
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
            **fixture.get("user", {}),
        }
        return cls(flavor=flavor, projects=projects, priorities=priorities, custom_fields=customs, user=user)

    # -- lookups (case-insensitive by name, as Jira) -------------------------------------------

    def priority(self, name: str) -> Priority | None:
        return next((p for p in self.priorities if p.name.lower() == name.lower()), None)

    def priority_by_id(self, priority_id: str) -> Priority | None:
        return next((p for p in self.priorities if p.id == str(priority_id)), None)

    def status(self, name: str) -> Status:
        found = next((s for s in self.statuses if s.name.lower() == name.lower()), None)
        if found is None:  # a fixture status we do not know: add it, in progress unless it says done
            done = name.lower() in {"closed", "resolved", "done"}
            category: Literal["new", "indeterminate", "done"] = "done" if done else "indeterminate"
            found = Status(str(10000 + len(self.statuses)), name, category)
            self.statuses.append(found)
        return found

    def find_status(self, name: str) -> Status | None:
        return next((s for s in self.statuses if s.name.lower() == name.lower()), None)

    def issue_type(self, name: str) -> IssueType | None:
        return next((t for t in self.issue_types if t.name.lower() == name.lower()), None)

    def custom_field(self, id_or_name: str) -> CustomField | None:
        lowered = id_or_name.lower()
        return next((f for f in self.custom_fields if lowered in (f.id, f.name.lower())), None)

    def project(self, key: str) -> Project | None:
        return self.projects.get(key.upper())
