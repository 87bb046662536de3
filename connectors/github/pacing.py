"""Keeping under GitHub's documented secondary rate limits: track what was sent, wait before more.

GitHub documents, per user or app [docs: "About secondary rate limits",
https://docs.github.com/en/rest/using-the-api/rate-limits-for-the-rest-api#about-secondary-rate-limits
and https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api;
research github.md §9]:

* "No more than 2,000 points per minute" for the GraphQL endpoint: a GraphQL request without
  mutations costs **1** point, one with mutations **5**, per request however many aliases it holds;
* "No more than 80 content-generating requests per minute and no more than 500 content-generating
  requests per hour". Which requests generate content is not listed, so every REST
  ``POST``/``PATCH``/``PUT``/``DELETE`` and every GraphQL document with a mutation counts one (the
  cautious reading, the one the sandbox enforces: ``roadsync.sandbox.github.secondary``).

:class:`Pacer` keeps sliding windows of what one account sent and, before a request, sleeps until
it fits (so a well-paced run is never refused: a refusal costs a request and at least the
``retry-after`` wait). A refusal that comes anyway (other tools on the same account count too) is
honoured by :func:`roadsync.connectors.retry.call_with_retry` through ``retry-after``. One pacer
serves every :class:`~roadsync.connectors.github.client.GithubClient` of a process that talks to
the same GraphQL endpoint with the same limits (:func:`pacer_for`): the reader's and the writer's
requests share the account's windows, as GitHub counts them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from roadsync.logs import event

__all__ = ["DOCUMENTED", "MUTATION_POINTS", "QUERY_POINTS", "Pacer", "SecondaryLimits", "pacer_for"]

QUERY_POINTS, MUTATION_POINTS = 1, 5
"""Secondary-limit points of a GraphQL request without / with mutations (per request)."""


@dataclass(frozen=True)
class SecondaryLimits:
    """GitHub's secondary limits per account; ``minute_s`` is how long "a minute" is (an hour is 60
    of them): 60 against GitHub, shorter only in tests against a sandbox configured the same way."""

    points_per_minute: int = 2000
    content_per_minute: int = 80
    content_per_hour: int = 500
    minute_s: float = 60.0


DOCUMENTED = SecondaryLimits()
"""GitHub's documented figures (see the module docstring for the sources)."""


class _Window:
    """(monotonic time, amount) entries within a sliding window of ``span`` seconds."""

    def __init__(self, span: float, limit: int) -> None:
        self.span, self.limit = span, limit
        self.entries: deque[tuple[float, int]] = deque()

    def wait(self, now: float, amount: int) -> float:
        """Seconds until ``amount`` more fits under the limit (0 when it fits now)."""
        while self.entries and self.entries[0][0] <= now - self.span:
            self.entries.popleft()
        total = sum(used for _, used in self.entries)
        if amount == 0 or total + amount <= self.limit:
            return 0.0
        for at, used in self.entries:  # oldest first: each leaves the window at ``at + span``
            total -= used
            if total + amount <= self.limit:
                return at + self.span - now
        return self.span

    def take(self, now: float, amount: int) -> None:
        if amount:
            self.entries.append((now, amount))


class Pacer:
    """Sliding windows of one account's GraphQL points and content-creating requests; thread-safe.
    ``clock`` and ``sleep`` default to :func:`time.monotonic` and :func:`time.sleep`."""

    def __init__(self, limits: SecondaryLimits = DOCUMENTED, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = limits
        minute, hour = limits.minute_s, limits.minute_s * 60
        self._points = _Window(minute, limits.points_per_minute)
        self._content = (_Window(minute, limits.content_per_minute), _Window(hour, limits.content_per_hour))
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep
        self.waited_s = 0.0
        """Seconds this pacer held requests back (for logs and tests)."""

    def take(self, *, points: int = 0, content: bool = False) -> float:
        """Wait until a request costing ``points`` GraphQL points (and one content-creating request
        when ``content``) fits every window, then count it. Returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                pieces = int(content)
                wait = max(self._points.wait(now, points), *(w.wait(now, pieces) for w in self._content))
                if wait <= 0:
                    self._points.take(now, points)
                    for window in self._content:
                        window.take(now, pieces)
                    self.waited_s += waited
                    return waited
            if waited == 0 and wait >= 5:
                event("github.secondary_pacing", logging.INFO, wait_s=round(wait, 1))
            self._sleep(wait)
            waited += wait


_PACERS: dict[tuple[str, SecondaryLimits], Pacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(endpoint: str, limits: SecondaryLimits = DOCUMENTED) -> Pacer:
    """The process's one :class:`Pacer` for the GraphQL ``endpoint`` (one account per configured
    GitHub) under ``limits``."""
    with _PACERS_LOCK:
        return _PACERS.setdefault((endpoint, limits), Pacer(limits))
