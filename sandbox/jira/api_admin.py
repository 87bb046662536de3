"""Configuration endpoints: priority schemes and custom field contexts (admin views).

Cloud serves the current priority scheme API (``/priorityscheme``, its ``priorities`` and
``projects``; ``x-experimental``) and the field context API (``/field/{id}/context``, its
options and project mapping). Data Center serves a project's scheme at
``/project/{key}/priorityscheme`` (``optionIds`` are priority ids; jira.js
``server.assignPriorityScheme``, pycontribs ``project_priority_scheme``).

Who may read them (research/jira.md §2, §3): the context endpoints need Administer Jira (spec:
getContextsForField, getOptionsForContext; 403 "Only Jira administrators can access custom field
contexts."). The spec says "Permission to access Jira" for the priority scheme reads, but their
OAuth scope is ``manage:jira-configuration``, so the sandbox, like the research, treats them as
admin-only (unverified): a connector must learn a project's priorities from editmeta, which any
editor may read. DC's project scheme: admin or that project's admin (unverified).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from roadsync.sandbox.http import Route

from .errors import JiraApiError
from .model import CustomField, FieldContext, PriorityScheme, Project
from .routing import CLOUD_ONLY, DATACENTER_ONLY, Ctx, json_response

__all__ = ["ROUTES"]

ADMIN_ONLY = "You are not authorized to perform this action. Administrator privileges are required."
CONTEXTS_ADMIN_ONLY = "Only Jira administrators can access custom field contexts."
OPTIONS_ADMIN_ONLY = "Only Jira administrators can manage custom field options."


def _page(ctx: Ctx, values: list[Any], default_size: int = 50) -> dict[str, Any]:
    start = ctx.int_param("startAt", 0)
    size = min(ctx.int_param("maxResults", default_size), 1000) or default_size
    chunk = values[start : start + size]
    return {
        "self": str(ctx.request.url),
        "maxResults": size,
        "startAt": start,
        "total": len(values),
        "isLast": start + len(chunk) >= len(values),
        "values": chunk,
    }


def _require_site_admin(ctx: Ctx, message: str = ADMIN_ONLY) -> None:
    if not ctx.grant.site_admin:
        raise JiraApiError(403, [message])


# -- priority schemes (Cloud) -----------------------------------------------------------------------


def _scheme(ctx: Ctx, ref: str) -> PriorityScheme:
    scheme = ctx.store.catalog.priority_schemes.get(ref)
    if scheme is None:
        raise JiraApiError(404, [f"The priority scheme with ID {ref} does not exist."])
    return scheme


def _scheme_projects(ctx: Ctx, scheme: PriorityScheme) -> list[Project]:
    return [p for p in ctx.store.catalog.projects.values() if p.priority_scheme == scheme.id]


def _priorities(ctx: Ctx, scheme: PriorityScheme) -> list[dict[str, Any]]:
    catalog = ctx.store.catalog
    out = []
    for sequence, pid in enumerate(scheme.priority_ids):
        priority = catalog.priority_by_id(pid)
        if priority is not None:
            body = ctx.render.priority_full(priority)
            body.update(isDefault=pid == scheme.default_id, sequence=str(sequence + 1))
            out.append(body)
    return out


def _scheme_json(ctx: Ctx, scheme: PriorityScheme, expand: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": scheme.id,
        "name": scheme.name,
        "description": scheme.name,
        "default": scheme.is_default,
        "defaultPriorityId": scheme.default_id,
        "self": f"{ctx.render.api}/priorityscheme/{scheme.id}",
    }
    if "priorities" in expand:
        values = _priorities(ctx, scheme)
        body["priorities"] = {
            "isLast": True,
            "maxResults": 50,
            "startAt": 0,
            "total": len(values),
            "values": values,
        }
    if "projects" in expand:
        values = [ctx.render.project(p) for p in _scheme_projects(ctx, scheme)]
        body["projects"] = {
            "isLast": True,
            "maxResults": 50,
            "startAt": 0,
            "total": len(values),
            "values": values,
        }
    return body


def priority_schemes(ctx: Ctx) -> Response:
    """getPrioritySchemes: filters ``schemeId``, ``schemeName``, ``onlyDefault``, ``priorityId``."""
    _require_site_admin(ctx)
    query = ctx.query
    schemes = list(ctx.store.catalog.priority_schemes.values())
    ids = set(query.getlist("schemeId"))
    if ids:
        schemes = [s for s in schemes if s.id in ids]
    if query.get("schemeName"):
        schemes = [s for s in schemes if query["schemeName"].lower() in s.name.lower()]
    if query.get("onlyDefault", "false").lower() == "true":
        schemes = [s for s in schemes if s.is_default]
    priority_ids = set(query.getlist("priorityId"))
    if priority_ids:
        schemes = [s for s in schemes if priority_ids & set(s.priority_ids)]
    expand = {p.strip() for raw in query.getlist("expand") for p in raw.split(",")}
    return json_response(_page(ctx, [_scheme_json(ctx, s, expand) for s in schemes]))


def scheme_priorities(ctx: Ctx, scheme_id: str) -> Response:
    _require_site_admin(ctx)
    return json_response(_page(ctx, _priorities(ctx, _scheme(ctx, scheme_id))))


def scheme_projects(ctx: Ctx, scheme_id: str) -> Response:
    _require_site_admin(ctx)
    projects = _scheme_projects(ctx, _scheme(ctx, scheme_id))
    wanted = set(ctx.query.getlist("projectId"))
    if wanted:
        projects = [p for p in projects if p.id in wanted]
    text = (ctx.query.get("query") or "").lower()
    projects = [p for p in projects if text in p.key.lower() or text in p.name.lower()]
    return json_response(_page(ctx, [ctx.render.project(p) for p in projects]))


# -- priority scheme of a project (Data Center) -----------------------------------------------------


def project_priority_scheme(ctx: Ctx, key: str) -> Response:
    catalog = ctx.store.catalog
    project = catalog.project_by_id(key)
    if project is None or not ctx.grant.can_browse(project.key):
        raise JiraApiError(404, [f"No project could be found with key '{key}'."])
    if not ctx.grant.can_administer(project.key):
        raise JiraApiError(403, [ADMIN_ONLY])
    scheme = catalog.scheme_of(project.key)
    return json_response(
        {
            "expand": "projectKeys",
            "self": f"{ctx.render.api}/priorityschemes/{scheme.id}",
            "id": int(scheme.id),
            "name": scheme.name,
            "description": scheme.name,
            "defaultOptionId": scheme.default_id,
            "optionIds": list(scheme.priority_ids),
            "defaultScheme": scheme.is_default,
            "projectKeys": [p.key for p in _scheme_projects(ctx, scheme)],
        }
    )


# -- custom field contexts (Cloud) ------------------------------------------------------------------


def _custom(ctx: Ctx, field_id: str) -> CustomField:
    custom = ctx.store.catalog.custom_field(field_id) if field_id.startswith("customfield_") else None
    if custom is None:
        raise JiraApiError(404, ["The custom field was not found."])
    return custom


def _context_json(context: FieldContext) -> dict[str, Any]:
    return {
        "id": context.id,
        "name": context.name,
        "description": "",
        "isGlobalContext": context.projects is None,
        "isAnyIssueType": context.issue_types is None,
    }


def field_contexts(ctx: Ctx, field_id: str) -> Response:
    """getContextsForField (Administer Jira)."""
    _require_site_admin(ctx, CONTEXTS_ADMIN_ONLY)
    contexts = list(_custom(ctx, field_id).contexts)
    wanted = set(ctx.query.getlist("contextId"))
    if wanted:
        contexts = [c for c in contexts if c.id in wanted]
    for flag, test in (("isGlobalContext", "projects"), ("isAnyIssueType", "issue_types")):
        if flag in ctx.query:
            want = ctx.query[flag].lower() == "true"
            contexts = [c for c in contexts if (getattr(c, test) is None) == want]
    return json_response(_page(ctx, [_context_json(c) for c in contexts]))


def context_options(ctx: Ctx, field_id: str, context_id: str) -> Response:
    """getOptionsForContext (Administer Jira): ``disabled`` options are listed, marked."""
    _require_site_admin(ctx, OPTIONS_ADMIN_ONLY)
    custom = _custom(ctx, field_id)
    if custom.kind != "select":
        raise JiraApiError(400, ["The custom field doesn't support options."])
    context = next((c for c in custom.contexts if c.id == context_id), None)
    if context is None:
        raise JiraApiError(404, [f"The context with ID {context_id} does not exist."])
    options = [{"id": o.id, "value": o.value, "disabled": o.disabled} for o in context.options]
    wanted = ctx.query.get("optionId")
    if wanted:
        options = [o for o in options if o["id"] == wanted]
    return json_response(_page(ctx, options, 100))


def context_project_mapping(ctx: Ctx, field_id: str) -> Response:
    """getProjectContextMapping (Administer Jira)."""
    _require_site_admin(ctx, CONTEXTS_ADMIN_ONLY)
    catalog = ctx.store.catalog
    values: list[dict[str, Any]] = []
    for context in _custom(ctx, field_id).contexts:
        if context.projects is None:
            values.append({"contextId": context.id, "isGlobalContext": True})
            continue
        for key in sorted(context.projects):
            values.append({"contextId": context.id, "projectId": catalog.projects[key].id})
    wanted = set(ctx.query.getlist("contextId"))
    if wanted:
        values = [v for v in values if v["contextId"] in wanted]
    return json_response(_page(ctx, values))


ROUTES: list[Route] = [
    Route("GET", "/priorityscheme", priority_schemes, CLOUD_ONLY),
    Route("GET", "/priorityscheme/{scheme_id}/priorities", scheme_priorities, CLOUD_ONLY),
    Route("GET", "/priorityscheme/{scheme_id}/projects", scheme_projects, CLOUD_ONLY),
    Route("GET", "/project/{key}/priorityscheme", project_priority_scheme, DATACENTER_ONLY),
    Route("GET", "/field/{field_id}/context", field_contexts, CLOUD_ONLY),
    Route("GET", "/field/{field_id}/context/projectmapping", context_project_mapping, CLOUD_ONLY),
    Route("GET", "/field/{field_id}/context/{context_id}/option", context_options, CLOUD_ONLY),
]
