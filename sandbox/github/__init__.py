"""The sandbox GitHub: a loopback emulator of the GitHub REST and GraphQL APIs.

::

    store = GithubStore.from_fixture(fixture["github"])
    app = create_github_app(store, stats=stats, token="ghp_…", budget=5000,
                            restricted_tokens={"ghs_actions": TokenGrant(readable=frozenset({"acme/web"}),
                                                                         projects=False, scopes=None)})
    app.state.ratelimit.secondary_next(2, status=429)    # the next two requests are refused
    app.state.gateway.secondary_limits.configure(content_per_minute=80)   # GitHub's documented limits

Served: ``/user``, ``/rate_limit``, repositories (renames redirect), issues (pull requests mixed in;
transfers redirect, deletions answer 410), labels, sub-issues, issue types, events/timeline, the
GitHub App endpoints (``/app``, installation tokens), Projects v2 items over REST
(``/orgs|users/{owner}/projectsV2/{n}/items``, :mod:`.rest_projects`), and ``POST /graphql``
(Projects v2, labels, transfers, ``rateLimit``). ``/repositories/{id}/…`` serves every
``/repos/{owner}/{repo}/…`` route. See the modules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from starlette.applications import Starlette

from roadsync.sandbox.common import Stats
from roadsync.sandbox.github import apps, graphql_api, rest, rest_labels, rest_projects
from roadsync.sandbox.github.access import TokenGrant
from roadsync.sandbox.github.apps import AppSite
from roadsync.sandbox.github.gateway import ORIGINAL_PATH, Gateway, GithubSite
from roadsync.sandbox.github.graphql_api import GraphqlSite
from roadsync.sandbox.github.ratelimit import RateLimiter
from roadsync.sandbox.github.secondary import DOCUMENTED, SecondaryLimits
from roadsync.sandbox.github.store import GithubStore
from roadsync.sandbox.http import Receive, Scope, Send, starlette_routes
from roadsync.sandbox.pages import github_issue_page

__all__ = [
    "DOCUMENTED",
    "GithubAsgi",
    "GithubStore",
    "RateLimiter",
    "SecondaryLimits",
    "TokenGrant",
    "create_github_app",
]

_BY_ID = re.compile(r"^/repositories/(\d+)(/.*)?$")


def create_github_app(
    store: GithubStore,
    *,
    stats: Stats,
    token: str,
    budget: int = 5000,
    restricted_tokens: Mapping[str, TokenGrant] | None = None,
) -> GithubAsgi:
    """The ASGI app serving ``store``; ``token`` has full access, ``restricted_tokens`` what their grant says.

    ``app.state.ratelimit`` (:class:`RateLimiter`) sets budgets and queues secondary limits;
    ``app.state.gateway`` holds the grants and the configurable secondary limits.
    """
    gateway = Gateway(store, stats, token, budget, restricted_tokens)
    rest_site = GithubSite(gateway)
    routes = [*starlette_routes(GraphqlSite(gateway), graphql_api.ROUTES),
              *starlette_routes(AppSite(gateway), apps.ROUTES),
              *starlette_routes(rest_site, [*rest.ROUTES, *rest_labels.ROUTES, *rest_projects.ROUTES]),
              github_issue_page(store)]  # the web page a report links (html_url), not the API
    app = Starlette(routes=routes)
    app.state.ratelimit = gateway.ratelimit
    app.state.gateway = gateway
    return GithubAsgi(app, store)


class GithubAsgi:
    """Serves ``/repositories/{id}/…`` as ``/repos/{owner}/{name}/…`` of the repository with that id,
    as GitHub does (the target of a renamed repository's redirect) [research github.md §1]."""

    def __init__(self, app: Starlette, store: GithubStore) -> None:
        self.app, self.store, self.state = app, store, app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _BY_ID.match(scope.get("path", "")) if scope["type"] == "http" else None
        repo = self.store.repo_by_id(int(match[1])) if match else None
        if match and repo is not None:
            scope = dict(scope)
            scope[ORIGINAL_PATH] = scope["path"]
            rest_of_path = match[2] or ""
            scope["path"] = f"/repos/{repo.full_name}{rest_of_path}"
            raw = scope.get("raw_path") or b""
            tail = raw.split(b"/", 3)[3] if raw.count(b"/") >= 3 else b""
            scope["raw_path"] = f"/repos/{quote(repo.full_name)}".encode() + (b"/" + tail if tail else b"")
        await self.app(scope, receive, send)
