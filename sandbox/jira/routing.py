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
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from roadsync.sandbox.common import Stats

from .errors import JiraApiError, jira_error_response, rate_limit_headers
from .model import Flavor, JiraIssue
from .render import Renderer
from .store import JiraStore

__all__ = ["Ctx", "Handler", "Settings", "TokenGrant", "json_response", "make_endpoint", "owner_grant"]

NOT_VISIBLE = "Issue does not exist or you do not have permission to see it."
UNAUTHORIZED = "You are not authenticated. Authentication required to perform this operation."


@dataclass(frozen=True)
class TokenGrant:
    """What a token may do: ``browse`` / ``edit`` / ``project_admin`` are project keys (None =
    every project); ``site_admin`` is Administer Jira. Editing needs browsing too, and so does
    administering a project. ``display_name`` is who the token is (``myself``, changelog);
    ``email``, when set, must match the user name of a Basic login."""

    browse: frozenset[str] | None = None
    edit: frozenset[str] | None = None
    display_name: str = "Restricted User"
    project_admin: frozenset[str] | None = frozenset()
    site_admin: bool = False
    email: str | None = None

    def can_browse(self, project: str) -> bool:
        return self.browse is None or project in self.browse

    def can_edit(self, project: str) -> bool:
        return self.can_browse(project) and (self.edit is None or project in self.edit)

    def can_administer(self, project: str) -> bool:
        """Administer Jira, or Administer Projects for ``project``: what ``notifyUsers=false``
        and the scheme endpoints need (research/jira.md §6)."""
        in_project = self.project_admin is None or project in self.project_admin
        return self.site_admin or (self.can_browse(project) and in_project)


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


def owner_grant(settings: Settings) -> TokenGrant:
    """The grant of the sandbox's own token (the bot account of the fixture)."""
    site_admin, project_admin = settings.store.catalog.bot_admin
    return TokenGrant(
        display_name=settings.store.catalog.user["displayName"],
        project_admin=None if project_admin else frozenset(),
        site_admin=site_admin,
    )


def _authenticate(request: Request, settings: Settings) -> TokenGrant | None:
    """The grant of the request's credentials, or None (401).

    Data Center personal access tokens work only as ``Authorization: Bearer``; sent as a Basic
    password they are refused with 401 (research/jira.md §7: cosmix/jira-mcp#46, checkmarx
    cx-flow#878, pycontribs/jira#1627). The sandbox has no DC passwords, so every Basic login on
    Data Center fails. On Cloud an API token goes with the account's email over Basic."""
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() == "basic":
        if settings.flavor == "datacenter":
            return None
        try:
            email, _, token = base64.b64decode(credential).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if hmac.compare_digest(token, settings.token) and email.lower() == settings.email.lower():
            return owner_grant(settings)
        grant = settings.restricted.get(token)
        if grant is not None and grant.email is not None and grant.email.lower() != email.lower():
            return None
        return grant
    if scheme.lower() == "bearer":
        if hmac.compare_digest(credential, settings.token):
            return owner_grant(settings)
        return settings.restricted.get(credential)
    return None


def _refused(request: Request, settings: Settings) -> Response:
    """401 for bad credentials. Data Center's Seraph names the failed login in headers
    (``X-Seraph-LoginReason: AUTHENTICATED_FAILED``, ``X-AUSERNAME: anonymous``, an OAuth
    ``WWW-Authenticate``): research/jira.md §7."""
    if settings.flavor != "datacenter" or "authorization" not in request.headers:
        return jira_error_response(401, [UNAUTHORIZED])
    realm = quote(str(request.base_url).rstrip("/"), safe="")
    headers = {
        "X-Seraph-LoginReason": "AUTHENTICATED_FAILED",
        "X-AUSERNAME": "anonymous",
        "WWW-Authenticate": f'OAuth realm="{realm}"',
    }
    return jira_error_response(401, [UNAUTHORIZED], headers=headers)


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
            return _refused(request, settings)
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
