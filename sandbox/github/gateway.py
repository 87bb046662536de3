"""What every GitHub API request of the emulator goes through: auth, rate limits, ETags, headers.

The REST endpoints are a :class:`GithubSite` in the shared request framework
(:mod:`roadsync.sandbox.http`; the GraphQL and App endpoints are its subclasses). A handler gets a
:class:`Call` (the caller's base URL, grant, path and query parameters, parsed body) and returns a
:class:`Reply` or raises :class:`ApiError`:

1. ``Authorization: token X`` / ``Bearer X`` (scheme case-insensitive), else 401 ``Bad credentials``
   (an expired installation token too);
2. a queued secondary limit answers 403/429 (``retry-after`` when set), and so does a configured
   secondary limit that this request would exceed (:mod:`~roadsync.sandbox.github.secondary`);
3. GETs run first so that an ``If-None-Match`` hit answers 304 without charging the budget;
   writes are charged before they run, so an exhausted budget never half-writes;
4. ``stats.count("github", write=changed)`` once per authenticated request (by the framework).

A handler may raise :class:`Redirect`: a renamed repository's old name answers ``301`` (GET, HEAD)
or ``307`` (other verbs) to ``/repositories/{id}/…`` with the query kept, a transferred issue's old
number ``301`` for every verb, each with GitHub's body ``{"message": "Moved Permanently", "url",
"documentation_url"}`` [community: octokit/fixtures ``rename-repository`` (status, body and
``location`` recorded from api.github.com); nolar/setup-k3d-k3s#6 and node-gh/gh#579 (the query
string kept in ``location``); research github.md §1–§2].
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from roadsync.sandbox.common import Stats
from roadsync.sandbox.github.access import TokenGrant
from roadsync.sandbox.github.model import Issue, Repo
from roadsync.sandbox.github.ratelimit import RateLimiter
from roadsync.sandbox.github.secondary import SecondaryLimiter
from roadsync.sandbox.github.store import GithubStore, StoreError
from roadsync.sandbox.http import Exchange

__all__ = ["ORIGINAL_PATH", "ApiError", "Call", "Gateway", "GithubSite", "Redirect", "Reply", "TokenGrant"]

ORIGINAL_PATH = "roadsync.sandbox.original_path"  # ASGI scope key: the path before /repositories/{id}
REDIRECT_DOCS = "https://docs.github.com/v3/#http-redirects"
GONE_DOCS = "https://docs.github.com/rest/issues/issues#get-an-issue"

DOCS = "https://docs.github.com/rest"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {rid}."
)


class ApiError(Exception):
    """A GitHub error answer: ``{"message", "documentation_url", "status"}`` (+ ``errors``)."""

    def __init__(self, status: int, message: str, *, errors: list[dict[str, Any]] | None = None,
                 docs: str = DOCS) -> None:
        super().__init__(message)
        self.status, self.message, self.errors, self.docs = status, message, errors, docs

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "documentation_url": self.docs}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return body


class Redirect(Exception):
    """A ``301``/``307`` answer to ``location`` with GitHub's "Moved Permanently" body."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(location)
        self.status, self.location = status, location

    def body(self) -> dict[str, Any]:
        return {"message": "Moved Permanently", "url": self.location, "documentation_url": REDIRECT_DOCS}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    changed: bool = False


