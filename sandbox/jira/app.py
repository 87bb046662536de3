"""The Jira emulator's ASGI app: every endpoint under ``/rest/api/{2,3,latest}`` (v3 on Cloud
only, as Data Center has no v3), Jira-shaped 404/405, and rate-limit headers on every answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roadsync.sandbox.common import Stats
from roadsync.sandbox.http import starlette_routes
from roadsync.sandbox.pages import jira_issue_page

from . import api_admin, api_bulk, api_issues, api_meta, api_search
from .errors import jira_error_response, rate_limit_headers
from .model import Flavor
from .routing import JiraSite, Settings, TokenGrant
from .store import JiraStore

__all__ = ["create_jira_app"]


class _RateLimitHeaders:
    """Adds the constant ``X-RateLimit-*`` headers to answers that lack them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in rate_limit_headers().items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return jira_error_response(status, [f"null for uri: {request.url.path}"] if status == 404 else [str(exc)])


def create_jira_app(
    store: JiraStore,
    *,
    stats: Stats,
    email: str,
    token: str,
    flavor: Flavor,
    restricted_tokens: Mapping[str, TokenGrant] | None = None,
) -> ASGIApp:
    """The ASGI app of one emulated Jira site (``flavor`` must match the store's)."""
    if flavor != store.flavor:
        raise ValueError(f"store flavor {store.flavor!r} does not match app flavor {flavor!r}")
    site = JiraSite(Settings(store, stats, email, token, flavor, dict(restricted_tokens or {})))
    table = [*api_meta.ROUTES, *api_bulk.ROUTES, *api_issues.ROUTES, *api_search.ROUTES, *api_admin.ROUTES]
    routes = starlette_routes(site, table, prefix="/rest/api/{version}")
    routes.append(jira_issue_page(store))  # the web page a report links, not the API
    handlers: Any = {HTTPException: _http_error}
    app = Starlette(routes=routes, exception_handlers=handlers)
    return _RateLimitHeaders(app)
