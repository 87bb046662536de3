"""The GitHub connection: PyGithub's requester for REST, httpx for GraphQL, one retry owner.

:class:`GithubClient` is the only place that talks to GitHub. It

- builds ``Github(auth=Auth.Token(token), per_page=100, retry=None, seconds_between_requests=None,
  seconds_between_writes=None)``: PyGithub's own retries and client-side pacing are off on purpose;
  retries belong to :func:`roadsync.connectors.retry.call_with_retry`, and write pacing to
  :meth:`GithubClient.pace_write` (``GithubConfig.seconds_between_writes``, GitHub's secondary-limit
  guidance of at least 1 s between mutating requests), and keeps under the documented secondary
  limits (2,000 GraphQL points a minute, 80/500 content-creating requests a minute/hour) through
  the account's :class:`~roadsync.connectors.github.pacing.Pacer`;
- sends REST requests through ``gh.requester.requestJson`` (raw status, headers and JSON; no PyGithub
  objects, which do hidden I/O on attribute access) and GraphQL through an ``httpx.Client``;
- never follows a redirect (:mod:`~roadsync.connectors.github.redirects`): a renamed repository
  stops with one line naming its new name, a transferred issue is gone from where it was, and no
  write answered with a 3xx counts as applied;
- authenticates with a token or as a GitHub App installation
  (:mod:`~roadsync.connectors.github.auth`), REST and GraphQL sharing one live token;
- treats GraphQL's untyped errors (HTTP 200 or 502 with ``errors[]`` but no ``type``: "Something
  went wrong while executing your query…", timeouts) as transient, retried like a 502
  [research github.md §6; the same rule as ``@octokit/plugin-retry``];
- counts every HTTP request (``requests``, ``reads``, ``writes``; retried attempts count too) in one
  :class:`~roadsync.connectors.transport.RequestCounter`, with TLS, timeout and user agent from one
  :class:`~roadsync.connectors.transport.Transport`;
- tracks the primary rate-limit budget per resource (``core``, ``graphql``) from the
  ``x-ratelimit-*`` headers and raises :class:`~roadsync.errors.BudgetExhausted` *before* a request
  when the remaining budget is under ``budget_reserve`` (until the reset time passes);
- turns every failure into a roadsync error through :func:`roadsync.connectors.retry.classify`: one
  line naming source ``github``, the repo or item, and the fix; never the token.

GitHub Enterprise: ``url = "https://ghe/api/v3"`` gives GraphQL at ``https://ghe/api/graphql``;
``GithubConfig.graphql_url`` overrides it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import requests
from github import Github

from roadsync.config.model import GithubConfig
from roadsync.connectors.github.auth import GithubAuth, LiveToken, pygithub_auth
from roadsync.connectors.github.budget import Budget
from roadsync.connectors.github.graphql_errors import graphql_error, is_untyped
from roadsync.connectors.github.pacing import (
    DOCUMENTED,
    MUTATION_POINTS,
    QUERY_POINTS,
    SecondaryLimits,
    pacer_for,
)
from roadsync.connectors.github.redirects import Connections, Redirected, moved_target
from roadsync.connectors.retry import DROPPED_CONNECTION, RetryPolicy, call_with_retry, classify, tls_failure
from roadsync.connectors.transport import RequestCounter, Transport
from roadsync.errors import (
    BudgetExhausted,
    NotFoundError,
    RateLimited,
    RemoteRefused,
    TrackerError,
    TransientError,
    scrub,
)

__all__ = ["NOT_FOUND_TRIES", "GithubClient", "GraphqlResult", "Response", "graphql_url_for"]

NOT_FOUND_TRIES = 3
"""How many times :meth:`GithubClient.graphql_known` asks while GitHub answers ``NOT_FOUND``."""

SOURCE = "github"
_TRANSPORT_ERRORS: tuple[type[Exception], ...] = (requests.Timeout, *DROPPED_CONNECTION)
_HINTS: Mapping[int, str] = {
    403: "the GitHub token lacks access; grant it repo/issues (and project) permissions",
    404: "check the name in the config, and that the token can see it",
}


def token_hint(config: GithubConfig) -> str:
    """What to check after a 401, naming where this config reads its credentials from.

    Mirrors the Jira client's hint (``$JIRA_TOKEN`` rather than the config key): the variable or
    file the user actually filled in, never the token itself."""
    if config.app is not None:
        return "check the GitHub App credentials in github.app (app_id, installation_id, private key)"
    if config.token_file:
        return "check the GitHub token in the file github.token_file names"
    return f"check the GitHub token in ${config.token_env}"


def graphql_url_for(base_url: str) -> str:
    """The GraphQL endpoint for a REST base URL: ``…/api/v3`` -> ``…/api/graphql``, else ``…/graphql``."""
    base = base_url.rstrip("/")
    if base.endswith("/v3"):
        base = base[: -len("/v3")]
    return f"{base}/graphql"


@dataclass(frozen=True)
class Response:
    """One REST answer: status, lower-cased headers and the decoded JSON (``None`` when empty)."""

    status: int
    headers: Mapping[str, str]
    data: Any


@dataclass(frozen=True)
class GraphqlResult:
    """A GraphQL answer with HTTP 200: ``data`` (may be partial) and the ``errors`` list."""

    data: Mapping[str, Any]
    errors: list[Mapping[str, Any]]


class GithubClient:
    """Counted, budgeted, retried REST and GraphQL calls to one GitHub (or GHE) instance."""

    def __init__(
        self,
        config: GithubConfig,
        token: GithubAuth,
        *,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        budget_reserve: int = 100,
        seconds_between_writes: float | None = None,
        limits: SecondaryLimits = DOCUMENTED,
    ) -> None:
        self.base_url = config.url.rstrip("/")
        self.graphql_url = config.graphql_url or graphql_url_for(self.base_url)
        self.policy = retry or RetryPolicy()
        self.budget = Budget(budget_reserve)
        self.seconds_between_writes = (
            config.seconds_between_writes if seconds_between_writes is None else seconds_between_writes
        )
        self.counter = RequestCounter()
        self.barrier: Callable[[], None] = _nothing
        """Called before every mutating request is sent (REST other than GET, GraphQL mutations):
        apply makes the journal's intents durable there (``Writer.guard``)."""
        self._last_write = 0.0
        self.pacer = pacer_for(self.graphql_url, limits)
        transport = Transport(verify, config.timeout_s)
        options = transport.pygithub_options()
        # an installation token minted (once an hour) is one request PyGithub sends on its own
        self._hints = {**_HINTS, 401: token_hint(config)}
        self.auth = pygithub_auth(token, on_mint=lambda: self.counter.count(write=False))
        self._gh = Github(
            auth=self.auth,
            base_url=self.base_url,
            per_page=100,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,  # paced by pace_write(), which knows our config
            **options,
        )
        self._connections = Connections(self.base_url, timeout=options["timeout"], verify=verify)
        self._http = transport.httpx_client(self.counter, {"Accept": "application/json"})
        self._http.auth = LiveToken(self.auth)

    def close(self) -> None:
        self._http.close()
        self._connections.close()
        self._gh.close()

    # -- counting and pacing -------------------------------------------------------------------

    @property
    def requests(self) -> int:
        """HTTP requests sent (REST and GraphQL, retries and 304s included)."""
        return self.counter.total

    @property
    def reads(self) -> int:
        return self.counter.reads

    @property
    def writes(self) -> int:
        return self.counter.writes

    def pace_write(self) -> None:
        """Sleep so that mutating requests are at least ``seconds_between_writes`` apart."""
        wait = self._last_write + self.seconds_between_writes - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_write = time.monotonic()

    # -- REST ----------------------------------------------------------------------------------

    def rest(
        self,
        verb: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        item: str | None = None,
        accept: tuple[int, ...] = (),
    ) -> Response:
        """Send one REST request (retried when transient); statuses >= 400 not in ``accept`` raise.

        ``url`` is a path under the base URL (``/repos/o/r/issues``) or an absolute URL on the same
        host (a ``link`` header's next URL).
        """
        self._check_same_host(url)
        return call_with_retry(
            lambda: self._rest_once(verb, url, params, body, headers, item, accept), self.policy
        )

    def _rest_once(
        self,
        verb: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
        item: str | None,
        accept: tuple[int, ...],
    ) -> Response:
        self.budget.check("core", item=item)
        write = verb != "GET"
        if write:
            self.barrier()
            self.pace_write()
            self.pacer.take(content=True)
        # PyGithub's requester has no response hook: each requestJson call is one HTTP request
        # (its retries are off), so it is counted here, at the one call site.
        self.counter.count(write=write)
        try:
            status, raw_headers, text = self._gh.requester.requestJson(
                verb, url, dict(params or {}), dict(headers or {}), body, cnx=self._connections.get()
            )
        except Redirected as moved:
            raise self._moved(moved, verb, url, item) from None
        except _TRANSPORT_ERRORS as exc:
            raise tls_failure(exc, self.base_url, source=SOURCE) or TransientError(
                f"cannot reach GitHub at {self.base_url}: {type(exc).__name__}",
                source=SOURCE,
                item=item,
                hint="check github.url and the network",
            ) from None
        response_headers = {str(k).lower(): str(v) for k, v in raw_headers.items()}
        self.budget.update(response_headers, "core")
        data = _decode(text)
        if status >= 400 and status not in accept:
            raise self._error(status, data, response_headers, item)
        return Response(status, response_headers, data)

    def _moved(self, moved: Redirected, verb: str, url: str, item: str | None) -> TrackerError:
        """The error for a redirect: what moved where, and that nothing was written."""
        target = moved_target(moved.location)
        asked = _repo_of(url)
        if target is not None and target[0] == "issue":
            where = f"{target[1]}#{target[2]}"
            return NotFoundError(f"GitHub issue {item or url} was transferred to {where}", source=SOURCE,
                                 item=item, status=moved.status, hint="it is read under its new key")
        if target is not None and target[0] == "repository":
            new = self._repository_name(int(target[1]), item)
            return RemoteRefused(
                f"GitHub repository {asked or url} was renamed or moved to {new}; nothing was "
                f"{'read' if verb == 'GET' else 'written'} there", source=SOURCE, item=item,
                status=moved.status, hint=f'put "{new}" in github.repos instead of "{asked}"')
        return RemoteRefused(f"GitHub answered HTTP {moved.status} (a redirect roadsync does not follow)",
                             source=SOURCE, item=item, status=moved.status, hint="check github.url")

    def _repository_name(self, repo_id: int, item: str | None) -> str:
        try:
            found = self.rest("GET", f"/repositories/{repo_id}", item=item)
        except TrackerError:
            return f"repository id {repo_id}"
        data = found.data if isinstance(found.data, dict) else {}
        return str(data.get("full_name") or f"repository id {repo_id}")

    def _check_same_host(self, url: str) -> None:
        if url.startswith("/"):
            return
        base = httpx.URL(self.base_url)
        target = httpx.URL(url)
        if (target.host, target.port) != (base.host, base.port):
            raise RemoteRefused(
                f"GitHub pointed to another host ({target.host})",
                source=SOURCE,
                hint="check github.url; roadsync only follows links on the configured host",
            )

    def _error(self, status: int, data: Any, headers: Mapping[str, str], item: str | None) -> TrackerError:
        message = data.get("message", "") if isinstance(data, dict) else ""
        error = classify(
            status,
            f"GitHub answered {message or 'an error'}",
            source=SOURCE,
            headers=headers,
            item=item,
            hint=self._hints.get(status),
        )
        return self._budget_if_long_wait(error, headers, item)

    def _budget_if_long_wait(
        self, error: TrackerError, headers: Mapping[str, str], item: str | None
    ) -> TrackerError:
        # A spent primary budget that refills later than the retry policy would wait is not worth
        # sleeping for: stop cleanly (exit 4) and let the next run resume.
        if not isinstance(error, RateLimited) or headers.get("x-ratelimit-remaining") != "0":
            return error
        if error.reset_at is not None and error.reset_at - time.time() > self.policy.max_wait_s:
            when = time.strftime("%H:%M UTC", time.gmtime(error.reset_at))
            return BudgetExhausted(
                "GitHub rate limit spent", source=SOURCE, item=item, hint=f"rerun after the reset at {when}"
            )
        return error

    # -- GraphQL -------------------------------------------------------------------------------

    def graphql(
        self, query: str, variables: Mapping[str, Any], *, item: str | None = None, partial: bool = False
    ) -> GraphqlResult:
        """POST one GraphQL document (retried when transient) and return data plus errors.

        Failures raise: HTTP errors, and any ``errors[]`` (classified by the first error's ``type``:
        ``RATE_LIMITED``, ``NOT_FOUND``, ``FORBIDDEN``...). With ``partial=True`` errors next to
        some data (one aliased mutation of several failed) come back for the caller to map by
        ``path``; only errors that leave no data raise. An untyped error (:func:`is_untyped`) is
        transient even next to data, since nothing in such an answer can be trusted: the document
        is sent again. Every mutation roadsync sends is idempotent (it sets absolute values, and
        adding an item already on the board returns that item), so sending one again is safe.
        """
        return call_with_retry(lambda: self._graphql_once(query, variables, item, partial), self.policy)

    def graphql_known(
        self, query: str, variables: Mapping[str, Any], *, item: str | None = None, partial: bool = False
    ) -> GraphqlResult:
        """:meth:`graphql` for ids known to exist (just read, or just written): a whole-answer
        ``NOT_FOUND`` is asked again, up to :data:`NOT_FOUND_TRIES` times, before it raises.

        One ``NOT_FOUND`` ("Could not resolve to a node with the global id of ...", ``data:
        null``) for an id this run just read proves little: the same answer comes for a token
        that momentarily cannot see the node and for a replica not yet holding it, and a missing
        node cannot be told from those by its answer (the sandbox's ``graphql_error_rate`` fault
        with ``NOT_FOUND`` plays it; tests/reliability/test_faults_matrix.py). Raises
        :class:`~roadsync.errors.NotFoundError` when every try said so."""
        for _ in range(NOT_FOUND_TRIES - 1):
            try:
                return self.graphql(query, variables, item=item, partial=partial)
            except NotFoundError:
                continue
        return self.graphql(query, variables, item=item, partial=partial)  # the last try raises

    def _graphql_once(
        self, query: str, variables: Mapping[str, Any], item: str | None, partial: bool
    ) -> GraphqlResult:
        self.budget.check("graphql", item=item)
        mutation = query.lstrip().startswith("mutation")
        if mutation:
            self.barrier()
            self.pace_write()
        self.pacer.take(points=MUTATION_POINTS if mutation else QUERY_POINTS, content=mutation)
        try:
            response = self._http.post(self.graphql_url, json={"query": query, "variables": dict(variables)})
        except httpx.TransportError as exc:
            raise tls_failure(exc, self.graphql_url, source=SOURCE) or TransientError(
                f"cannot reach GitHub GraphQL at {self.graphql_url}: {type(exc).__name__}",
                source=SOURCE,
                item=item,
                hint="check github.url / github.graphql_url and the network",
            ) from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        self.budget.update(headers, "graphql")
        payload = _decode(response.text)
        if response.status_code >= 400:
            raise self._error(response.status_code, payload, headers, item)
        if not isinstance(payload, dict):
            raise RemoteRefused("GitHub GraphQL answered without JSON", source=SOURCE, item=item)
        data = payload.get("data") or {}
        errors = list(payload.get("errors") or [])
        untyped = next((e for e in errors if is_untyped(e)), None)
        if untyped is not None:
            raise TransientError(scrub(f"GitHub GraphQL: {untyped.get('message')}"), source=SOURCE, item=item,
                                 status=response.status_code, hint="GitHub's own failure; retried")
        if errors and (not partial or not data or all(v is None for v in data.values())):
            raise self._budget_if_long_wait(graphql_error(errors[0], headers, item), headers, item)
        return GraphqlResult(data, errors)


def _decode(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _repo_of(url: str) -> str | None:
    """``owner/repo`` of a ``/repos/owner/repo/…`` URL or path, else None."""
    found = re.search(r"/repos/([^/?#]+/[^/?#]+)", url)
    return found[1] if found else None


def _nothing() -> None:
    """The barrier of a client no apply guards (reader, doctor, tests of the client alone)."""
