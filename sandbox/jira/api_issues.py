"""Issue endpoints: GET/PUT/POST issue, editmeta, changelog, properties, watchers, remote links,
and the Cloud bulk fetches (``issue/bulkfetch``, ``changelog/bulkfetch``)."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.responses import Response

from roadsync.sandbox.http import Route

from .errors import JiraApiError, rate_limit_headers
from .model import JiraIssue
from .render import select_fields
from .routing import CLOUD_ONLY, Ctx, json_response
from .screens import editmeta_fields

__all__ = ["CHANGELOG_CAPS", "NOTIFY_FORBIDDEN", "ROUTES", "expand_of", "properties_of"]

NOTIFY_FORBIDDEN = "To discard the user notification either admin or project admin permissions are required."
# Cloud caps ``expand=changelog``: 100 histories on GET issue, fewer in searches and bulk fetches
# (research/ownership.md J3: pycontribs/jira#911; 20 or 40 reported). Data Center sends them all.
CHANGELOG_CAPS = {"issue": 100, "search": 40}
PROPERTIES_MAX = 5


def expand_of(raw: Any) -> set[str]:
    """``expand`` (repeated and/or comma-separated) as a set of names."""
    items = raw if isinstance(raw, list) else [raw] if raw else []
    return {part.strip() for item in items if isinstance(item, str) for part in item.split(",")}


def properties_of(raw: Any) -> list[str]:
    """``properties`` keys (repeated and/or comma-separated), at most 5 (Cloud spec of
    ``/search/jql``, ``/issue/bulkfetch``)."""
    keys = sorted(expand_of(raw) - {""})
    if len(keys) > PROPERTIES_MAX:
        raise JiraApiError(400, [f"You can request at most {PROPERTIES_MAX} issue properties."])
    return keys


def changelog_cap(ctx: Ctx, expand: set[str], where: str) -> int | None:
    if "changelog" not in expand:
        return None
    return CHANGELOG_CAPS[where] if ctx.settings.flavor == "cloud" else 1 << 30


def get_issue(ctx: Ctx, key: str) -> Response:
    """GET issue: a moved issue answers under its new key (getIssue: "a case-insensitive search
    and check for moved issues is performed"); ``properties`` and ``expand=changelog,editmeta``."""
    issue = ctx.visible_issue(key)
    included, excluded = select_fields(ctx.query.getlist("fields"), "*all")
    expand = expand_of(ctx.query.getlist("expand"))
    return json_response(
        ctx.render.issue(
            issue,
            ctx.lookup,
            included=included,
            excluded=excluded,
            changelog=changelog_cap(ctx, expand, "issue"),
            properties=properties_of(ctx.query.getlist("properties")),
            editmeta="editmeta" in expand and ctx.grant.can_edit(issue.project),
        )
    )


def _require_edit(ctx: Ctx, issue: JiraIssue) -> None:
    if not ctx.grant.can_edit(issue.project):
        raise JiraApiError(400, ["You do not have permission to edit issues in this project."])


def edit_issue(ctx: Ctx, key: str) -> Response:
    """PUT: 204 (Data Center: with ``text/html``, jr's DC 10.4 cassette), or 200 with the issue
    when ``returnIssue=true``; ``updated`` and the write counter move only when something changed.

    Each edit that changes fields mails the issue's watchers (counted in the stats'
    ``notifications``) unless ``notifyUsers=false``, which needs Administer Jira or Administer
    Projects: without it Jira answers 403 and drops the whole edit (research/jira.md §0.1 and §6:
    Lighthouse slice-03 live probe on Cloud, gfbio/gfbio-data-submission on DC)."""
    issue = ctx.visible_issue(key)
    for flag in ("overrideScreenSecurity", "overrideEditableFlag"):
        if ctx.query.get(flag, "false").lower() == "true":
            raise JiraApiError(403, [f"You do not have the permission to use {flag}."])
    notify = ctx.query.get("notifyUsers", "true").lower() != "false"
    if not notify and not ctx.grant.can_administer(issue.project):
        raise JiraApiError(403, [NOTIFY_FORBIDDEN])
    if not isinstance(ctx.body, dict):
        raise JiraApiError(400, ["No content to map due to end-of-input"])
    _require_edit(ctx, issue)
    result = ctx.store.edit(issue.key, ctx.body, api_version=ctx.version, author=ctx.grant.display_name)
    ctx.wrote = result.wrote
    if notify and result.recipients:
        ctx.settings.stats.notify("jira", len(result.recipients))
    if ctx.query.get("returnIssue", "false").lower() == "true":
        return json_response(ctx.render.issue(issue, ctx.lookup))
    headers = rate_limit_headers()
    if ctx.settings.flavor == "datacenter":
        headers["Content-Type"] = "text/html;charset=UTF-8"
    return Response(status_code=204, headers=headers)


def create_issue(ctx: Ctx) -> Response:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise JiraApiError(400, ["No content to map due to end-of-input"])
    project = (fields.get("project") or {}).get("key") or ""
    if project and not ctx.grant.can_edit(str(project).upper()):
        raise JiraApiError(
            400, [], {"project": "You do not have permission to create issues in this project."}
        )
    issue = ctx.store.create(fields, api_version=ctx.version, author=ctx.grant.display_name)
    ctx.wrote = True
    return json_response(
        {"id": str(issue.id), "key": issue.key, "self": f"{ctx.render.api}/issue/{issue.id}"}, 201
    )


def editmeta(ctx: Ctx, key: str) -> Response:
    """The fields the caller may edit on this issue, with operations and allowed values (empty
    without edit permission, as Jira does); the same rule the PUT enforces (:mod:`.screens`)."""
    issue = ctx.visible_issue(key)
    if not ctx.grant.can_edit(issue.project):
        return json_response({"fields": {}})
    return json_response({"fields": editmeta_fields(ctx.render, ctx.store.catalog, issue)})


def watchers(ctx: Ctx, key: str) -> Response:
    """The issue's watchers (getIssueWatchers): the people an edit mails."""
    issue = ctx.visible_issue(key)
    return json_response(
        {
            "self": f"{ctx.render.api}/issue/{issue.key}/watchers",
            "isWatching": ctx.grant.display_name in issue.watchers,
            "watchCount": len(issue.watchers),
            "watchers": [ctx.render.user(name) for name in issue.watchers],
        }
    )


def changelog(ctx: Ctx, key: str) -> Response:
    """Cloud's paged history, oldest first (getChangeLogs); Data Center has no such endpoint
    (research/ownership.md J3)."""
    issue = ctx.visible_issue(key)
    start = ctx.int_param("startAt", 0)
    size = min(ctx.int_param("maxResults", 100), 100) or 100
    chunk = issue.changelog[start : start + size]
    last = start + len(chunk) >= len(issue.changelog)
    path = f"{ctx.render.api}/issue/{issue.key}/changelog"
    body: dict[str, Any] = {
        "self": f"{path}?startAt={start}&maxResults={size}",
        "maxResults": size,
        "startAt": start,
        "total": len(issue.changelog),
        "isLast": last,
        "values": [ctx.render.changelog_entry(g) for g in chunk],
    }
    if not last:
        body["nextPage"] = f"{path}?startAt={start + size}&maxResults={size}"
    return json_response(body)


def get_property(ctx: Ctx, key: str, prop: str) -> Response:
    issue = ctx.visible_issue(key)
    if prop not in issue.properties:
        raise JiraApiError(404, [f"The property with key '{prop}' does not exist."])
    return json_response({"key": prop, "value": issue.properties[prop]})


def list_properties(ctx: Ctx, key: str) -> Response:
    issue = ctx.visible_issue(key)
    keys = [{"self": f"{ctx.render.api}/issue/{issue.id}/properties/{k}", "key": k} for k in issue.properties]
    return json_response({"keys": keys})


def put_property(ctx: Ctx, key: str, prop: str) -> Response:
    issue = ctx.visible_issue(key)
    if not ctx.grant.can_edit(issue.project):
        raise JiraApiError(403, ["You do not have permission to edit this issue."])
    if ctx.body is None:
        raise JiraApiError(400, ["The property value must be valid JSON."])
    existed = prop in issue.properties
    ctx.wrote = ctx.store.set_property(issue.key, prop, ctx.body)
    return Response(status_code=200 if existed else 201, headers=rate_limit_headers())


def delete_property(ctx: Ctx, key: str, prop: str) -> Response:
    issue = ctx.visible_issue(key)
    if not ctx.grant.can_edit(issue.project):
        raise JiraApiError(403, ["You do not have permission to edit this issue."])
    if not ctx.store.delete_property(issue.key, prop):
        raise JiraApiError(404, [f"The property with key '{prop}' does not exist."])
    ctx.wrote = True
    return Response(status_code=204, headers=rate_limit_headers())


def _link_json(ctx: Ctx, issue: JiraIssue, link: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": link.id,
        "self": f"{ctx.render.api}/issue/{issue.key}/remotelink/{link.id}",
        "application": {},
        "object": {"url": link.url, "title": link.title},
    }
    if link.global_id:
        body["globalId"] = link.global_id
    if link.relationship:
        body["relationship"] = link.relationship
    return body


def get_remote_links(ctx: Ctx, key: str) -> Response:
    issue = ctx.visible_issue(key)
    return json_response([_link_json(ctx, issue, link) for link in issue.remote_links])


def add_remote_link(ctx: Ctx, key: str) -> Response:
    """201 with {id, self} for a new link; 200 when ``globalId`` names an existing one."""
    issue = ctx.visible_issue(key)
    if not ctx.grant.can_edit(issue.project):
        raise JiraApiError(403, ["You do not have permission to link issues in this project."])
    body = ctx.body if isinstance(ctx.body, dict) else {}
    raw_obj = body.get("object")
    obj: dict[str, Any] = raw_obj if isinstance(raw_obj, dict) else {}
    errors = {name: f"'{name}' is required." for name in ("url", "title") if not obj.get(name)}
    if errors:
        raise JiraApiError(400, [], errors)
    link, created = ctx.store.add_remote_link(
        issue.key,
        str(obj["url"]),
        str(obj["title"]),
        global_id=body.get("globalId"),
        relationship=body.get("relationship"),
    )
    ctx.wrote = True
    return json_response(
        {"id": link.id, "self": _link_json(ctx, issue, link)["self"]}, 201 if created else 200
    )


def bulk_fetch(ctx: Ctx) -> Response:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    refs = body.get("issueIdsOrKeys") or []
    if not isinstance(refs, list) or not 1 <= len(refs) <= 100:
        raise JiraApiError(400, ["issueIdsOrKeys must contain between 1 and 100 issue ids or keys."])
    included, excluded = select_fields(body.get("fields") or None, "*navigable")
    found = {i.id: i for i in (ctx.lookup(str(r)) for r in refs) if i is not None}
    expand = expand_of(body.get("expand"))
    properties = properties_of(body.get("properties"))
    issues = [
        ctx.render.issue(
            found[i],
            ctx.lookup,
            included=included,
            excluded=excluded,
            changelog=changelog_cap(ctx, expand, "search"),
            properties=properties,
        )
        for i in sorted(found)
    ]
    return json_response({"issues": issues, "issueErrors": []})


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(token: Any) -> int:
    if token in (None, ""):
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(str(token).encode()))["o"])
    except (ValueError, KeyError, TypeError):
        raise JiraApiError(400, ["The nextPageToken is invalid."]) from None


