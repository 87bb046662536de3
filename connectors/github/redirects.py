"""GitHub's redirects, never followed: what a 301/307 answer means for roadsync.

PyGithub follows a ``301`` for every verb, re-sending the body but only the location's *path*
(the query string is dropped: a ``state=all&since=…`` list comes back as the first page of open
issues), and hands a ``307`` body back as if it were the answer [research github.md §1: PyGithub
2.10 ``Requester.__requestRaw``, verified against a local server]. GitHub answers with them when:

* a repository was renamed or transferred: ``301`` (reads) or ``307`` (writes) to
  ``/repositories/{id}/…`` [octokit/fixtures ``rename-repository``; docs
  github/developer.github.com ``2015-07-21-automatic-redirects-for-renamed-repositories.md``];
* an issue was transferred: ``301`` for every verb to the issue's new URL [research github.md §2;
  community: MarcusJellinghaus/mcp-workspace#256, writes landing in the other repository].

So every REST request goes through a connection whose ``requests`` session raises
:class:`Redirected` on any 3xx but ``304`` (a response hook, requests' documented hook API), handed
to ``Requester.requestJson(cnx=…)``; :func:`moved_error` turns it into the error that says what
moved where. Nothing answered with a redirect is ever counted as applied.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass

__all__ = ["Connections", "Redirected", "moved_target"]

Connection = HTTPRequestsConnectionClass | HTTPSRequestsConnectionClass
_BY_ID = re.compile(r"/repositories/(\d+)(?:/|$)")
_ISSUE = re.compile(r"/repos/([^/]+/[^/]+)/issues/(\d+)(?:/|$)")


class Redirected(Exception):
    """GitHub answered a 3xx redirect (never followed); ``location`` says where to."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(f"HTTP {status} to {location}")
        self.status, self.location = status, location


def _refuse_redirects(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    if 300 <= response.status_code < 400 and response.status_code != 304:
        raise Redirected(response.status_code, response.headers.get("location", ""))
    return response


class Connections:
    """One PyGithub connection per thread (PyGithub's own is shared and keeps request state on
    itself), each refusing redirects."""

    def __init__(self, base_url: str, *, timeout: int, verify: bool | str) -> None:
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._timeout, self._verify = timeout, verify
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    def get(self) -> Connection:
        found: Connection | None = getattr(self._local, "connection", None)
        if found is None:
            kind = HTTPSRequestsConnectionClass if self._https else HTTPRequestsConnectionClass
            found = kind(self._host, self._port, timeout=self._timeout, verify=self._verify)
            found.session.hooks["response"].append(_refuse_redirects)
            self._local.connection = found
            with self._lock:
                self._all.append(found)
        return found

    def close(self) -> None:
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()


def moved_target(location: str) -> tuple[str, int | str, int | None] | None:
    """What a redirect's location names: ``("repository", id, None)`` or ``("issue", "o/r", n)``."""
    path = urlsplit(location).path
    issue = _ISSUE.search(path)
    if issue:
        return ("issue", issue[1], int(issue[2]))
    repo = _BY_ID.search(path)
    if repo:
        return ("repository", int(repo[1]), None)
    return None
