"""GitHub's documented secondary rate limits, enforced per account when configured.

GitHub documents, per user or app [docs: github/docs
``data/reusables/rest-api/secondary-rate-limit-rest-graphql.md``@058fa63b, shown on
https://docs.github.com/en/rest/using-the-api/rate-limits-for-the-rest-api#about-secondary-rate-limits
and https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api]:

* "No more than 2,000 points per minute" for the GraphQL endpoint, where a GraphQL request without
  mutations costs **1** point and one with mutations **5** (per request, however many aliases);
* "No more than 80 content-generating requests per minute and no more than 500 content-generating
  requests per hour". Which requests generate content is not listed; the emulator counts every
  REST ``POST``/``PATCH``/``PUT``/``DELETE`` and every GraphQL document with a mutation (one per
  request), the cautious reading [research github.md §9].

A request that would exceed a limit is refused **before** it runs, so nothing half-happens, with
``403`` (or ``429``) and ``retry-after`` = seconds until the window has room [docs, same page: "If
the retry-after response header is present, you should not retry your request until after that many
seconds has elapsed"], and GitHub's body: for content creation "You have exceeded a secondary rate
limit and have been temporarily blocked from content creation. Please retry your request again
later." [community: gofri/go-github-ratelimit#38], otherwise the generic secondary-limit message.
Refused requests are not counted.

Limits are off unless set (:meth:`SecondaryLimiter.configure`, the control API's
``POST /_sandbox/github/limits``, ``start_sandbox(github_limits=…)``); :data:`DOCUMENTED` holds
GitHub's figures. ``minute_s`` shortens "a minute" (and "an hour", 60 of them) for tests; the bench
keeps 60.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DOCUMENTED", "Refusal", "SecondaryLimiter", "SecondaryLimits"]

DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
CONTENT_MESSAGE = (
    "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. "
    "Please retry your request again later."
)
POINTS_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)
QUERY_POINTS, MUTATION_POINTS = 1, 5


@dataclass(frozen=True)
class SecondaryLimits:
    """The limits in force; ``None`` turns one off. ``status`` is the refusal's status (403 or 429)."""

    graphql_points_per_minute: int | None = None
    content_per_minute: int | None = None
    content_per_hour: int | None = None
    minute_s: float = 60.0
    status: int = 403

    def updated(self, changes: Mapping[str, Any]) -> SecondaryLimits:
        """A copy with ``changes``; unknown keys or bad values raise ValueError."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(unknown)}")
        new = dataclasses.replace(self, **dict(changes))
        for name in ("graphql_points_per_minute", "content_per_minute", "content_per_hour"):
            value = getattr(new, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer or null")
        if not isinstance(new.minute_s, (int, float)) or isinstance(new.minute_s, bool) or new.minute_s <= 0:
            raise ValueError("minute_s must be a positive number")
        if new.status not in (403, 429):
            raise ValueError("status must be 403 or 429")
        return new

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


DOCUMENTED = SecondaryLimits(graphql_points_per_minute=2000, content_per_minute=80, content_per_hour=500)


@dataclass(frozen=True)
class Refusal:
    status: int
    retry_after: int
    message: str
    docs: str = DOCS


class _Window:
    """(time, amount) entries of one account within a sliding window."""

    def __init__(self) -> None:
        self.entries: deque[tuple[float, int]] = deque()

    def used(self, now: float, span: float) -> int:
        while self.entries and self.entries[0][0] <= now - span:
            self.entries.popleft()
        return sum(amount for _, amount in self.entries)

    def wait(self, now: float, span: float, limit: int, amount: int) -> float:
        """Seconds until ``amount`` more fits under ``limit``."""
        total = self.used(now, span)
        for at, used in self.entries:  # oldest first: each leaves the window at ``at + span``
            total -= used
            if total + amount <= limit:
                return max(at + span - now, 0.0)
        return span


class SecondaryLimiter:
    """Sliding windows per account; thread-safe. ``clock`` is injectable for tests of the limiter."""

    def __init__(self, limits: SecondaryLimits | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self.limits = limits or SecondaryLimits()
        self._clock = clock
        self._windows: dict[tuple[str, str], _Window] = {}
        self.refused = 0  # how many requests a limit refused (for tests and the bench)

    def configure(self, **changes: Any) -> SecondaryLimits:
        """Change some limits (the rest stay); the windows start empty."""
        with self._lock:
            self.limits = self.limits.updated(changes)
            self._windows.clear()
            return self.limits

    def admit(self, account: str, *, graphql_points: int = 0, content: bool = False) -> Refusal | None:
        """Count one request of ``account``; a :class:`Refusal` (nothing counted) when it would exceed
        a limit."""
        with self._lock:
            limits, now = self.limits, self._clock()
            minute, hour, pieces = limits.minute_s, limits.minute_s * 60, int(content)
            checks: list[tuple[str, float, int | None, int, str]] = [
                ("points", minute, limits.graphql_points_per_minute, graphql_points, POINTS_MESSAGE),
                ("content", minute, limits.content_per_minute, pieces, CONTENT_MESSAGE),
                ("content_hour", hour, limits.content_per_hour, pieces, CONTENT_MESSAGE),
            ]
            for name, span, limit, amount, message in checks:
                if limit is None or amount == 0:
                    continue
                window = self._windows.setdefault((account, name), _Window())
                if window.used(now, span) + amount > limit:
                    wait = window.wait(now, span, limit, amount)
                    self.refused += 1
                    return Refusal(limits.status, max(1, math.ceil(wait)), message)
            for name, _span, limit, amount, _message in checks:
                if limit is not None and amount:
                    self._windows.setdefault((account, name), _Window()).entries.append((now, amount))
            return None
