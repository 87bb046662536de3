"""One request framework for both emulators: the route table shape and the endpoint wrapper.

Each emulator's API is a table of :class:`Route` rows (one HTTP method each; ``options`` are the
tracker's own per-route settings: Jira's flavours and anonymous access, GitHub's rate-limit
resource). A tracker plugs in as a :class:`Site`, the hooks :func:`endpoint` calls for every
request, always in this order:

1. ``screen``: an answer before authentication (Jira: an API version or flavour it does not
   serve); not counted;
2. ``authenticate``: sets the exchange's grant, or answers the tracker's 401 (not counted); a
   site may let an anonymous caller through (grant ``None``: served, not counted);
3. ``admit``: a limit that refuses the request before it runs (GitHub's secondary limits);
4. ``call``: the handler, run under the store's lock, its reply rendered; the errors the site
   names in ``errors`` are rendered by ``render_error``.

Every request that got past authentication is counted once in :class:`~roadsync.sandbox.common.Stats`
(``stats.count(tracker, write=exchange.wrote, endpoint=...)``): a write when the handler changed
the tracker's state, else a read, and under the endpoint it asked for. Fault injection sits in
front of the app (:class:`~roadsync.sandbox.injection.FaultsMiddleware`) with each tracker's
fault answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from roadsync.sandbox.common import Stats

__all__ = [
    "FAIL_ALIAS",
    "ASGIApp",
    "Exchange",
    "Message",
    "Receive",
    "Route",
    "Scope",
    "Send",
    "Site",
    "endpoint",
    "starlette_routes",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# ASGI scope key set by fault injection: the draw that picks the alias a GraphQL batch fault fails.
FAIL_ALIAS = "roadsync.sandbox.fail_alias"


@dataclass(frozen=True)
class Route:
    """One row of an emulator's route table: ``method path`` served by ``handler``.

    The handler's signature is the site's business (Jira: ``handler(ctx, **path_params)``, GitHub:
    ``handler(call)``); ``options`` are the site's per-route settings."""

    method: str
    path: str
    handler: Callable[..., Any]
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Exchange:
    """One request on its way through :func:`endpoint`: the raw body, who asks, what it did."""

    request: Request
    route: Route
    raw: bytes
    grant: Any = None
    wrote: bool = False
    endpoint: str = ""
    """What the request asked for, as counted (:meth:`Stats.by_endpoint`): the handler's name
    unless the site names it (GraphQL: ``graphql:<operation name>``)."""


class Site(Protocol):
    """The hooks of one tracker's API (see the module docstring for when each is called)."""

    tracker: str
    stats: Stats
    errors: tuple[type[Exception], ...]

    def screen(self, exchange: Exchange) -> Response | None: ...
    def authenticate(self, exchange: Exchange) -> Response | None: ...
    def admit(self, exchange: Exchange) -> Response | None: ...
    def call(self, exchange: Exchange) -> Response: ...
    def render_error(self, exchange: Exchange, error: Exception) -> Response: ...


def endpoint(site: Site, route: Route) -> Callable[[Request], Awaitable[Response]]:
    """The starlette endpoint serving ``route`` through ``site``'s hooks."""

    async def serve(request: Request) -> Response:
        exchange = Exchange(request, route, await request.body())
        answer = site.screen(exchange)
        if answer is None:
            answer = site.authenticate(exchange)
        if answer is not None:
            return answer
        try:
            response = site.admit(exchange)
            if response is None:
                response = site.call(exchange)
        except site.errors as error:
            response = site.render_error(exchange, error)
        if exchange.grant is not None:
            named = exchange.endpoint or getattr(route.handler, "__name__", "")
            site.stats.count(site.tracker, write=exchange.wrote, endpoint=named)
        return response

    return serve


def starlette_routes(site: Site, table: Iterable[Route], *, prefix: str = "") -> list[StarletteRoute]:
    """Starlette routes for ``table``, each path's methods together where the path first appears
    (so an earlier path keeps precedence over a later one that also matches)."""
    by_path: dict[str, list[Route]] = {}
    for route in table:
        by_path.setdefault(route.path, []).append(route)
    return [
        StarletteRoute(prefix + path, endpoint(site, route), methods=[route.method])
        for path, routes in by_path.items()
        for route in routes
    ]
