"""Site-level Jira endpoints: serverInfo, myself, field, priority, project, issuetype, status,
mypermissions."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from starlette.responses import Response

from roadsync.sandbox.http import Route

from .errors import JiraApiError
from .model import jira_time
from .routing import Ctx, json_response

__all__ = ["ROUTES"]

_PERMISSIONS = {
    "BROWSE_PROJECTS": ("10", "Browse Projects", "Ability to browse projects and the issues within them."),
    "EDIT_ISSUES": ("12", "Edit Issues", "Ability to edit issues."),
    "CREATE_ISSUES": ("11", "Create Issues", "Ability to create issues."),
    "TRANSITION_ISSUES": ("46", "Transition Issues", "Ability to transition issues."),
    "ADD_COMMENTS": ("15", "Add Comments", "Ability to comment on issues."),
    "LINK_ISSUES": ("21", "Link Issues", "Ability to link issues and create linked issues."),
    "ASSIGN_ISSUES": ("13", "Assign Issues", "Ability to assign issues to other people."),
    "ADMINISTER_PROJECTS": ("23", "Administer Projects", "Ability to administer a project in Jira."),
    "ADMINISTER": ("0", "Administer Jira", "Ability to perform most administration functions."),
    "BULK_CHANGE": ("33", "Make bulk changes", "Ability to modify a collection of issues at once."),
}
_GLOBAL = {"ADMINISTER", "BULK_CHANGE"}
_EDITING = {
    "EDIT_ISSUES",
    "CREATE_ISSUES",
    "TRANSITION_ISSUES",
    "ADD_COMMENTS",
    "LINK_ISSUES",
    "ASSIGN_ISSUES",
}
_SYSTEM_FIELDS: list[tuple[str, str, dict[str, Any], list[str]]] = [
    ("summary", "Summary", {"type": "string", "system": "summary"}, ["summary"]),
    ("description", "Description", {"type": "string", "system": "description"}, ["description"]),
    ("status", "Status", {"type": "status", "system": "status"}, ["status"]),
    ("issuetype", "Issue Type", {"type": "issuetype", "system": "issuetype"}, ["issuetype", "type"]),
    ("priority", "Priority", {"type": "priority", "system": "priority"}, ["priority"]),
    ("labels", "Labels", {"type": "array", "items": "string", "system": "labels"}, ["labels"]),
    (
        "components",
        "Components",
        {"type": "array", "items": "component", "system": "components"},
        ["component"],
    ),
    ("assignee", "Assignee", {"type": "user", "system": "assignee"}, ["assignee"]),
    ("created", "Created", {"type": "datetime", "system": "created"}, ["created", "createdDate"]),
    ("updated", "Updated", {"type": "datetime", "system": "updated"}, ["updated", "updatedDate"]),
    ("project", "Project", {"type": "project", "system": "project"}, ["project"]),
    ("parent", "Parent", {"type": "issuelink", "system": "parent"}, ["parent"]),
]


def server_info(ctx: Ctx) -> Response:
    cloud = ctx.settings.flavor == "cloud"
    version = [1001, 0, 0] if cloud else [9, 12, 15]
    return json_response(
        {
            "baseUrl": ctx.render.base,
            "displayUrl": ctx.render.base,
            "version": ".".join(map(str, version)) + ("-SNAPSHOT" if cloud else ""),
            "versionNumbers": version,
            "deploymentType": "Cloud" if cloud else "Server",
            "buildNumber": 100300 if cloud else 9120015,
            "buildDate": "2026-10-01T00:00:00.000+0000",
            "serverTime": jira_time(datetime.now(timezone.utc)),
            "scmInfo": "sandbox",
            "serverTitle": "Sandbox Jira",
            "serverTimeZone": "UTC",
        }
    )


def myself(ctx: Ctx) -> Response:
    """The caller's account: Cloud ``accountId`` (``key``/``name`` empty), Data Center ``name``
    and ``key`` (research/ownership.md J6)."""
    body = ctx.render.user(ctx.grant.display_name)
    if ctx.grant.display_name == ctx.store.catalog.user["displayName"]:
        body["emailAddress"] = ctx.settings.email
    body.update(locale="en_US", groups={"size": 1, "items": []}, applicationRoles={"size": 1, "items": []})
    if ctx.settings.flavor == "cloud":
        body.update(key="", name="")
    else:
        body.update(deleted=False, expand="groups,applicationRoles")
    return json_response(body)


def fields(ctx: Ctx) -> Response:
    """Every field, names not unique: a team-managed project's own fields carry ``scope``
    (getFields, ``FieldDetails.scope``; research/jira.md §4)."""
    out: list[dict[str, Any]] = [
        {
            "id": fid,
            "key": fid,
            "name": name,
            "custom": False,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": clauses,
            "schema": schema,
        }
        for fid, name, schema, clauses in _SYSTEM_FIELDS
    ]
    for custom in ctx.store.catalog.custom_fields:
        entry: dict[str, Any] = {
            "id": custom.id,
            "key": custom.id,
            "name": custom.name,
            "custom": True,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": [f"cf[{custom.number}]", custom.name],
            "schema": ctx.render.schema(custom),
        }
        if custom.scope is not None:
            project = ctx.store.catalog.projects[custom.scope]
            entry["scope"] = {"type": "PROJECT", "project": {"id": project.id}}
        out.append(entry)
    return json_response(out)


def _page(ctx: Ctx, values: list[Any], path: str, default_size: int = 50) -> dict[str, Any]:
    start = ctx.int_param("startAt", 0)
    size = min(ctx.int_param("maxResults", default_size), 100) or default_size
    chunk = values[start : start + size]
    last = start + len(chunk) >= len(values)
    body = {
        "self": f"{ctx.render.api}/{path}?startAt={start}&maxResults={size}",
        "maxResults": size,
        "startAt": start,
        "total": len(values),
        "isLast": last,
        "values": chunk,
    }
    if not last:
        body["nextPage"] = f"{ctx.render.api}/{path}?startAt={start + size}&maxResults={size}"
    return body


def priorities(ctx: Ctx) -> Response:
    return json_response([ctx.render.priority_full(p) for p in ctx.store.catalog.priorities])


def priority_search(ctx: Ctx) -> Response:
    """searchPriorities (deprecated, still served): ``projectId`` keeps the priorities available
    in those projects, i.e. in their priority schemes."""
    catalog = ctx.store.catalog
    wanted = [p for p in catalog.priorities]
    refs = [r for raw in ctx.query.getlist("projectId") for r in raw.split(",") if r]
    if refs:
        allowed = {p.id for r in refs for p in catalog.project_priorities(_project(ctx, r).key)}
        wanted = [p for p in wanted if p.id in allowed]
    values = [ctx.render.priority_full(p) for p in wanted]
    return json_response(_page(ctx, values, "priority/search"))


def _visible_projects(ctx: Ctx) -> list[Any]:
    return [p for p in ctx.store.catalog.projects.values() if ctx.grant.can_browse(p.key)]


def projects(ctx: Ctx) -> Response:
    return json_response([ctx.render.project(p) for p in _visible_projects(ctx)])


def project_search(ctx: Ctx) -> Response:
    wanted = {k.upper() for raw in ctx.query.getlist("keys") for k in raw.split(",") if k}
    text = (ctx.query.get("query") or "").lower()
    found = [
        p
        for p in _visible_projects(ctx)
        if (not wanted or p.key in wanted) and (text in p.key.lower() or text in p.name.lower())
    ]
    return json_response(_page(ctx, [ctx.render.project(p) for p in found], "project/search"))


def _project(ctx: Ctx, ref: str) -> Any:
    project = ctx.store.catalog.project_by_id(ref)
    if project is None or not ctx.grant.can_browse(project.key):
        raise JiraApiError(404, [f"No project could be found with key '{ref}'."])
    return project


def project(ctx: Ctx, key: str) -> Response:
    return json_response(ctx.render.project(_project(ctx, key), full=True))


def project_components(ctx: Ctx, key: str) -> Response:
    """``GET /project/{key}/components``: every component of the project, unpaged, as
    ``[{"self", "id", "name"}, ...]`` (the fields roadsync reads; the real answer adds
    description, lead and assignee details). 404 when the project is missing or hidden.

    Source: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-project-components/#api-rest-api-3-project-projectidorkey-components-get
    (Data Center: https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/#api/2/project-getProjectComponents).
    """
    found = _project(ctx, key)
    return json_response([ctx.render.component(found, name) for name in found.components])


def issue_types(ctx: Ctx) -> Response:
    return json_response([ctx.render.issue_type(t) for t in ctx.store.catalog.issue_types])


def statuses(ctx: Ctx) -> Response:
    return json_response([ctx.render.status(s) for s in ctx.store.catalog.statuses])


def my_permissions(ctx: Ctx) -> Response:
    """``havePermission`` for a project or issue, or for any project when none is named."""
    names = [n.strip() for n in (ctx.query.get("permissions") or "").split(",") if n.strip()]
    if not names and ctx.settings.flavor == "cloud":
        raise JiraApiError(400, ["The permissions query parameter is required."])
    unknown = [n for n in names if n not in _PERMISSIONS]
    if unknown:
        raise JiraApiError(400, [f"Unrecognized permission key(s): {', '.join(unknown)}."])
    scope = _permission_scope(ctx)
    out = {}
    for name in names or list(_PERMISSIONS):
        pid, label, description = _PERMISSIONS[name]
        out[name] = {
            "id": pid,
            "key": name,
            "name": label,
            "type": "GLOBAL" if name in _GLOBAL else "PROJECT",
            "description": description,
            "havePermission": _have(ctx, name, scope),
        }
    return json_response({"permissions": out})


def _have(ctx: Ctx, name: str, scope: list[str]) -> bool:
    """A project permission is held if held in any project of ``scope`` (without a project
    named: any project at all, research/jira.md §6 "Trap", Lighthouse Q6)."""
    grant = ctx.grant
    if name == "ADMINISTER":
        return grant.site_admin
    if name == "BULK_CHANGE":
        return grant.can_bulk_change()
    check = grant.can_edit if name in _EDITING else grant.can_browse
    if name == "ADMINISTER_PROJECTS":
        check = grant.can_administer
    return any(check(p) for p in scope)


def _permission_scope(ctx: Ctx) -> list[str]:
    query = ctx.query
    issue_ref = query.get("issueId") or query.get("issueKey")
    if issue_ref:
        return [ctx.visible_issue(issue_ref).project]
    project_ref = query.get("projectId") or query.get("projectKey")
    if project_ref:
        return [_project(ctx, project_ref).key]
    return list(ctx.store.catalog.projects)


ROUTES: list[Route] = [
    Route("GET", "/serverInfo", server_info, {"anonymous": True}),
    Route("GET", "/myself", myself),
    Route("GET", "/field", fields),
    Route("GET", "/priority", priorities),
    Route("GET", "/priority/search", priority_search),
    Route("GET", "/project", projects),
    Route("GET", "/project/search", project_search),
    Route("GET", "/project/{key}", project),
    Route("GET", "/project/{key}/components", project_components),
    Route("GET", "/issuetype", issue_types),
    Route("GET", "/status", statuses),
    Route("GET", "/mypermissions", my_permissions),
]