@dataclass
class Call:
    base: str
    grant: TokenGrant
    path: dict[str, Any]
    query: Mapping[str, str]
    url_path: str
    query_items: list[tuple[str, str]]
    body: Any
    store: GithubStore
    actor: str
    ratelimit: RateLimiter
    method: str = "GET"
    route_path: str = ""  # the path served (``/repos/{o}/{r}/…`` also for ``/repositories/{id}/…``)

    def repo(self, *, write: bool = False, role: str | None = None) -> Repo:
        """The repository of the path, or 404 (hidden) / 403 (role too weak) as GitHub answers.

        ``write`` needs push access; ``role`` names another least role (``triage``, ``admin``).
        A renamed repository's old name raises :class:`Redirect` (see the module docstring).
        """
        name = f"{self.path['owner']}/{self.path['repo']}"
        repo = self.store.repo(name)
        if repo is None:
            moved = self.store.renamed_repo(name)
            if moved is not None and self.grant.can_read(moved):
                raise Redirect(301 if self.method in ("GET", "HEAD") else 307, self._renamed_url(moved))
        if repo is None or not self.grant.can_read(repo):
            raise ApiError(404, "Not Found")
        needed = role or ("write" if write else None)
        if needed and not self.grant.at_least(repo, needed):
            raise ApiError(403, "Resource not accessible by personal access token")
        return repo

    def _renamed_url(self, repo: Repo) -> str:
        rest = self.route_path.split("/", 4)[4] if self.route_path.count("/") >= 4 else ""
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.query_items)
        path = f"{self.base}/repositories/{repo.id}" + (f"/{rest}" if rest else "")
        return path + (f"?{query}" if query else "")

    def issue(self, repo: Repo, key: str = "number") -> Issue:
        """The issue of the path: 410 when deleted, :class:`Redirect` 301 when transferred, else 404."""
        number = str(self.path[key])
        found = self.store.locate(repo, int(number)) if number.isdigit() else None
        if isinstance(found, Issue):
            return found
        if found is not None and found[0] == "gone":
            raise ApiError(410, "This issue was deleted", docs=GONE_DOCS)
        if found is not None and self.grant.can_read(found[1]):
            tail = self.route_path.split(f"/issues/{number}", 1)[1]
            raise Redirect(301, f"{self.base}/repos/{found[1].full_name}/issues/{found[2]}{tail}")
        raise ApiError(404, "Not Found")


Handler = Callable[[Call], Reply]


