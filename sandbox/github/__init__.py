"""The sandbox GitHub: a loopback emulator of the GitHub REST and GraphQL APIs.

::

    store = GithubStore.from_fixture(fixture["github"])
    app = create_github_app(store, stats=stats, token="ghp_…", budget=5000,
                            restricted_tokens={"ghs_actions": TokenGrant(readable=frozenset({"acme/web"}),
                                                                         projects=False, scopes=None)})
    app.state.ratelimit.secondary_next(2, status=429)    # the next two requests are refused

Served: ``/user``, ``/rate_limit``, repositories, issues (pull requests mixed in), labels, sub-issues,
issue types, events/timeline, and ``POST /graphql`` (Projects v2, ``rateLimit``). See the modules.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.routing import Route

from roadsync.sandbox.common import Stats
from roadsync.sandbox.github import rest, rest_labels
from roadsync.sandbox.github.gateway import Gateway, TokenGrant
from roadsync.sandbox.github.graphql_api import graphql_endpoint
from roadsync.sandbox.github.ratelimit import RateLimiter
from roadsync.sandbox.github.store import GithubStore

__all__ = ["GithubStore", "RateLimiter", "TokenGrant", "create_github_app"]


def create_github_app(
    store: GithubStore,
    *,
    stats: Stats,
    token: str,
    budget: int = 5000,
    restricted_tokens: Mapping[str, TokenGrant] | None = None,
) -> Starlette:
    """The ASGI app serving ``store``; ``token`` has full access, ``restricted_tokens`` what their grant says.

    ``app.state.ratelimit`` (:class:`RateLimiter`) sets budgets and queues secondary limits;
    ``app.state.gateway`` holds the grants.
    """
    gateway = Gateway(store, stats, token, budget, restricted_tokens)
    routes = [Route("/rate_limit", gateway.endpoint(rest.get_rate_limit, charged=False), methods=["GET"]),
              Route("/graphql", graphql_endpoint(gateway), methods=["POST"])]
    by_path: dict[str, dict[str, rest.Handler]] = {}
    for method, path, handler in [*rest.ROUTES, *rest_labels.ROUTES]:
        by_path.setdefault(path, {})[method] = handler
    for path, handlers in by_path.items():
        routes.extend(Route(path, gateway.endpoint(h), methods=[m]) for m, h in handlers.items())
    app = Starlette(routes=routes)
    app.state.ratelimit = gateway.ratelimit
    app.state.gateway = gateway
    return app
