"""One transport setup for every HTTP stack roadsync drives: counting, TLS, timeouts, user agent.

roadsync talks to trackers through three libraries, each with its own HTTP stack: jira's
``requests`` session, PyGithub's requester (REST) and httpx (GitHub GraphQL). :class:`Transport`
holds what they must share and hands each library its settings through the library's public
options:

========================  =====================================================================
setting                   jira (requests)            PyGithub                  httpx
========================  =====================================================================
TLS (``run.ca_bundle``)   ``options["verify"]``      ``Github(verify=)``       ``Client(verify=)``
timeout                   ``JIRA(timeout=)``         ``Github(timeout=)``      ``Client(timeout=)``
user agent                ``options["headers"]``     ``Github(user_agent=)``   ``Client(headers=)``
request counting          a ``response`` hook        counted at the call       a ``request`` event
                          (requests' hook API)       (``GithubClient.rest``)   hook (httpx's API)
========================  =====================================================================

:class:`RequestCounter` is the one counter all three feed: reads (GET/HEAD, GraphQL queries)
and writes (everything else, GraphQL mutations), retries included, safe across threads.
"""

from __future__ import annotations

import functools
import json
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import requests

from roadsync import __version__

if TYPE_CHECKING:
    import ssl

__all__ = ["USER_AGENT", "RequestCounter", "Transport", "tls_context"]

USER_AGENT = f"roadsync/{__version__}"
"""What every request roadsync sends says it is (GitHub requires a User-Agent; both trackers'
admins see it in their audit logs)."""


READ_ONLY_POSTS = ("/search/jql", "/issue/bulkfetch", "/changelog/bulkfetch")
"""Jira endpoints that take a POST only because their request is long; they change nothing."""


@dataclass
class RequestCounter:
    """HTTP requests sent (retries included): GET/HEAD and GraphQL queries are reads, the rest writes.

    Safe across threads (a writer may send to different issues at once); :meth:`thread_writes`
    counts the calling thread's writes only, so a per-call delta stays exact under concurrency.
    """

    reads: int = 0
    writes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def total(self) -> int:
        return self.reads + self.writes

    def count(self, *, write: bool) -> None:
        """Count one request sent."""
        with self._lock:
            if write:
                self.writes += 1
            else:
                self.reads += 1
        if write:
            self._local.writes = self.thread_writes() + 1

    def thread_writes(self) -> int:
        return int(getattr(self._local, "writes", 0))

    def requests_hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """A ``requests`` response hook (``session.hooks["response"]``): one count per response.
        Jira's read-only POSTs (bulk fetches, a search too long for a URL) count as reads."""
        method = (response.request.method or "GET").upper()
        path = (response.request.path_url or "").split("?", 1)[0]
        self.count(write=method not in ("GET", "HEAD") and not path.endswith(READ_ONLY_POSTS))
        return response

    def graphql_hook(self, request: httpx.Request) -> None:
        """An httpx ``request`` event hook for a GraphQL endpoint: mutations count as writes."""
        try:
            query = str(json.loads(request.content).get("query", ""))
        except ValueError:
            query = ""
        self.count(write=query.lstrip().startswith("mutation"))


@dataclass(frozen=True)
class Transport:
    """TLS verification, timeout and user agent for one tracker's clients.

    ``verify`` is the CA bundle path (``run.ca_bundle``) or True for the default trust store;
    verification is never turned off. ``timeout_s`` applies to connect and read.
    """

    verify: bool | str = True
    timeout_s: float = 30.0
    user_agent: str = USER_AGENT

    def jira_options(self, **options: Any) -> dict[str, Any]:
        """``JIRA(options=...)``: TLS and the user agent (jira merges ``headers`` into its defaults)."""
        return {**options, "verify": self.verify, "headers": {"User-Agent": self.user_agent}}

    def pygithub_options(self) -> dict[str, Any]:
        """``Github(...)`` keyword arguments: TLS, timeout (whole seconds, at least 1), user agent."""
        timeout = max(1, math.ceil(self.timeout_s))
        return {"verify": self.verify, "timeout": timeout, "user_agent": self.user_agent}

    def httpx_client(self, counter: RequestCounter, headers: Mapping[str, str]) -> httpx.Client:
        """An httpx client for a GraphQL endpoint, counted by ``counter``."""
        return httpx.Client(
            headers={**headers, "User-Agent": self.user_agent},
            timeout=self.timeout_s,
            verify=tls_context(self.verify),
            event_hooks={"request": [counter.graphql_hook]},
        )


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """The TLS context httpx would build for ``verify`` (its ``create_ssl_context``, which honours
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``), built once per process and trust setting and shared by
    every httpx client: building one loads the whole CA bundle, tens of milliseconds of CPU before
    a run's first request, paid again by each GraphQL client (reader and writer). A context is
    meant to be shared: it "holds various data longer-lived than single SSL connections, such as
    SSL configuration options, certificate(s) and private key(s)" [docs:
    https://docs.python.org/3/library/ssl.html#ssl-contexts]."""
    return _tls_context(verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context(verify: bool | str, cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The environment is part of the key: httpx reads it when it builds the context.
    return httpx.create_ssl_context(verify=verify)
