"""What every GitHub API request of the emulator goes through: auth, rate limits, ETags, headers, stats.

A handler gets a :class:`Call` (the caller's base URL, grant, path and query parameters, parsed
body) and returns a :class:`Reply` or raises :class:`ApiError`. :func:`endpoint` wraps it:

1. ``Authorization: token X`` / ``Bearer X`` (scheme case-insensitive), else 401 ``Bad credentials``;
2. a queued secondary limit answers 403/429 (``retry-after`` when set);
3. GETs run first so that an ``If-None-Match`` hit answers 304 without charging the budget;
   writes are charged before they run, so an exhausted budget never half-writes;
4. ``stats.count("github", write=changed)`` once per authenticated request.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from roadsync.sandbox.common import Stats
from roadsync.sandbox.github.model import Repo
from roadsync.sandbox.github.ratelimit import RateLimiter
from roadsync.sandbox.github.store import GithubStore, StoreError

__all__ = ["ApiError", "Call", "Gateway", "Reply", "TokenGrant"]

DOCS = "https://docs.github.com/rest"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {rid}."
)


@dataclass(frozen=True)
class TokenGrant:
    """What a token may do. Repositories are ``owner/repo`` (case-insensitive).

    ``readable``: private repositories it may read (None: all; public ones are always readable).
    ``writable``: repositories it may write (None: every one it may read).
    ``projects``: whether it reaches Projects v2 (``GITHUB_TOKEN`` does not).
    ``scopes``: the ``x-oauth-scopes`` header of a classic token; None for fine-grained or
    installation tokens, which send no such header.
    """

    readable: frozenset[str] | None = None
    writable: frozenset[str] | None = None
    projects: bool = True
    scopes: str | None = "project, read:org, repo"

    def can_read(self, repo: Repo) -> bool:
        return not repo.private or self.readable is None or repo.full_name.lower() in _lower(self.readable)

    def can_write(self, repo: Repo) -> bool:
        allowed = self.writable if self.writable is not None else self.readable
        return self.can_read(repo) and (allowed is None or repo.full_name.lower() in _lower(allowed))


def _lower(names: frozenset[str]) -> set[str]:
    return {n.lower() for n in names}


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

    def repo(self, *, write: bool = False) -> Repo:
        """The repository of the path, or 404 (hidden) / 403 (read-only) as GitHub answers."""
        repo = self.store.repo(f"{self.path['owner']}/{self.path['repo']}")
        if repo is None or not self.grant.can_read(repo):
            raise ApiError(404, "Not Found")
        if write and not self.grant.can_write(repo):
            raise ApiError(403, "Resource not accessible by personal access token")
        return repo


Handler = Callable[[Call], Reply]


class Gateway:
    """Authentication, limits and bookkeeping shared by the REST and GraphQL endpoints."""

    def __init__(self, store: GithubStore, stats: Stats, token: str, budget: int,
                 restricted: Mapping[str, TokenGrant] | None) -> None:
        self.store, self.stats = store, stats
        self.grants: dict[str, TokenGrant] = {token: TokenGrant(), **(restricted or {})}
        self.ratelimit = RateLimiter(budget)
        self._ids = itertools.count(1)

    def grant_of(self, request: Request) -> TokenGrant | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.grants.get(value.strip())

    def headers(self, grant: TokenGrant | None, resource: str) -> dict[str, str]:
        rid = f"C0DE:{next(self._ids):06X}:5A4D:B00C:67F0A1B2"
        out = {"x-github-request-id": rid, "x-github-media-type": "github.v3; format=json",
               "x-github-api-version-selected": "2022-11-28"}
        if grant is not None:
            out.update(self.ratelimit.peek(resource).headers(resource))
            if grant.scopes is not None:
                out["x-oauth-scopes"] = grant.scopes
                out["x-accepted-oauth-scopes"] = "repo"
        return out

    def endpoint(self, handler: Handler, *, resource: str = "core", charged: bool = True
                 ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            raw = await request.body()
            grant = self.grant_of(request)
            if grant is None:
                return self.error(ApiError(401, "Bad credentials"), None, resource)
            limited = self.secondary(grant, resource)
            if limited is not None:
                return limited
            try:
                body = _parse(raw)
            except ApiError as exc:
                return self.error(exc, grant, resource)
            call = Call(f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}", grant,
                        dict(request.path_params), request.query_params, request.url.path,
                        list(request.query_params.multi_items()), body, self.store,
                        self.store.user_login, self.ratelimit)
            return self.answer(handler, call, request, resource, charged)
        return run

    def answer(self, handler: Handler, call: Call, request: Request, resource: str,
               charged: bool) -> Response:
        reading = request.method in ("GET", "HEAD")
        if charged and not reading and not self.ratelimit.charge(resource):
            return self.primary_exhausted(call.grant, resource)
        try:
            with self.store.lock:
                reply = handler(call)
        except (ApiError, StoreError) as exc:
            self.stats.count("github", write=False)
            return self.error(_as_api_error(exc), call.grant, resource)
        self.stats.count("github", write=reply.changed)
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
        self.stats.count("github", write=False)
        headers = self.headers(grant, resource)
        if refusal.retry_after is not None:
            headers["retry-after"] = str(refusal.retry_after)
        message = SECONDARY_MESSAGE.format(rid=headers["x-github-request-id"])
        body = {"message": message, "documentation_url": "https://docs.github.com/free-pro-team@latest/"
                "rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": str(refusal.status)}
        return Response(json.dumps(body), status_code=refusal.status, headers=headers,
                        media_type="application/json; charset=utf-8")

    def primary_exhausted(self, grant: TokenGrant, resource: str) -> Response:
        self.stats.count("github", write=False)
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


def _as_api_error(exc: ApiError | StoreError) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
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