def bulk_changelog(ctx: Ctx) -> Response:
    """Changelogs of many issues, optionally only items of ``fieldIds``, paged by history."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    refs, field_ids = body.get("issueIdsOrKeys") or [], body.get("fieldIds") or []
    if not isinstance(refs, list) or not 1 <= len(refs) <= 1000 or len(field_ids) > 10:
        raise JiraApiError(400, ["issueIdsOrKeys must hold 1 to 1000 entries and fieldIds at most 10."])
    size = min(ctx.int_param("maxResults", 1000, body), 10000) or 1000
    pairs = []
    for issue in (i for i in (ctx.lookup(str(r)) for r in refs) if i is not None):
        for group in issue.changelog:
            entry = ctx.render.changelog_entry(group)
            entry["items"] = [it for it in entry["items"] if not field_ids or it["fieldId"] in field_ids]
            if entry["items"]:
                pairs.append((str(issue.id), entry))
    start = _offset(body.get("nextPageToken"))
    chunk = pairs[start : start + size]
    logs: dict[str, list[dict[str, Any]]] = {}
    for issue_id, entry in chunk:
        logs.setdefault(issue_id, []).append(entry)
    out: dict[str, Any] = {"issueChangeLogs": [{"issueId": k, "changeHistories": v} for k, v in logs.items()]}
    if start + size < len(pairs):
        out["nextPageToken"] = _token(start + size)
    return json_response(out)


ROUTES: list[Route] = [
    Route("POST", "/issue/bulkfetch", bulk_fetch, CLOUD_ONLY),
    Route("POST", "/changelog/bulkfetch", bulk_changelog, CLOUD_ONLY),
    Route("POST", "/issue", create_issue),
    Route("GET", "/issue/{key}", get_issue),
    Route("PUT", "/issue/{key}", edit_issue),
    Route("GET", "/issue/{key}/editmeta", editmeta),
    Route("GET", "/issue/{key}/watchers", watchers),
    Route("GET", "/issue/{key}/changelog", changelog, CLOUD_ONLY),
    Route("GET", "/issue/{key}/properties", list_properties),
    Route("GET", "/issue/{key}/properties/{prop}", get_property),
    Route("PUT", "/issue/{key}/properties/{prop}", put_property),
    Route("DELETE", "/issue/{key}/properties/{prop}", delete_property),
    Route("GET", "/issue/{key}/remotelink", get_remote_links),
    Route("POST", "/issue/{key}/remotelink", add_remote_link),
]