class Gateway:
    """Authentication, limits and bookkeeping shared by the REST and GraphQL endpoints."""

    def __init__(self, store: GithubStore, stats: Stats, token: str, budget: int,
                 restricted: Mapping[str, TokenGrant] | None) -> None:
        self.store, self.stats = store, stats
        self.grants: dict[str, TokenGrant] = {token: TokenGrant(role="admin"), **(restricted or {})}
        self.ratelimit = RateLimiter(budget)
        self.secondary_limits = SecondaryLimiter()
        self._ids = itertools.count(1)

    def grant_of(self, request: Request) -> TokenGrant | None:
        """The grant of the request's token; None when absent, unknown or expired (401)."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        grant = self.grants.get(value.strip())
        if grant is not None and grant.expires_at is not None and time.time() >= grant.expires_at:
            return None
        return grant

    def actor(self, grant: TokenGrant) -> str:
        return grant.login or self.store.user_login

    def request_id(self) -> str:
        return f"C0DE:{next(self._ids):06X}:5A4D:B00C:67F0A1B2"

    def headers(self, grant: TokenGrant | None, resource: str) -> dict[str, str]:
        rid = self.request_id()
        out = {"x-github-request-id": rid, "x-github-media-type": "github.v3; format=json",
               "x-github-api-version-selected": "2022-11-28"}
        if grant is not None:
            out.update(self.ratelimit.peek(resource).headers(resource))
            if grant.scopes is not None:
                out["x-oauth-scopes"] = grant.scopes
                out["x-accepted-oauth-scopes"] = "repo"
        return out

    def answer(self, exchange: Exchange, call: Call, resource: str, charged: bool) -> Response:
        """Run the route's handler for ``call`` (under the store's lock) and render its reply: ETag
        and 304 for reads, the budget charged (writes before they run), a redirect's answer.
        :class:`ApiError` and :class:`StoreError` propagate (the site renders them)."""
        request = exchange.request
        reading = request.method in ("GET", "HEAD")
        if charged and not reading and not self.ratelimit.charge(resource):
            return self.primary_exhausted(call.grant, resource)
        try:
            with self.store.lock:
                reply: Reply = exchange.route.handler(call)
        except Redirect as moved:
            headers = {**self.headers(call.grant, resource), "location": moved.location}
            return Response(json.dumps(moved.body()), status_code=moved.status, headers=headers,
                            media_type="application/json; charset=utf-8")
        exchange.wrote = reply.changed
        content = b"" if reply.body is None else json.dumps(reply.body).encode()
        if reading and reply.status == 200:
            etag = 'W/"' + hashlib.sha256(content).hexdigest()[:40] + '"'
            reply.headers["etag"] = etag
            if etag in request.headers.get("if-none-match", ""):
                headers = {**self.headers(call.grant, resource), "etag": etag}
                return Response(status_code=304, headers=headers)
            if charged and not self.ratelimit.charge(resource):
                return self.primary_exhausted(call.grant, resource)
        headers = {**self.headers(call.grant, resource), **reply.headers}
        media = "application/json; charset=utf-8" if reply.body is not None else None
        return Response(content, status_code=reply.status, headers=headers, media_type=media)

    def secondary(self, grant: TokenGrant, resource: str) -> Response | None:
        refusal = self.ratelimit.take_secondary()
        if refusal is None:
            return None
        headers = self.headers(grant, resource)
        if refusal.retry_after is not None:
            headers["retry-after"] = str(refusal.retry_after)
        message = SECONDARY_MESSAGE.format(rid=headers["x-github-request-id"])
        body = {"message": message, "documentation_url": "https://docs.github.com/free-pro-team@latest/"
                "rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": str(refusal.status)}
        return Response(json.dumps(body), status_code=refusal.status, headers=headers,
                        media_type="application/json; charset=utf-8")

    def secondary_limited(self, grant: TokenGrant, method: str, *, graphql_points: int,
                          mutation: bool = False) -> Response | None:
        """The refusal of a configured secondary limit this request would exceed, else None."""
        content = mutation or (graphql_points == 0 and method in ("POST", "PATCH", "PUT", "DELETE"))
        refusal = self.secondary_limits.admit(self.actor(grant), graphql_points=graphql_points,
                                              content=content)
        if refusal is None:
            return None
        headers = {**self.headers(grant, "graphql" if graphql_points else "core"),
                   "retry-after": str(refusal.retry_after)}
        body = {"message": refusal.message, "documentation_url": refusal.docs, "status": str(refusal.status)}
        return Response(json.dumps(body), status_code=refusal.status, headers=headers,
                        media_type="application/json; charset=utf-8")

    def primary_exhausted(self, grant: TokenGrant, resource: str) -> Response:
        message = ("API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
                   "please include the request ID {rid} and timestamp 2026-01-01 00:00:00 UTC.")
        headers = self.headers(grant, resource)
        body = {"message": message.format(rid=headers["x-github-request-id"]),
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                "status": "403"}
        return Response(json.dumps(body), status_code=403, headers=headers,
                        media_type="application/json; charset=utf-8")

    def error(self, exc: ApiError, grant: TokenGrant | None, resource: str) -> Response:
        return Response(json.dumps(exc.body()), status_code=exc.status, headers=self.headers(grant, resource),
                        media_type="application/json; charset=utf-8")


class GithubSite:
    """GitHub's REST hooks for :func:`roadsync.sandbox.http.endpoint`. Route options:
    ``resource`` (the rate-limit budget, default ``core``), ``charged`` (default True)."""

    tracker = "github"
    errors: tuple[type[Exception], ...] = (ApiError, StoreError)

    def __init__(self, gateway: Gateway) -> None:
        self.gateway, self.stats = gateway, gateway.stats

    def resource(self, exchange: Exchange) -> str:
        return str(exchange.route.options.get("resource", "core"))

    def screen(self, exchange: Exchange) -> Response | None:
        return None

    def authenticate(self, exchange: Exchange) -> Response | None:
        exchange.grant = self.gateway.grant_of(exchange.request)
        if exchange.grant is None:
            return self.gateway.error(ApiError(401, "Bad credentials"), None, self.resource(exchange))
        return None

    def admit(self, exchange: Exchange) -> Response | None:
        gateway, resource = self.gateway, self.resource(exchange)
        return gateway.secondary(exchange.grant, resource) or gateway.secondary_limited(
            exchange.grant, exchange.request.method, graphql_points=0)

    def call(self, exchange: Exchange) -> Response:
        request, gateway = exchange.request, self.gateway
        call = Call(f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}",
                    exchange.grant, dict(request.path_params), request.query_params,
                    request.scope.get(ORIGINAL_PATH, request.url.path),
                    list(request.query_params.multi_items()), _parse(exchange.raw), gateway.store,
                    gateway.actor(exchange.grant), gateway.ratelimit, request.method, request.url.path)
        charged = bool(exchange.route.options.get("charged", True))
        return gateway.answer(exchange, call, self.resource(exchange), charged)

    def render_error(self, exchange: Exchange, error: Exception) -> Response:
        assert isinstance(error, (ApiError, StoreError))
        return self.gateway.error(_as_api_error(error), exchange.grant, self.resource(exchange))


def _as_api_error(exc: ApiError | StoreError) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if exc.errors is not None:
        return ApiError(exc.status, exc.message, errors=exc.errors, docs=exc.docs or DOCS)
    if exc.status == 422:
        return ApiError(422, "Validation Failed",
                        errors=[{"resource": "Issue", "code": "invalid", "field": exc.message}])
    return ApiError(exc.status, exc.message)


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "Problems parsing JSON") from None
