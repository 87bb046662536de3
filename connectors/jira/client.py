"""The one place that builds the ``jira.JIRA`` client, counts its requests and converts its errors.

Readers and writers talk to Jira through :class:`JiraClient`: :meth:`JiraClient.get` and
:meth:`JiraClient.put` use the library's own session (auth, TLS, headers, timeout) for the
endpoints roadsync needs in raw JSON, retried by :func:`roadsync.connectors.retry.call_with_retry`
(the library's own retries are off). Every library or ``requests`` exception becomes one
:mod:`roadsync.errors` error that names the source, the project or item, and the fix; the
library's own error text (which prints request headers) never leaves this module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from roadsync.config.model import JiraConfig
from roadsync.connectors.jira.convert import Flavor
from roadsync.connectors.retry import DROPPED_CONNECTION, RetryPolicy, call_with_retry, classify, tls_failure
from roadsync.connectors.transport import RequestCounter, Transport
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

# RequestCounter: roadsync.connectors.transport
__all__ = ["FieldsRefused", "JiraClient", "RequestCounter", "error_message", "field_errors"]

T = TypeVar("T")
SOURCE = "jira"
_LOG = logging.getLogger("roadsync.connectors.jira")


class FieldsRefused(RemoteRefused):
    """A 400 whose ``errors`` name the fields Jira refused (``{field id: Jira's reason}``): an edit
    with any refused field applies nothing (research/jira.md §1, "Atomicity")."""

    def __init__(self, message: str, field_errors: Mapping[str, str], **kwargs: Any) -> None:
        self.field_errors = {str(k): scrub(str(v)) for k, v in field_errors.items()}
        super().__init__(message, **kwargs)


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
        self.barrier: Callable[[], None] = _nothing
        """Called before every request that changes the site is sent (apply makes the journal's
        intents durable there: :meth:`~roadsync.connectors.contracts.Writer.guard`)."""
        self.site_url = config.url.rstrip("/")
        self.jira = _build_jira(config, token, Transport(verify, config.timeout_s))
        # requests' public hook API, on the library's session: every response is counted once.
        self.session.hooks["response"].append(self.counter.requests_hook)
        self.flavor: Flavor = self._detect_flavor()
        # Data Center has no /rest/api/3; the configured version applies to Cloud only.
        self.api_version = str(config.api_version) if self.flavor == "cloud" else "2"

    @property
    def session(self) -> requests.Session:
        """The jira library's own ``requests`` session (auth, TLS, headers, timeout all set by it).

        The one place roadsync reaches into the library: jira 3.10 keeps its session in the
        private ``JIRA._session`` and offers no public accessor or way to pass a session in
        (pycontribs/jira ``jira/client.py``, ``JIRA.__init__``:
        ``self._session = ResilientSession(timeout=timeout)``; the public methods return
        Resource objects, which do hidden I/O and lack the response headers roadsync needs for
        rate limits). roadsync sends its raw JSON requests through this session so that
        authentication stays the library's. ``tests/connectors/test_transport.py`` checks that it
        is the session the library authenticates, counts and verifies with.
        """
        session: requests.Session = self.jira._session
        return session

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        scope: str | None = None,
        item: str | None = None,
    ) -> requests.Response:
        """One request to ``/rest/api/{v}/{path}`` (retried, errors converted); the raw response,
        for callers that need its headers (the doctor's rate-limit budget)."""
        url = self.api_url(path)
        response: requests.Response = self.call(
            lambda: self.session.request(method, url, params=params, json=body), scope=scope, item=item,
            write=method.upper() not in ("GET", "HEAD"),
        )
        return response

    def close(self) -> None:
        """Close the library client's HTTP session (``JIRA.close``, idempotent)."""
        self.jira.close()  # type: ignore[no-untyped-call]  # jira ships no annotation for close()

    def api_url(self, path: str, *, version: str | None = None) -> str:
        """``/rest/api/{v}/{path}``: the configured version unless ``version`` names one (Cloud-only
        endpoints documented under v3 alone, such as bulk edit)."""
        return f"{self.site_url}/rest/api/{version or self.api_version}/{path.lstrip('/')}"

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
        return self.call(lambda: self.session.get(url, params=params).json(), scope=scope, item=item)

    def put(
        self,
        path: str,
        body: dict[str, Any],
        *,
        item: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        """PUT a JSON body (idempotent, so retried like a read)."""
        url = self.api_url(path)
        self.call(lambda: self.session.put(url, json=body, params=params), item=item, write=True)

    def post_read(self, path: str, body: dict[str, Any], *, item: str | None = None) -> Any:
        """POST a JSON body to an endpoint that only reads (``issue/bulkfetch``,
        ``changelog/bulkfetch``: a POST because the request is long), retried like a read."""
        url = self.api_url(path)
        return self.call(lambda: self.session.post(url, json=body).json(), item=item)

    def call(
        self, func: Callable[[], T], *, scope: str | None = None, item: str | None = None, write: bool = False
    ) -> T:
        """Run ``func`` with retries; a rate limit that outlasts the policy ends in BudgetExhausted.
        ``write``: ``func`` changes the site, so :attr:`barrier` is called once before it is sent."""
        if write:
            self.barrier()

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
        _log_body(response, status)
        refused = field_errors(response) if status == 400 else {}
        if refused:
            return FieldsRefused(message, refused, source=SOURCE, item=item or scope, status=status)
        if status == 409:  # a conflicting concurrent update: worth another try
            return TransientError(message, source=SOURCE, item=item or scope, status=status)
        if status == 401:
            config = self.config
            where = "the file jira.token_file names" if config.token_file else f"${config.token_env}"
            token_hint = f"check the Jira token in {where}"
            if config.auth == "basic":
                token_hint += " and jira.email"
                # Data Center takes a personal access token only as Bearer (research/jira.md §7).
                if getattr(self, "flavor", config.flavor) != "cloud":
                    token_hint += '; on Data Center a personal access token needs jira.auth = "bearer"'
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
        info = self.call(lambda: self.session.get(url).json())
        deployment = info.get("deploymentType") if isinstance(info, dict) else None
        # The library decides Cloud-only behaviour on this attribute; keep it in step.
        self.jira.deploymentType = deployment
        return "cloud" if deployment == "Cloud" else "datacenter"


def _build_jira(config: JiraConfig, token: str, transport: Transport) -> JIRA:
    options = transport.jira_options(rest_api_version=str(config.api_version))
    # get_server_info=False: the client sends serverInfo itself, so it is counted, retried by
    # the one retry owner, and its errors are converted like every other request's.
    common: dict[str, Any] = {
        "server": config.url.rstrip("/"),
        "options": options,
        "max_retries": 0,
        "get_server_info": False,
        "timeout": transport.timeout_s,
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
            if isinstance(errors, list):  # the bulk endpoints' {"errors": [{"message"}]}
                texts += [str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")]
            for key in ("message", "errorMessage"):
                if not texts and data.get(key):
                    texts.append(str(data[key]))
    text = "; ".join(t for t in texts if t) or f"Jira answered HTTP {status}"
    return scrub(text)[:500]


def field_errors(response: requests.Response | None) -> dict[str, str]:
    """The ``errors`` map of a Jira ErrorCollection body (field id -> reason), ``{}`` if none."""
    try:
        data = response.json() if response is not None else None
    except ValueError:
        return {}
    errors = data.get("errors") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}


def _log_body(response: requests.Response | None, status: int) -> None:
    """``--debug``: the refused request and Jira's whole answer, tokens scrubbed by the log format."""
    if response is None or not _LOG.isEnabledFor(logging.DEBUG):
        return
    request = response.request
    path = (request.path_url if request is not None else "").split("?")[0]
    kv = {"status": status, "method": request.method if request is not None else "", "path": path,
          "body": scrub(response.text[:4000])}  # fmt: skip
    _LOG.debug("jira.response", extra={"kv": kv})


def _nothing() -> None:
    """The barrier of a client no apply guards (doctor, init, tests of the client alone)."""
