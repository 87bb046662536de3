"""Search endpoints. Cloud: enhanced ``/search/jql`` (``nextPageToken``/``isLast``, no total;
its result evaluated once and kept for the page tokens; eventually consistent unless issues are
named in ``reconcileIssues``; ``properties`` of the issues), ``search/approximate-count``, and
``/search`` answering 410. Data Center: ``/search`` with ``startAt``/``maxResults``/``total``
(no ``properties``: JRASERVER-62898). See :mod:`.index`.

Page size caps: Cloud 5000 when only ``id``/``key`` are requested, else 100; DC 1000."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from starlette.responses import Response

from roadsync.sandbox.http import Route

from .api_issues import changelog_cap, expand_of, properties_of
from .errors import JiraApiError
from .jql import JqlError
from .render import select_fields
from .routing import CLOUD_ONLY, Ctx, json_response

__all__ = ["GONE_MESSAGE", "ROUTES"]

GONE_MESSAGE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
CLOUD_ID_CAP, CLOUD_CAP, DC_CAP = 5000, 100, 1000


def _params(ctx: Ctx) -> dict[str, Any]:
    """GET query or POST body as one dict; lists for ``fields``/``properties``; nulls dropped."""
    if ctx.request.method == "POST":
        body = ctx.body if isinstance(ctx.body, dict) else {}
        return {k: v for k, v in body.items() if v is not None}
    query = ctx.query
    out: dict[str, Any] = {k: query.get(k) for k in query}
    for many in ("fields", "properties", "reconcileIssues", "expand"):
        if many in query:
            out[many] = query.getlist(many)
    return out


def _keys(ctx: Ctx, jql: str, *, bounded: bool, fresh: frozenset[int] | None = None) -> list[str]:
    """Keys matching ``jql``; ``fresh`` given: Cloud's lagging view except those issue ids."""
    try:
        query, _compiled = ctx.store.compile(
            jql, frozenset(p for p in ctx.store.catalog.projects if ctx.grant.can_browse(p))
        )
        if bounded and query.where is None:
            raise JiraApiError(400, [UNBOUNDED])
        lagged = fresh is not None
        return ctx.store.search(jql, visible=ctx.grant.can_browse, lagged=lagged, fresh=fresh or ())
    except JqlError as error:
        raise JiraApiError(400, [str(error)]) from None


def _issues(
    ctx: Ctx,
    keys: list[str],
    params: dict[str, Any],
    default_fields: str,
    fresh: frozenset[int] | None = None,
) -> list[dict[str, Any]]:
    fields = params.get("fields")
    included, excluded = select_fields(
        fields if isinstance(fields, list) else [fields] if fields else None, default_fields
    )
    expand = expand_of(_as_list(params.get("expand")))
    cloud = ctx.settings.flavor == "cloud"
    properties = properties_of(_as_list(params.get("properties"))) if cloud else []
    out = []
    for key in keys:
        issue = ctx.store.find(key)
        if issue is not None and fresh is not None:
            issue = ctx.store.searched(issue, fresh)
        if issue is None:
            continue
        out.append(
            ctx.render.issue(
                issue,
                ctx.lookup,
                included=included,
                excluded=excluded,
                changelog=changelog_cap(ctx, expand, "search"),
                properties=properties,
                editmeta="editmeta" in expand and ctx.grant.can_edit(issue.project),
            )
        )
    return out


def _reconcile(params: dict[str, Any]) -> frozenset[int]:
    """``reconcileIssues``: at most 50 issue ids (int64), read on fresh data (Cloud spec)."""
    raw = [p for item in _as_list(params.get("reconcileIssues")) for p in str(item).split(",") if p.strip()]
    if len(raw) > 50:
        raise JiraApiError(400, ["reconcileIssues accepts at most 50 issue ids."])
    try:
        return frozenset(int(p) for p in raw)
    except ValueError:
        raise JiraApiError(400, ["reconcileIssues must hold issue ids (numbers)."]) from None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _page_token(jql: str, result: str, offset: int) -> str:
    digest = hashlib.sha1(jql.encode()).hexdigest()[:12]
    data = {"q": digest, "r": result, "o": offset}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _token_page(ctx: Ctx, jql: str, token: Any) -> tuple[list[str], str, int]:
    """The kept result a page token names and its offset; 400 when invalid or expired."""
    try:
        padded = str(token) + "=" * (-len(str(token)) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["q"] == hashlib.sha1(jql.encode()).hexdigest()[:12]:
            keys = ctx.store.index.result(str(data["r"]))
            if keys is not None:
                return keys, str(data["r"]), int(data["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise JiraApiError(400, ["The provided next page token is invalid or expired."])


def _id_only(params: dict[str, Any]) -> bool:
    names = {n.strip() for f in _as_list(params.get("fields")) for n in str(f).split(",") if n.strip()}
    return names <= {"id", "key"}


def enhanced_search(ctx: Ctx) -> Response:
    """``/search/jql``: one page; ``nextPageToken`` (opaque: query + offset) until the last page."""
    params = _params(ctx)
    jql = str(params.get("jql") or "")
    fresh = _reconcile(params)
    cap = CLOUD_ID_CAP if _id_only(params) else CLOUD_CAP
    size = max(1, min(ctx.int_param("maxResults", 50, params), cap))
    token = params.get("nextPageToken")
    if token:
        keys, result, start = _token_page(ctx, jql, token)
    else:
        keys, result, start = _keys(ctx, jql, bounded=True, fresh=fresh), "", 0
    chunk = keys[start : start + size]
    last = start + size >= len(keys)
    body: dict[str, Any] = {"issues": _issues(ctx, chunk, params, "id", fresh), "isLast": last}
    if not last:
        body["nextPageToken"] = _page_token(jql, result or ctx.store.index.keep(keys), start + size)
    return json_response(body)


def approximate_count(ctx: Ctx) -> Response:
    params = _params(ctx)
    return json_response(
        {"count": len(_keys(ctx, str(params.get("jql") or ""), bounded=True, fresh=frozenset()))}
    )


def old_search(ctx: Ctx) -> Response:
    """Cloud: 410 Gone with Atlassian's body. DC: startAt/maxResults/total paging."""
    if ctx.settings.flavor == "cloud":
        raise JiraApiError(410, [GONE_MESSAGE])
    params = _params(ctx)
    jql = str(params.get("jql") or "")
    start = ctx.int_param("startAt", 0, params)
    size = min(ctx.int_param("maxResults", 50, params), DC_CAP)
    keys = _keys(ctx, jql, bounded=False)
    chunk = keys[start : start + size]
    return json_response(
        {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(keys),
            "issues": _issues(ctx, chunk, params, "*navigable"),
        }
    )


ROUTES: list[Route] = [
    Route("GET", "/search/jql", enhanced_search, CLOUD_ONLY),
    Route("POST", "/search/jql", enhanced_search, CLOUD_ONLY),
    Route("POST", "/search/approximate-count", approximate_count, CLOUD_ONLY),
    Route("GET", "/search", old_search),
    Route("POST", "/search", old_search),
]
