"""How roadsync authenticates to GitHub: a token, or a GitHub App installation.

A token (PAT, fine-grained, or the Action's ``GITHUB_TOKEN``) is sent as is. A GitHub App
(:class:`AppCredentials`: app id or client id, private key, installation id) signs a JWT and trades
it for an installation token that lasts an hour [docs: "Authenticating as a GitHub App
installation", https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation].
PyGithub's own classes do both halves (``Auth.AppAuth`` signs RS256 JWTs with PyJWT;
``Auth.AppInstallationAuth`` mints the token and mints a new one 20 s before it expires), so REST
requests always carry a live token; the GraphQL client (httpx) asks the same object for the token on
every request (:class:`LiveToken`), so both share one token and one refresh.

Secrets: the private key and every installation token are registered with
:func:`roadsync.errors.register_secret` the moment roadsync holds them, so no message, log, report
or state file can carry them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass

import httpx
from github import Auth

from roadsync.config.model import AppCredentials
from roadsync.errors import AuthError, register_secret, scrub

__all__ = ["AppCredentials", "AppIdentity", "GithubAuth", "LiveToken", "app_identity", "pygithub_auth"]


GithubAuth = str | AppCredentials


class _CountedInstallationAuth(Auth.AppInstallationAuth):
    """PyGithub's installation auth that registers each token it mints and reports the mint."""

    def __init__(self, app: Auth.AppAuth, installation_id: int, on_mint: Callable[[], None]) -> None:
        super().__init__(app, installation_id)
        self._on_mint = on_mint
        self._lock = threading.Lock()
        self._last: str | None = None

    @property
    def token(self) -> str:
        with self._lock:  # PyGithub refreshes without a lock: threads would each mint one
            value = str(super().token)
            if value != self._last:
                register_secret(value)
                self._last = value
                self._on_mint()
            return value


def pygithub_auth(credentials: GithubAuth, on_mint: Callable[[], None] = lambda: None) -> Auth.Auth:
    """The PyGithub auth object for ``credentials``; ``on_mint`` runs for each installation token."""
    if isinstance(credentials, str):
        register_secret(credentials)
        return Auth.Token(credentials)
    register_secret(credentials.private_key)
    app_id: int | str = int(credentials.app_id) if credentials.app_id.isdigit() else credentials.app_id
    return _CountedInstallationAuth(Auth.AppAuth(app_id, credentials.private_key),
                                    credentials.installation_id, on_mint)


class LiveToken(httpx.Auth):
    """httpx auth that reads the current token from PyGithub's auth object on every request."""

    def __init__(self, auth: Auth.Auth) -> None:
        self._auth = auth

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"bearer {self._auth.token}"
        yield request


@dataclass(frozen=True)
class AppIdentity:
    """Who a GitHub App is (``GET /app``) and what its installation token may do."""

    name: str
    slug: str
    permissions: dict[str, str]
    repository_selection: str

    @property
    def bot(self) -> str:
        """The account its writes carry in issue history."""
        return f"{self.slug}[bot]"


def app_identity(
    base_url: str, credentials: AppCredentials, *, verify: bool | str, timeout: int
) -> AppIdentity:
    """``GET /app`` with the App's JWT, then one installation token (its permissions); a refused JWT or
    installation raises :class:`~roadsync.errors.AuthError` with GitHub's message, one line."""
    from github import GithubException, GithubIntegration

    register_secret(credentials.private_key)
    app_id: int | str = int(credentials.app_id) if credentials.app_id.isdigit() else credentials.app_id
    integration = GithubIntegration(auth=Auth.AppAuth(app_id, credentials.private_key), base_url=base_url,
                                    verify=verify, timeout=timeout, retry=None,
                                    seconds_between_requests=None, seconds_between_writes=None)
    try:
        app = integration.get_app()
        token = integration.get_access_token(credentials.installation_id)
    except GithubException as exc:
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        raise AuthError(scrub(f"GitHub refused the App (HTTP {exc.status}): {message or 'no message'}"),
                        source="github", status=exc.status,
                        hint="check github.app.app_id, installation_id and the private key") from None
    finally:
        integration.close()
    register_secret(token.token)
    return AppIdentity(str(app.name), str(app.slug), dict(token.permissions or {}),
                       str(token.repository_selection or "unknown"))
