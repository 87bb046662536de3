"""The one place that builds the ``jira.JIRA`` client, counts its requests and converts its errors.

Readers and writers talk to Jira through :class:`JiraClient`: :meth:`JiraClient.get` and
:meth:`JiraClient.put` use the library's own session (auth, TLS, headers, timeout) for the
endpoints roadsync needs in raw JSON, retried by :func:`roadsync.connectors.retry.call_with_retry`
(the library's own retries are off). Every library or ``requests`` exception becomes one
:mod:`roadsync.errors` error that names the source, the project or item, and the fix; the
library's own error text (which prints request headers) never leaves this module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from roadsync.config.model import JiraConfig
from roadsync.connectors.jira.convert import Flavor
from roadsync.connectors.retry import DROPPED_CONNECTION, RetryPolicy, call_with_retry, classify, tls_failure
from roadsync.errors import (
    AuthError,
    BudgetExhausted,
    ConfigError,
    RateLimited,
    RemoteRefused,
    TrackerError,
    TransientError,
    register_secret,
    scrub,
)

__all__ = ["JiraClient", "RequestCounter", "error_message"]

T = TypeVar("T")
SOURCE = "jira"


@dataclass
class RequestCounter:
    """HTTP requests sent (retries included): GET/HEAD are reads, everything else writes.

    Safe across threads (a writer may send to different issues at once); :meth:`thread_writes`
    counts the calling thread's writes only, so a per-call delta stays exact under concurrency."""

    reads: int = 0
    writes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        write = (response.request.method or "GET").upper() not in ("GET", "HEAD")
        with self._lock:
            if write:
                self.writes += 1
            else:
                self.reads += 1
        if write:
            self._local.writes = self.thread_writes() + 1
        return response

    def thread_writes(self) -> int:
        return int(getattr(self._local, "writes", 0))


