"""Request plumbing shared by the Jira endpoints: authentication, token grants, the per-request
context, JSON parsing, stats counting and Jira-shaped errors."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from roadsync.sandbox.common import Stats

from .errors import JiraApiError, jira_error_response, rate_limit_headers
from .model import Flavor, JiraIssue
from .render import Renderer
from .store import JiraStore

__all__ = ["Ctx", "Handler", "Settings", "TokenGrant", "json_response", "make_endpoint"]

NOT_VISIBLE = "Issue does not exist or you do not have permission to see it."
UNAUTHORIZED = "You are not authenticated. Authentication required to perform this operation."


@dataclass(frozen=True)
class TokenGrant:
    """What a token may do: ``browse`` / ``edit`` are project keys (None = every project).
    Editing needs browsing too. ``display_name`` is who the token is (``myself``, changelog)."""

    browse: frozenset[str] | None = None
    edit: frozenset[str] | None = None
    display_name: str = "Restricted User"

    def can_browse(self, project: str) -> bool:
        return self.browse is None or project in self.browse

    def can_edit(self, project: str) -> bool:
        return self.can_browse(project) and (self.edit is None or project in self.edit)


@dataclass(frozen=True)
class Settings:
    store: JiraStore
    stats: Stats
    email: str
    token: str
    flavor: Flavor
    restricted: Mapping[str, TokenGrant] = field(default_factory=dict)


@dataclass
class Ctx:
    """One authenticated request."""

    request: Request
    settings: Settings
    grant: TokenGrant
    version: str
    render: Renderer
    body: Any
    wrote: bool = False

    @property
    def store(self) -> JiraStore:
        return self.settings.store

    @property
    def query(self) -> Any:
        return self.request.query_params

    def visible_issue(self, ref: str) -> JiraIssue:
        """The issue ``ref`` if the caller may browse it, else Jira's 404."""
        issue = self.store.find(ref)
        if issue is None or not self.grant.can_browse(issue.project):
            raise JiraApiError(404, [NOT_VISIBLE])
        return issue

    def lookup(self, ref: str) -> JiraIssue | None:
        issue = self.store.find(ref)
        return issue if issue is not None and self.grant.can_browse(issue.project) else None

    def int_param(self, name: str, default: int, source: Mapping[str, Any] | None = None) -> int:
        raw = (source if source is not None else self.query).get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise JiraApiError(400, [f"The '{name}' parameter must be an integer."]) from None
        if value < 0:
            raise JiraApiError(400, [f"The '{name}' parameter must not be negative."])
        return value


Handler = Callable[..., Response]


def json_response(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status, headers=rate_limit_headers())


def _authenticate(request: Request, settings: Settings) -> TokenGrant | None:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    owner = TokenGrant(display_name=settings.store.catalog.user["displayName"])
    if scheme.lower() == "basic":
        try:
            email, _, token = base64.b64decode(credential).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if hmac.compare_digest(token, settings.token) and email.lower() == settings.email.lower():
            return owner
        return settings.restricted.get(token)
    if scheme.lower() == "bearer":
        if hmac.compare_digest(credential, settings.token):
            return owner
        return settings.restricted.get(credential)
    return None


async def _read_body(request: Request) -> Any:
    if request.method not in ("POST", "PUT"):
        return None
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise JiraApiError(400, ["Unexpected character in the request body: it is not valid JSON."]) from None


def make_endpoint(
    settings: Settings,
    handler: Handler,
    *,
    flavors: tuple[Flavor, ...] = ("cloud", "datacenter"),
    anonymous: bool = False,
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap ``handler(ctx, **path_params)`` with version checks, auth, JSON, errors and stats."""

    async def endpoint(request: Request) -> Response:
        version = request.path_params.get("version", "2")
        allowed = ("2", "latest", "3") if settings.flavor == "cloud" else ("2", "latest")
        if version not in allowed or settings.flavor not in flavors:
            return jira_error_response(404, ["null for uri: " + str(request.url.path)])
        grant = _authenticate(request, settings)
        if grant is None and not (anonymous and "authorization" not in request.headers):
            return jira_error_response(401, [UNAUTHORIZED])
        base = str(request.base_url).rstrip("/")
        ctx = Ctx(
            request,
            settings,
            grant or TokenGrant(browse=frozenset(), edit=frozenset()),
            version,
            Renderer(settings.store.catalog, base, version),
            None,
        )
        params = {k: v for k, v in request.path_params.items() if k != "version"}
        try:
            ctx.body = await _read_body(request)
            with settings.store.lock:
                response = handler(ctx, **params)
        except JiraApiError as error:
            response = error.response()
        if grant is not None:
            settings.stats.count("jira", write=ctx.wrote)
        return response

    return endpoint
