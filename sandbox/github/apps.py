"""GitHub App authentication in the emulator: JWTs it verifies, installation tokens it issues.

An App signs a JWT with its private key (RS256) and sends it as ``Authorization: Bearer <JWT>`` to
the ``/app`` endpoints [docs: "Generating a JSON Web Token (JWT) for a GitHub App",
github/docs ``…/generating-a-json-web-token-jwt-for-a-github-app.md``@1699753e]:

* ``iss`` is the app id (a number, or a string of it, as PyGithub sends) or its client id
  (``Iv…``, accepted since 2024-05-01 [docs: github.blog changelog 2024-05-01]);
* ``exp`` at most 10 minutes ahead, else 401 "'Expiration time' claim ('exp') is too far in the
  future" [community: octokit/auth-app.js#698, probot/probot#942]; a past ``exp`` answers 401
  "'Expiration time' claim ('exp') must be a numeric value representing the future time at which
  the assertion expires" [community: sigmavirus24/github3.py#1050];
* ``iat`` not in the future (60 s of clock drift allowed) [docs: "set this 60 seconds in the past"];
  the text of that refusal is not recorded publicly (unverified);
* a token that is not a JWT of a known app, or whose signature fails: 401 "A JSON web token could
  not be decoded" [community: many clients' fixtures, e.g. find_string hits in public test suites].

``POST /app/installations/{id}/access_tokens`` answers 201 ``{"token", "expires_at",
"permissions", "repository_selection"}`` [spec: ``apps/create-installation-access-token`` in
@octokit/openapi 23.0.2; research github.md §8]; the token (``ghs_…``, not always 40 characters)
lasts ``App.token_ttl_s`` (GitHub: one hour) and then answers 401 "Bad credentials". It acts as
``<slug>[bot]`` with write access to every repository and the organization's projects; its events
carry ``performed_via_github_app``. ``GET /app``, ``/app/installations``,
``/app/installations/{id}``, ``/repos/{o}/{r}/installation`` and ``/orgs/{org}/installation`` answer
the App's and the installation's JSON.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import jwt
from starlette.requests import Request
from starlette.responses import Response

from roadsync.sandbox.github.access import TokenGrant
from roadsync.sandbox.github.gateway import ApiError, Gateway, GithubSite
from roadsync.sandbox.github.model import App
from roadsync.sandbox.github.render import app_json, user_json
from roadsync.sandbox.http import Exchange, Route

__all__ = ["ROUTES", "AppSite", "verify_jwt"]

DOCS = "https://docs.github.com/rest"
UNDECODABLE = "A JSON web token could not be decoded"
EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
EXP_PAST = ("'Expiration time' claim ('exp') must be a numeric value representing the future time at "
            "which the assertion expires")
IAT_FUTURE = ("'Issued at' claim ('iat') must be an Integer representing the time that the assertion "
              "was issued")
MAX_JWT_LIFETIME_S = 600
CLOCK_DRIFT_S = 60


def verify_jwt(authorization: str, apps: list[App], now: float) -> App:
    """The App whose JWT ``authorization`` carries; :class:`ApiError` 401 with GitHub's text otherwise."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        raise ApiError(401, UNDECODABLE, docs=DOCS)
    try:
        claims = jwt.decode(token.strip(), options={"verify_signature": False})
    except jwt.PyJWTError:
        raise ApiError(401, UNDECODABLE, docs=DOCS) from None
    app = next((a for a in apps if str(claims.get("iss")) in (str(a.id), a.client_id)), None)
    if app is None:
        raise ApiError(401, UNDECODABLE, docs=DOCS)
    try:
        jwt.decode(token.strip(), app.public_key_pem, algorithms=["RS256"],
                   options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    except jwt.PyJWTError:
        raise ApiError(401, UNDECODABLE, docs=DOCS) from None
    _check_times(claims, now)
    return app


def _check_times(claims: dict[str, Any], now: float) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool) or iat > now + CLOCK_DRIFT_S:
        raise ApiError(401, IAT_FUTURE, docs=DOCS)
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= now:
        raise ApiError(401, EXP_PAST, docs=DOCS)
    if exp > now + MAX_JWT_LIFETIME_S:
        raise ApiError(401, EXP_TOO_FAR, docs=DOCS)