class JiraClient:
    """A connected Jira site: the library client, its flavour and API base, a request counter.

    Construction sends one request (``GET /rest/api/2/serverInfo``, which both flavours serve)
    to learn the flavour when ``config.flavor`` is ``auto``; a forced flavour sends none.
    """

    def __init__(
        self,
        config: JiraConfig,
        token: str,
        *,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
    ) -> None:
        register_secret(token)
        self.config = config
        self.retry = retry or RetryPolicy()
        self.counter = RequestCounter()
        self.site_url = config.url.rstrip("/")
        self.jira = _build_jira(config, token, verify)
        self.jira._session.hooks["response"].append(self.counter.hook)
        self.flavor: Flavor = self._detect_flavor()
        # Data Center has no /rest/api/3; the configured version applies to Cloud only.
        self.api_version = str(config.api_version) if self.flavor == "cloud" else "2"

    def close(self) -> None:
        """Close the library client's HTTP session (``JIRA.close``, idempotent)."""
        self.jira.close()  # type: ignore[no-untyped-call]  # jira ships no annotation for close()

    def api_url(self, path: str) -> str:
        return f"{self.site_url}/rest/api/{self.api_version}/{path.lstrip('/')}"

    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        scope: str | None = None,
        item: str | None = None,
    ) -> Any:
        """GET ``/rest/api/{v}/{path}`` and return its JSON, with retries and error conversion."""
        url = self.api_url(path)
        return self.call(lambda: self.jira._session.get(url, params=params).json(), scope=scope, item=item)

    def put(self, path: str, body: dict[str, Any], *, item: str | None = None) -> None:
        """PUT a JSON body (idempotent, so retried like a read)."""
        url = self.api_url(path)
        self.call(lambda: self.jira._session.put(url, json=body), item=item)

    def call(self, func: Callable[[], T], *, scope: str | None = None, item: str | None = None) -> T:
        """Run ``func`` with retries; a rate limit that outlasts the policy ends in BudgetExhausted."""

        def attempt() -> T:
            try:
                return func()
            except (JIRAError, requests.RequestException, ValueError) as exc:
                error = self.error(exc, scope=scope, item=item)
                if self.rate_limit_too_long(error):
                    raise self._budget_error(error) from None
                raise error from None

        try:
            return call_with_retry(attempt, self.retry)
        except RateLimited as exc:
            raise self._budget_error(exc) from None

    def error(self, exc: BaseException, *, scope: str | None = None, item: str | None = None) -> TrackerError:
        """The roadsync error for a library/``requests`` exception: one scrubbed line with the fix."""
        if isinstance(exc, JIRAError):
            return self._http_error(exc, scope=scope, item=item)
        tls = tls_failure(exc, self.site_url, source=SOURCE)
        if tls is not None:
            return tls
        if isinstance(exc, requests.Timeout):
            return TransientError(
                f"Jira did not answer within {self.config.timeout_s:g}s",
                source=SOURCE,
                item=item or scope,
                hint="retry later or raise jira.timeout_s",
            )
        if isinstance(exc, DROPPED_CONNECTION):
            return TransientError(
                f"cannot reach {self.site_url}",
                source=SOURCE,
                item=item or scope,
                hint="check jira.url / network",
            )
        return RemoteRefused(
            f"Jira sent an unreadable answer ({type(exc).__name__})",
            source=SOURCE,
            item=item or scope,
            hint=f"check that jira.url ({self.site_url}) is the Jira base URL",
        )

    def _http_error(self, exc: JIRAError, *, scope: str | None, item: str | None) -> TrackerError:
        status = int(exc.status_code or 0)
        response = exc.response if isinstance(exc.response, requests.Response) else None
        headers = dict(response.headers) if response is not None else {}
        message = error_message(response, status)
        if status == 409:  # a conflicting concurrent update: worth another try
            return TransientError(message, source=SOURCE, item=item or scope, status=status)
        if status == 401:
            token_hint = f"check the Jira token in ${self.config.token_env}"
            if self.config.auth == "basic":
                token_hint += " and jira.email"
            return AuthError(message, source=SOURCE, item=item or scope, status=status, hint=token_hint)
        if status == 410:
            return RemoteRefused(
                message,
                source=SOURCE,
                item=item or scope,
                status=status,
                hint='Jira Cloud removed this endpoint: set jira.flavor = "cloud" (or "auto")',
            )
        hint: str | None = None
        if status == 403:
            target = f"project {scope}" if scope else (item or "this Jira site")
            hint = f"the token cannot access {target}; check its permissions"
        return classify(status, message, source=SOURCE, headers=headers, item=item or scope, hint=hint)

    def _budget_error(self, exc: TrackerError) -> BudgetExhausted:
        return BudgetExhausted(
            "Jira rate limit budget spent",
            source=SOURCE,
            item=exc.item,
            status=exc.status,
            hint="stopping cleanly; what was fetched is kept and the next run resumes",
        )

    def rate_limit_too_long(self, exc: TrackerError) -> bool:
        """A rate limit whose advised wait is longer than the retry policy would ever wait."""
        if not isinstance(exc, RateLimited):
            return False
        wait = exc.retry_after
        if exc.reset_at is not None:
            wait = max(wait or 0.0, exc.reset_at - time.time())
        return wait is not None and wait > self.retry.max_wait_s

    def _detect_flavor(self) -> Flavor:
        if self.config.flavor != "auto":
            return self.config.flavor
        url = f"{self.site_url}/rest/api/2/serverInfo"
        info = self.call(lambda: self.jira._session.get(url).json())
        deployment = info.get("deploymentType") if isinstance(info, dict) else None
        # The library decides Cloud-only behaviour on this attribute; keep it in step.
        self.jira.deploymentType = deployment
        return "cloud" if deployment == "Cloud" else "datacenter"


def _build_jira(config: JiraConfig, token: str, verify: bool | str) -> JIRA:
    options = {"rest_api_version": str(config.api_version), "verify": verify}
    # get_server_info=False: the client sends serverInfo itself, so it is counted, retried by
    # the one retry owner, and its errors are converted like every other request's.
    common: dict[str, Any] = {
        "server": config.url.rstrip("/"),
        "options": options,
        "max_retries": 0,
        "get_server_info": False,
        "timeout": config.timeout_s,
    }
    if config.auth == "bearer":
        return JIRA(token_auth=token, **common)
    if not config.email:
        raise ConfigError('jira.email is required with jira.auth = "basic"', hint="set jira.email")
    return JIRA(basic_auth=(config.email, token), **common)


def error_message(response: requests.Response | None, status: int) -> str:
    """Jira's own words for a failed request (errorMessages, then field errors), scrubbed."""
    texts: list[str] = []
    if response is not None:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            texts += [str(m) for m in data.get("errorMessages") or ()]
            errors = data.get("errors")
            if isinstance(errors, dict):
                texts += [f"{k}: {v}" for k, v in errors.items()]
            for key in ("message", "errorMessage"):
                if not texts and data.get(key):
                    texts.append(str(data[key]))
    text = "; ".join(t for t in texts if t) or f"Jira answered HTTP {status}"
    return scrub(text)[:500]
