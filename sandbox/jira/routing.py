"""The Jira emulator's hooks in the shared request framework (:mod:`roadsync.sandbox.http`):
:class:`JiraSite` (API versions and flavours, authentication, JSON bodies, Jira-shaped errors),
token grants and the per-request context the handlers get."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from roadsync.sandbox.common import Stats
from roadsync.sandbox.http import Exchange

from .errors import JiraApiError, jira_error_response, rate_limit_headers
from .model import Flavor, JiraIssue
from .render import Renderer
from .store import JiraStore

__all__ = [
    "CLOUD_ONLY",
    "DATACENTER_ONLY",
    "Ctx",
    "Handler",
    "JiraSite",
    "Settings",
    "TokenGrant",
    "json_response",
    "owner_grant",
]

NOT_VISIBLE = "Issue does not exist or you do not have permission to see it."
FLAVORS: tuple[Flavor, ...] = ("cloud", "datacenter")
CLOUD_ONLY: Mapping[str, Any] = {"flavors": ("cloud",)}  # route options
DATACENTER_ONLY: Mapping[str, Any] = {"flavors": ("datacenter",)}
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
    bulk_change: bool | None = None
    """The global Bulk change permission (``BULK_CHANGE``); None: held by a site admin and by a
    token that may browse every project (the fixture's bot), as before it could be set."""

    def can_browse(self, project: str) -> bool:
        return self.browse is None or project in self.browse

    def can_edit(self, project: str) -> bool:
        return self.can_browse(project) and (self.edit is None or project in self.edit)

    def can_bulk_change(self) -> bool:
        """The global Bulk change permission: what every ``/bulk`` endpoint needs (getBulkEditableFields,
        submitBulkEdit, getBulkOperationProgress in the Cloud v3 OpenAPI)."""
        return self.bulk_change if self.bulk_change is not None else self.site_admin or self.browse is None

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


def _read_body(method: str, raw: bytes) -> Any:
    if method not in ("POST", "PUT"):
        return None
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise JiraApiError(400, ["Unexpected character in the request body: it is not valid JSON."]) from None


class JiraSite:
    """Jira's hooks for :func:`roadsync.sandbox.http.endpoint`. Route options: ``flavors`` (the
    flavours that serve it; default both), ``anonymous`` (callers without credentials are served)."""

    tracker = "jira"
    errors: tuple[type[Exception], ...] = (JiraApiError,)

    def __init__(self, settings: Settings) -> None:
        self.settings, self.stats = settings, settings.stats

    def screen(self, exchange: Exchange) -> Response | None:
        """Jira's 404 for an API version or an endpoint the site's flavour does not have."""
        settings, request = self.settings, exchange.request
        version = request.path_params.get("version", "2")
        allowed = ("2", "latest", "3") if settings.flavor == "cloud" else ("2", "latest")
        if version in allowed and settings.flavor in exchange.route.options.get("flavors", FLAVORS):
            return None
        return jira_error_response(404, ["null for uri: " + str(request.url.path)])

    def authenticate(self, exchange: Exchange) -> Response | None:
        exchange.grant = _authenticate(exchange.request, self.settings)
        anonymous = exchange.route.options.get("anonymous", False)
        if exchange.grant is None and not (anonymous and "authorization" not in exchange.request.headers):
            return _refused(exchange.request, self.settings)
        return None

    def admit(self, exchange: Exchange) -> Response | None:
        return None

    def call(self, exchange: Exchange) -> Response:
        """``handler(ctx, **path_params)`` under the store's lock; ``ctx.wrote`` says it wrote."""
        request, settings = exchange.request, self.settings
        version = request.path_params.get("version", "2")
        base = str(request.base_url).rstrip("/")
        grant = exchange.grant or TokenGrant(browse=frozenset(), edit=frozenset())
        ctx = Ctx(request, settings, grant, version, Renderer(settings.store.catalog, base, version), None)
        params = {k: v for k, v in request.path_params.items() if k != "version"}
        try:
            ctx.body = _read_body(request.method, exchange.raw)
            with settings.store.lock:
                response: Response = exchange.route.handler(ctx, **params)
        finally:
            exchange.wrote = ctx.wrote
        return response

    def render_error(self, exchange: Exchange, error: Exception) -> Response:
        assert isinstance(error, JiraApiError)
        return error.response()