def installation_json(base: str, owner: str, app: App) -> dict[str, Any]:
    url = f"{base}/app/installations/{app.installation_id}"
    return {
        "id": app.installation_id, "client_id": app.client_id,
        "account": user_json(base, owner, kind="Organization"), "repository_selection": "all",
        "access_tokens_url": f"{url}/access_tokens", "repositories_url": f"{base}/installation/repositories",
        "html_url": f"{base}/organizations/{owner}/settings/installations/{app.installation_id}",
        "app_id": app.id, "app_slug": app.slug, "target_id": 1, "target_type": "Organization",
        "permissions": dict(app.permissions), "events": ["issues"], "created_at": app.created_at,
        "updated_at": app.created_at, "single_file_name": None, "has_multiple_single_files": False,
        "single_file_paths": [], "suspended_by": None, "suspended_at": None,
    }


AppHandler = Callable[[Gateway, App, Request, Any], tuple[int, Any]]


def _get_app(gateway: Gateway, app: App, request: Request, body: Any) -> tuple[int, Any]:
    return 200, app_json(_base(request), gateway.store.owner, app)


def _installations(gateway: Gateway, app: App, request: Request, body: Any) -> tuple[int, Any]:
    return 200, [installation_json(_base(request), gateway.store.owner, app)]


def _installation(gateway: Gateway, app: App, request: Request, body: Any) -> tuple[int, Any]:
    params = request.path_params
    known = (str(params.get("installation_id", app.installation_id)) == str(app.installation_id)
             and params.get("org", gateway.store.owner).lower() == gateway.store.owner.lower()
             and ("repo" not in params or gateway.store.repo(f"{params['owner']}/{params['repo']}")))
    if not known:
        raise ApiError(404, "Not Found", docs=DOCS)
    return 200, installation_json(_base(request), gateway.store.owner, app)


def _access_token(gateway: Gateway, app: App, request: Request, body: Any) -> tuple[int, Any]:
    """Mint an installation token (201); 422 when it asks for a permission the App lacks."""
    _installation(gateway, app, request, body)
    given = body if isinstance(body, dict) else {}
    wanted = given.get("permissions") or {}
    names = given.get("repositories")
    for perm, level in wanted.items():
        if app.permissions.get(perm) not in (level, "write"):
            raise ApiError(422, "The permissions requested are not granted to this installation.", docs=DOCS)
    repos = frozenset(f"{gateway.store.owner}/{n}" for n in names) if names else None
    expires = time.time() + app.token_ttl_s
    token = f"ghs_{secrets.token_urlsafe(30)}"
    gateway.grants[token] = TokenGrant(readable=repos, writable=repos, role="write", scopes=None,
                                       login=app.bot_login, app=app.slug, expires_at=expires)
    answer = {"token": token, "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
              "permissions": wanted or dict(app.permissions),
              "repository_selection": "selected" if names else "all"}
    return 201, answer


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


class AppSite(GithubSite):
    """The ``/app`` endpoints' hooks: the caller is an App proven by its JWT (no token, no rate-limit
    headers); a refused JWT is counted, as before the shared framework."""

    def authenticate(self, exchange: Exchange) -> Response | None:
        exchange.grant = APP_CALLER
        return None

    def admit(self, exchange: Exchange) -> Response | None:
        return None

    def call(self, exchange: Exchange) -> Response:
        gateway, request = self.gateway, exchange.request
        app = verify_jwt(request.headers.get("authorization", ""), gateway.store.apps, time.time())
        try:
            body = json.loads(exchange.raw) if exchange.raw else None
        except ValueError:
            raise ApiError(400, "Problems parsing JSON") from None
        with gateway.store.lock:
            status, answer = exchange.route.handler(gateway, app, request, body)
        return Response(json.dumps(answer), status_code=status, headers=gateway.headers(None, "core"),
                        media_type="application/json; charset=utf-8")

    def render_error(self, exchange: Exchange, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return self.gateway.error(error, None, "core")


APP_CALLER = "app"  # the grant of an /app request: who it is is the JWT's business (AppSite.call)
# The JWT-authenticated ``/app`` routes (they must come before the repository routes).
ROUTES: list[Route] = [
    Route("GET", "/app", _get_app),
    Route("GET", "/app/installations", _installations),
    Route("GET", "/app/installations/{installation_id}", _installation),
    Route("POST", "/app/installations/{installation_id}/access_tokens", _access_token),
    Route("GET", "/repos/{owner}/{repo}/installation", _installation),
    Route("GET", "/orgs/{org}/installation", _installation),
]
