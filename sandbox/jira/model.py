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
    "EditResult",
    "FieldContext",
    "Flavor",
    "IssueType",
    "JiraIssue",
    "JiraUser",
    "Priority",
    "PriorityScheme",
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
    """An option of a select field's context; a disabled option cannot be selected."""

    id: str
    value: str
    disabled: bool = False


@dataclass(frozen=True)
class FieldContext:
    """A custom field context: which projects and issue types it applies to and its options.
    ``projects`` are project keys (None: global); ``issue_types`` lowercased type names (None:
    any). In Jira a project-specific context wins over the global one, and a field with no
    context for an issue's project and type cannot be set on it (research/jira.md §2, §1 rule 4)."""

    id: str
    name: str
    projects: frozenset[str] | None = None
    issue_types: frozenset[str] | None = None
    options: tuple[SelectOption, ...] = ()

    def applies(self, project: str, issue_type: str) -> bool:
        in_project = self.projects is None or project in self.projects
        return in_project and (self.issue_types is None or issue_type.lower() in self.issue_types)

    def option_by_value(self, value: str) -> SelectOption | None:
        return next((o for o in self.options if o.value == value), None)

    def option_by_id(self, option_id: str) -> SelectOption | None:
        return next((o for o in self.options if o.id == str(option_id)), None)


@dataclass(frozen=True)
class CustomField:
    """A custom field; ``id`` is ``customfield_NNNNN``. ``scope`` is the key of the team-managed
    project that owns the field (``/field`` shows it as ``scope``), None for a global field.
    ``contexts`` are in precedence order; a field without contexts applies everywhere."""

    id: str
    name: str
    kind: FieldKind
    contexts: tuple[FieldContext, ...] = ()
    scope: str | None = None

    @property
    def number(self) -> int:
        return int(self.id.rsplit("_", 1)[1])

    @property
    def options(self) -> tuple[SelectOption, ...]:
        """Every option of every context (each option id once)."""
        seen: dict[str, SelectOption] = {}
        for context in self.contexts:
            for option in context.options:
                seen.setdefault(option.id, option)
        return tuple(seen.values())

    def context_for(self, project: str, issue_type: str) -> FieldContext | None:
        """The context that applies to an issue of ``issue_type`` in ``project``: a project's own
        context before a global one; None when the field does not apply there."""
        if self.scope is not None and self.scope != project:
            return None
        if not self.contexts:
            return FieldContext("0", "Default Configuration Scheme")
        matching = [c for c in self.contexts if c.applies(project, issue_type)]
        specific = [c for c in matching if c.projects is not None]
        return next(iter(specific or matching), None)

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


@dataclass(frozen=True)
class PriorityScheme:
    """A priority scheme: the priority ids a project may use (in order) and its default."""

    id: str
    name: str
    priority_ids: tuple[str, ...]
    default_id: str
    is_default: bool = False


@dataclass
class Project:
    """A project. ``screens`` maps a lowercased issue type name (or ``"*"``) to the field ids on
    its edit screen; None means every field is on every screen. ``team_managed`` projects have
    their own fields (Cloud only)."""

    key: str
    id: str
    name: str
    components: list[str] = field(default_factory=list)
    lead: str = "Pat Person"
    next_number: int = 1
    team_managed: bool = False
    priority_scheme: str = "1"
    screens: dict[str, frozenset[str]] | None = None

    def screen(self, issue_type: str) -> frozenset[str] | None:
        """Field ids on the edit screen of ``issue_type`` (None: no screen configured)."""
        if self.screens is None:
            return None
        return self.screens.get(issue_type.lower(), self.screens.get("*"))


@dataclass(frozen=True)
class JiraUser:
    """A user account. Cloud names users by ``account_id``; Data Center by ``name`` (the login)
    and ``key`` (stable, ``JIRAUSER10000`` style): research/ownership.md J3, J6."""

    display_name: str
    email: str
    account_id: str
    name: str
    key: str


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
class EditResult:
    """What an edit did: ``wrote`` when fields or properties changed; ``group`` the history entry
    of the field changes (None: no field changed); ``recipients`` whom the site mails about it
    (the issue's watchers except the author, who by default gets no mail of their own changes)."""

    wrote: bool
    group: ChangeGroup | None
    recipients: tuple[str, ...]


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
    watchers: list[str] = field(default_factory=list)  # display names

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])
