"""Issue and catalogue JSON as Jira sends it. ``self`` URLs use the host:port and API version
of the request; v3 bodies carry descriptions as ADF, v2 as plain text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .adf import text_to_adf
from .catalog import CATEGORY_IDS, CATEGORY_NAMES, Catalog
from .model import (
    CUSTOM_TYPES,
    ChangeGroup,
    CustomField,
    FieldContext,
    IssueType,
    JiraIssue,
    Priority,
    Project,
    SelectOption,
    Status,
    jira_time,
)

__all__ = ["Renderer", "select_fields"]

_SYSTEM_FIELDS = (
    "summary",
    "description",
    "status",
    "issuetype",
    "priority",
    "labels",
    "components",
    "assignee",
    "created",
    "updated",
    "parent",
    "project",
    "watches",
)
_CATEGORY_COLOURS = {"new": "blue-gray", "indeterminate": "yellow", "done": "green"}


def select_fields(
    requested: Iterable[str] | None, default: str
) -> tuple[frozenset[str] | None, frozenset[str]]:
    """Parse ``fields`` (repeated values and/or comma lists) into (included, excluded);
    included None means every field (``*all`` / ``*navigable``)."""
    names = [n.strip() for part in (requested or [default]) for n in str(part).split(",") if n.strip()]
    if not names:
        names = [default]
    excluded = frozenset(n[1:] for n in names if n.startswith("-"))
    positive = [n for n in names if not n.startswith("-")]
    if not positive or any(n in ("*all", "*navigable") for n in positive):
        return None, excluded
    return frozenset(positive), excluded


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower()) or "user"


@dataclass(frozen=True)
class Renderer:
    """Renders store objects for one request (base URL + API version)."""

    catalog: Catalog
    base: str  # "http://127.0.0.1:8080" (no trailing slash)
    version: str  # "2" | "3" | "latest"

    @property
    def api(self) -> str:
        return f"{self.base}/rest/api/{self.version}"

    def user(self, display_name: str) -> dict[str, Any]:
        """A user as Jira shows it: Cloud by ``accountId`` (``name``/``key`` are gone), Data
        Center by ``name`` and ``key`` (research/ownership.md J3). Accounts of the site (the bot,
        people) keep their ids; any other display name gets ids derived from it."""
        known = self.catalog.users.get(display_name)
        account = known.account_id if known else f"acc-{_slug(display_name)}"
        body: dict[str, Any] = {"displayName": display_name, "active": True, "timeZone": "UTC"}
        if self.catalog.flavor == "cloud":
            body.update(
                accountId=account, accountType="atlassian", self=f"{self.api}/user?accountId={account}"
            )
        else:
            name = known.name if known else _slug(display_name)
            key = known.key if known else name
            body.update(name=name, key=key, self=f"{self.api}/user?username={name}")
        if known is not None:
            body["emailAddress"] = known.email
        return body

    def status(self, status: Status) -> dict[str, Any]:
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": "",
            "iconUrl": f"{self.base}/images/status.png",
            "name": status.name,
            "id": status.id,
            "statusCategory": self.status_category(status.category),
        }

    def status_category(self, category: str) -> dict[str, Any]:
        number = CATEGORY_IDS[category]
        return {
            "self": f"{self.api}/statuscategory/{number}",
            "id": number,
            "key": category,
            "colorName": _CATEGORY_COLOURS[category],
            "name": CATEGORY_NAMES[category],
        }

    def issue_type(self, kind: IssueType) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issuetype/{kind.id}",
            "id": kind.id,
            "description": kind.name,
            "iconUrl": f"{self.base}/images/{kind.name.lower()}.svg",
            "name": kind.name,
            "subtask": kind.subtask,
            "hierarchyLevel": kind.hierarchy_level,
        }

    def priority(self, priority: Priority) -> dict[str, Any]:
        return {
            "self": f"{self.api}/priority/{priority.id}",
            "iconUrl": f"{self.base}/images/priority.svg",
            "name": priority.name,
            "id": priority.id,
        }

    def priority_full(self, priority: Priority) -> dict[str, Any]:
        default = priority.id == self.catalog.priority_schemes["1"].default_id
        return {
            **self.priority(priority),
            "description": priority.name,
            "statusColor": "#cccccc",
            "isDefault": default,
        }

    def project(self, project: Project, *, full: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": f"{self.api}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": project.team_managed,
            "avatarUrls": {
                size: f"{self.base}/images/project.png" for size in ("48x48", "24x24", "16x16", "32x32")
            },
        }
        if full:
            body.update(
                description="",
                lead=self.user(project.lead),
                isPrivate=False,
                style="next-gen" if project.team_managed else "classic",
                components=[self.component(project, n) for n in project.components],
                issueTypes=[self.issue_type(t) for t in self.catalog.issue_types],
                assigneeType="UNASSIGNED",
                versions=[],
                roles={},
            )
        return body

    def component(self, project: Project, name: str) -> dict[str, Any]:
        cid = (
            str(int(project.id) * 10 + project.components.index(name)) if name in project.components else "0"
        )
        return {"self": f"{self.api}/component/{cid}", "id": cid, "name": name}

    def field_value(self, custom: CustomField, value: Any, context: FieldContext | None = None) -> Any:
        """A custom field value; a select names the option of the issue's context."""
        if value is None or custom.kind != "select":
            return value
        option = (context.option_by_value(str(value)) if context else None) or custom.option_by_value(
            str(value)
        )
        return self.option(option or SelectOption("0", str(value)))

    def option(self, option: SelectOption) -> dict[str, Any]:
        return {"self": f"{self.api}/customFieldOption/{option.id}", "value": option.value, "id": option.id}

    def schema(self, custom: CustomField) -> dict[str, Any]:
        kind, plugin, items = CUSTOM_TYPES[custom.kind]
        body: dict[str, Any] = {"type": kind, "custom": plugin, "customId": custom.number}
        if items:
            body["items"] = items
        return body

    def changelog_entry(self, group: ChangeGroup) -> dict[str, Any]:
        """One history: ``author`` as :meth:`user`; items carry ``fieldId`` on Cloud only (DC's
        ChangeItem has none: research/ownership.md J3)."""
        items = [
            {
                "field": i.field,
                "fieldtype": i.fieldtype,
                "fieldId": i.field_id,
                "from": i.from_id,
                "fromString": i.from_string,
                "to": i.to_id,
                "toString": i.to_string,
            }
            for i in group.items
        ]
        if self.catalog.flavor == "datacenter":
            for item in items:
                del item["fieldId"]
        return {
            "id": str(group.id),
            "author": self.user(group.author),
            "created": jira_time(group.created),
            "items": items,
        }

    def parent_of(self, issue: JiraIssue, lookup: Any) -> dict[str, Any] | None:
        """The ``parent`` object: Cloud for every child; DC only for sub-tasks."""
        kind = self.catalog.issue_type(issue.type)
        if issue.parent is None or (self.catalog.flavor == "datacenter" and not (kind and kind.subtask)):
            return None
        parent = lookup(issue.parent)
        if parent is None:
            return None
        fields = self.fields(
            parent, frozenset({"summary", "status", "priority", "issuetype"}), frozenset(), lookup
        )
        return {
            "id": str(parent.id),
            "key": parent.key,
            "self": f"{self.api}/issue/{parent.id}",
            "fields": fields,
        }

    def fields(
        self, issue: JiraIssue, included: frozenset[str] | None, excluded: frozenset[str], lookup: Any
    ) -> dict[str, Any]:
        """The ``fields`` object with the requested fields (None = all)."""

        def wanted(fid: str) -> bool:
            return fid not in excluded and (included is None or fid in included)

        out: dict[str, Any] = {}
        for fid in _SYSTEM_FIELDS:
            if wanted(fid):
                self._system_field(out, fid, issue, lookup)
        for custom in self.catalog.custom_fields:
            if wanted(custom.id):
                value = issue.parent if custom.kind == "epic_link" else issue.custom.get(custom.id)
                if custom.kind == "epic_link":
                    kind = self.catalog.issue_type(issue.type)
                    value = None if kind and kind.subtask else value
                out[custom.id] = self.field_value(
                    custom, value, self.catalog.context(custom, issue.project, issue.type)
                )
        return out

    def _system_field(self, out: dict[str, Any], fid: str, issue: JiraIssue, lookup: Any) -> None:
        catalog = self.catalog
        if fid == "summary":
            out[fid] = issue.summary
        elif fid == "description":
            text = issue.description
            out[fid] = text_to_adf(text) if text is not None and self.version == "3" else text
        elif fid == "status":
            out[fid] = self.status(catalog.status(issue.status))
        elif fid == "issuetype":
            kind = catalog.issue_type(issue.type) or IssueType("10002", issue.type, 0)
            out[fid] = self.issue_type(kind)
        elif fid == "priority":
            priority = catalog.priority(issue.priority) if issue.priority else None
            out[fid] = self.priority(priority) if priority else None
        elif fid == "labels":
            out[fid] = list(issue.labels)
        elif fid == "components":
            project = catalog.projects[issue.project]
            out[fid] = [self.component(project, name) for name in issue.components]
        elif fid == "assignee":
            out[fid] = self.user(issue.assignee) if issue.assignee else None
        elif fid in ("created", "updated"):
            out[fid] = jira_time(getattr(issue, fid))
        elif fid == "parent":
            parent = self.parent_of(issue, lookup)
            if parent is not None:
                out[fid] = parent
        elif fid == "project":
            out[fid] = self.project(catalog.projects[issue.project])
        elif fid == "watches":
            out[fid] = {
                "self": f"{self.api}/issue/{issue.key}/watchers",
                "watchCount": len(issue.watchers),
                "isWatching": False,
            }

    def issue(
        self,
        issue: JiraIssue,
        lookup: Any,
        *,
        included: frozenset[str] | None = None,
        excluded: frozenset[str] = frozenset(),
        changelog: int | None = None,
        properties: Iterable[str] = (),
        editmeta: bool = False,
    ) -> dict[str, Any]:
        """The IssueBean: id, key, self, fields; with ``changelog`` (a cap, Cloud only) the
        histories, with ``properties`` the named entity properties the issue has, with
        ``editmeta`` what the caller may edit (see :mod:`.screens`)."""
        body: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": str(issue.id),
            "self": f"{self.api}/issue/{issue.id}",
            "key": issue.key,
            "fields": self.fields(issue, included, excluded, lookup),
        }
        wanted = [k for k in properties if k in issue.properties]
        if properties:
            body["properties"] = {k: issue.properties[k] for k in wanted}
        if editmeta:
            from .screens import editmeta_fields

            body["editmeta"] = {"fields": editmeta_fields(self, self.catalog, issue)}
        if changelog is not None:
            body["changelog"] = self.changelog_page(issue, changelog)
        return body

    def changelog_page(self, issue: JiraIssue, cap: int) -> dict[str, Any]:
        """``expand=changelog``. Cloud: the ``cap`` most recent histories, newest first, with the
        true ``total`` (getIssue's ``expand`` doc: "sorted by date, starting from the most
        recent"; capped at 100 on GET and lower in searches: pycontribs/jira#911, faros-ai
        airbyte-connectors#2003, research/ownership.md J3). Data Center: every history, oldest
        first (estuary/connectors#2523)."""
        groups = list(issue.changelog)
        if self.catalog.flavor == "cloud":
            groups = groups[::-1][:cap]
        histories = [self.changelog_entry(g) for g in groups]
        return {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(issue.changelog),
            "histories": histories,
        }
