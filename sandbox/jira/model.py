"""The Jira emulator's data: issues, changelog, and the site catalogue (projects, priorities,
statuses, issue types, custom fields). Plain dataclasses; the store guards them with one lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

__all__ = [
    "CUSTOM_TYPES",
    "EPIC_LINK_ID",
    "ChangeGroup",
    "ChangeItem",
    "CustomField",
    "Flavor",
    "IssueType",
    "JiraIssue",
    "Priority",
    "Project",
    "RemoteLink",
    "SelectOption",
    "Status",
    "jira_time",
    "parse_time",
]

Flavor = Literal["cloud", "datacenter"]
FieldKind = Literal["select", "text", "number", "labels", "epic_link"]

EPIC_LINK_ID = "customfield_10014"
_PLUGIN = "com.atlassian.jira.plugin.system.customfieldtypes:"
CUSTOM_TYPES: dict[str, tuple[str, str, str | None]] = {
    # kind: (schema.type, schema.custom, schema.items)
    "select": ("option", _PLUGIN + "select", None),
    "text": ("string", _PLUGIN + "textfield", None),
    "number": ("number", _PLUGIN + "float", None),
    "labels": ("array", _PLUGIN + "labels", "string"),
    "epic_link": ("any", "com.pyxis.greenhopper.jira:gh-epic-link", None),
}


def jira_time(moment: datetime) -> str:
    """Jira's timestamp format: ``2026-11-02T09:30:00.000+0000`` (UTC)."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_time(text: str) -> datetime:
    """Parse a fixture time (ISO 8601, ``Z`` allowed) into an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class SelectOption:
    id: str
    value: str


@dataclass(frozen=True)
class CustomField:
    """A custom field; ``id`` is ``customfield_NNNNN``."""

    id: str
    name: str
    kind: FieldKind
    options: tuple[SelectOption, ...] = ()

    @property
    def number(self) -> int:
        return int(self.id.rsplit("_", 1)[1])

    def option_by_value(self, value: str) -> SelectOption | None:
        return next((o for o in self.options if o.value == value), None)

    def option_by_id(self, option_id: str) -> SelectOption | None:
        return next((o for o in self.options if o.id == str(option_id)), None)


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    rank: int  # 0 = highest


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: Literal["new", "indeterminate", "done"]


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    hierarchy_level: int  # -1 sub-task, 0 base, 1 epic

    @property
    def subtask(self) -> bool:
        return self.hierarchy_level < 0


@dataclass
class Project:
    key: str
    id: str
    name: str
    components: list[str] = field(default_factory=list)
    lead: str = "Pat Person"
    next_number: int = 1


@dataclass(frozen=True)
class ChangeItem:
    field: str  # the field's name as Jira shows it in history ("labels", "priority", "Theme")
    field_id: str
    fieldtype: Literal["jira", "custom"]
    from_id: str | None
    from_string: str | None
    to_id: str | None
    to_string: str | None


@dataclass(frozen=True)
class ChangeGroup:
    id: int
    author: str  # display name
    created: datetime
    items: tuple[ChangeItem, ...]


@dataclass(frozen=True)
class RemoteLink:
    id: int
    url: str
    title: str
    global_id: str | None = None
    relationship: str | None = None


@dataclass
class JiraIssue:
    """One issue. ``parent`` is the parent or epic key in both flavours; the API shows it as
    ``parent`` (Cloud, and sub-tasks on DC) or as the Epic Link custom field (DC)."""

    id: int
    key: str
    project: str
    type: str
    summary: str
    status: str
    created: datetime
    updated: datetime
    description: str | None = None
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    priority: str | None = "Medium"
    parent: str | None = None
    assignee: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)  # by field id: str | float | list[str]
    changelog: list[ChangeGroup] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    remote_links: list[RemoteLink] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])
