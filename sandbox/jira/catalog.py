"""The site catalogue: projects, priorities and priority schemes, statuses, issue types, custom
fields with their contexts, and user accounts, built deterministically from a fixture.

A site is configured the way real sites are (research/jira.md): each project has a priority
scheme (§3) and may have edit screens per issue type (§1); a custom field may share its name
with others, belong to one team-managed project (``scope``, §4) and have per-project contexts
with their own options (§2). Data Center has no team-managed projects: there a fixture's
team-managed project is served as company-managed and its own fields as global fields whose
only context is that project, which is how such a site looks on DC.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from roadsync.sandbox.fixture import JiraCustomFieldFixture, JiraFixture

from .model import (
    EPIC_LINK_ID,
    CustomField,
    FieldContext,
    Flavor,
    IssueType,
    JiraUser,
    Priority,
    PriorityScheme,
    Project,
    SelectOption,
    Status,
)

__all__ = ["SYSTEM_FIELD_NAMES", "Catalog"]

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
SYSTEM_FIELD_NAMES = {
    "summary": "Summary",
    "description": "Description",
    "labels": "Labels",
    "priority": "Priority",
    "components": "Components",
    "assignee": "Assignee",
    "parent": "Parent",
}
DEFAULT_SCHEME_ID = "1"


@dataclass
class Catalog:
    """Everything about the site that is not an issue."""

    flavor: Flavor
    projects: dict[str, Project]
    priorities: list[Priority]
    statuses: list[Status] = field(default_factory=lambda: list(STATUSES))
    issue_types: list[IssueType] = field(default_factory=lambda: list(ISSUE_TYPES))
    custom_fields: list[CustomField] = field(default_factory=list)
    user: dict[str, Any] = field(default_factory=dict)
    priority_schemes: dict[str, PriorityScheme] = field(default_factory=dict)
    users: dict[str, JiraUser] = field(default_factory=dict)

    @classmethod
    def from_fixture(cls, fixture: JiraFixture, flavor: Flavor) -> Catalog:
        names = fixture.get("priorities") or DEFAULT_PRIORITIES
        priorities = [Priority(str(i + 1), name, i) for i, name in enumerate(names)]
        catalog = cls(flavor=flavor, projects={}, priorities=priorities)
        catalog.priority_schemes = _schemes(fixture, priorities)
        by_scheme_name = {s.name: s.id for s in catalog.priority_schemes.values()}
        for index, raw in enumerate(fixture.get("projects", [])):
            key = raw["key"].upper()
            scheme = raw.get("priority_scheme")
            if scheme is not None and scheme not in by_scheme_name:
                raise ValueError(f"project {key}: unknown priority scheme {scheme!r}")
            catalog.projects[key] = Project(
                key=key,
                id=str(10000 + index),
                name=raw.get("name", key),
                components=list(raw.get("components", [])),
                lead=raw.get("lead", "Pat Person"),
                team_managed=bool(raw.get("team_managed")) and flavor == "cloud",
                priority_scheme=by_scheme_name[scheme] if scheme else DEFAULT_SCHEME_ID,
            )
        if flavor == "datacenter":
            catalog.custom_fields.append(CustomField(EPIC_LINK_ID, "Epic Link", "epic_link"))
        team = {p["key"].upper() for p in fixture.get("projects", []) if p.get("team_managed")}
        others = frozenset(catalog.projects) - team
        catalog.custom_fields += _custom_fields(fixture.get("custom_fields", []), flavor, others)
        for raw in fixture.get("projects", []):
            if "screens" in raw:
                project = catalog.projects[raw["key"].upper()]
                project.screens = {
                    kind.lower(): frozenset(catalog.field_id(ref, project.key) for ref in refs)
                    for kind, refs in raw["screens"].items()
                }
        catalog.user = {
            "displayName": "Roadsync Bot",
            "emailAddress": "bot@example.com",
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
            **fixture.get("user", {}),
        }
        catalog.add_user(catalog.user["displayName"], catalog.user["emailAddress"], catalog.user["accountId"])
        return catalog

    # -- users ----------------------------------------------------------------------------------

    def add_user(self, display_name: str, email: str, account_id: str | None = None) -> JiraUser:
        """Register an account (idempotent by display name); DC keys are ``JIRAUSER1xxxx``."""
        if display_name in self.users:
            return self.users[display_name]
        user = JiraUser(
            display_name=display_name,
            email=email,
            account_id=account_id or "712020:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "jira:" + display_name)),
            name=email.split("@")[0].lower(),
            key=f"JIRAUSER{10000 + len(self.users)}",
        )
        self.users[display_name] = user
        return user

    @property
    def bot_admin(self) -> tuple[bool, bool]:
        """(Administer Jira, Administer Projects everywhere) for the bot account."""
        return bool(self.user.get("site_admin", True)), bool(self.user.get("project_admin", True))

    # -- lookups (case-insensitive by name, as Jira) -------------------------------------------

    def priority(self, name: str) -> Priority | None:
        return next((p for p in self.priorities if p.name.lower() == name.lower()), None)

    def priority_by_id(self, priority_id: str) -> Priority | None:
        return next((p for p in self.priorities if p.id == str(priority_id)), None)

    def scheme_of(self, project: str) -> PriorityScheme:
        return self.priority_schemes[self.projects[project].priority_scheme]

    def project_priorities(self, project: str) -> list[Priority]:
        """The priorities of the project's scheme, in the scheme's order."""
        by_id = {p.id: p for p in self.priorities}
        return [by_id[i] for i in self.scheme_of(project).priority_ids]

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

    def custom_field(self, id_or_name: str, project: str | None = None) -> CustomField | None:
        """The field with this id, else the one with this name that applies in ``project`` (its
        team-managed field first, then one with a context there); without a project, the first."""
        lowered = id_or_name.lower()
        by_id = next((f for f in self.custom_fields if f.id == lowered), None)
        if by_id is not None:
            return by_id
        named = [f for f in self.custom_fields if f.name.lower() == lowered]
        if project is not None:
            named = [f for f in named if f.scope in (None, project)]
            named.sort(key=lambda f: (f.scope is None, not _in_project(f, project)))
        return named[0] if named else None

    def context(self, custom: CustomField, project: str, issue_type: str) -> FieldContext | None:
        """The context of ``custom`` for an issue of ``issue_type`` in ``project``; None when the
        field does not apply there. A team-managed project uses only its own fields: company
        fields are not available in team-managed projects (research/jira.md §4)."""
        if self.projects[project].team_managed and custom.scope != project and custom.kind != "epic_link":
            return None
        return custom.context_for(project, issue_type)

    def field_id(self, ref: str, project: str) -> str:
        """A screen entry (system field id or name, custom field id or name) as a field id."""
        lowered = ref.lower()
        for fid, name in SYSTEM_FIELD_NAMES.items():
            if lowered in (fid, name.lower()):
                return fid
        custom = self.custom_field(ref, project)
        if custom is None:
            raise ValueError(f"project {project}: screen field {ref!r} is not a field of the site")
        return custom.id

    def project(self, key: str) -> Project | None:
        return self.projects.get(key.upper())

    def project_by_id(self, ref: str) -> Project | None:
        return self.project(ref) or next((p for p in self.projects.values() if p.id == ref), None)


def _schemes(fixture: JiraFixture, priorities: list[Priority]) -> dict[str, PriorityScheme]:
    every = tuple(p.id for p in priorities)
    schemes = {
        DEFAULT_SCHEME_ID: PriorityScheme(
            DEFAULT_SCHEME_ID, "Default priority scheme", every, every[len(every) // 2], is_default=True
        )
    }
    by_name = {p.name.lower(): p.id for p in priorities}
    for index, raw in enumerate(fixture.get("priority_schemes", [])):
        unknown = [n for n in raw["priorities"] if n.lower() not in by_name]
        if unknown:
            raise ValueError(f"priority scheme {raw['name']!r}: unknown priorities {unknown}")
        ids = tuple(by_name[n.lower()] for n in raw["priorities"])
        default = by_name[raw["default"].lower()] if "default" in raw else ids[len(ids) // 2]
        scheme_id = str(10000 + index)
        schemes[scheme_id] = PriorityScheme(scheme_id, raw["name"], ids, default)
    return schemes


def _custom_fields(
    raws: Iterable[JiraCustomFieldFixture], flavor: Flavor, company: frozenset[str]
) -> list[CustomField]:
    """The fixture's custom fields. On DC (no team-managed projects) a team-managed project's own
    field becomes a global field whose one context is that project, and the global contexts of
    the other fields cover the company-managed projects only, as a DC admin sets such a site up."""
    fields: list[CustomField] = []
    counter = _Ids()
    for index, raw in enumerate(raws):
        fid = raw.get("id") or f"customfield_{10020 + index}"
        if any(f.id == fid for f in fields):
            raise ValueError(f"custom field id {fid} is given twice")
        scope = raw.get("project")
        if flavor == "cloud":
            only: frozenset[str] | None = None
        else:
            only = frozenset({scope.upper()}) if scope else company
        contexts = _contexts(raw, counter, only)
        fields.append(
            CustomField(
                fid,
                raw["name"],
                raw.get("type", "text"),
                contexts,
                scope=scope.upper() if scope and flavor == "cloud" else None,
            )
        )
    return fields


@dataclass
class _Ids:
    """Deterministic context and option ids (options numbered from 10100 in fixture order)."""

    context: int = 10000
    option: int = 10100

    def next_context(self) -> str:
        self.context += 1
        return str(self.context - 1)

    def next_option(self) -> str:
        self.option += 1
        return str(self.option - 1)


def _contexts(
    raw: JiraCustomFieldFixture, ids: _Ids, only: frozenset[str] | None
) -> tuple[FieldContext, ...]:
    """The field's contexts; ``only`` (DC) replaces the project list of global contexts, and of
    every context of a team-managed project's own field."""
    specs: list[Mapping[str, Any]] = list(raw.get("contexts") or [])
    if not specs:
        specs = [
            {"name": f"Default Configuration Scheme for {raw['name']}", "options": raw.get("options", [])}
        ]
    contexts = []
    for spec in specs:
        options = tuple(_option(o, ids) for o in spec.get("options", []))
        projects = spec.get("projects")
        if only is not None and (not projects or raw.get("project")):
            projects = sorted(only)
        types = spec.get("issue_types")
        contexts.append(
            FieldContext(
                ids.next_context(),
                str(spec.get("name") or f"{raw['name']} context"),
                frozenset(p.upper() for p in projects) if projects else None,
                frozenset(t.lower() for t in types) if types else None,
                options,
            )
        )
    return tuple(contexts)


def _option(raw: Any, ids: _Ids) -> SelectOption:
    if isinstance(raw, str):
        return SelectOption(ids.next_option(), raw)
    return SelectOption(ids.next_option(), str(raw["value"]), bool(raw.get("disabled", False)))


def _in_project(custom: CustomField, project: str) -> bool:
    """Whether some context of ``custom`` covers ``project``."""
    return not custom.contexts or any(c.projects is None or project in c.projects for c in custom.contexts)
