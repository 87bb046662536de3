"""The one retry owner: tenacity at the connector boundary.

The client libraries' own retries are turned off (``JIRA(max_retries=0)``, ``Github(retry=None)``);
every HTTP call a connector makes goes through :func:`call_with_retry`, which retries only
:class:`~roadsync.errors.TransientError` (429, 502/503/504, dropped connections, timeouts),
honouring ``Retry-After`` and rate-limit reset times, with capped exponential backoff.

:func:`classify` is the single table from HTTP status to what the caller should do.
Never wrap a non-idempotent create in ``call_with_retry`` unless the caller has made it
idempotent (e.g. by checking whether the label already exists first).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from roadsync.errors import (
    AuthError,
    NotFoundError,
    RateLimited,
    RemoteRefused,
    TrackerError,
    TransientError,
)

T = TypeVar("T")

__all__ = [
    "DROPPED_CONNECTION",
    "RATE_LIMIT_MIN_WAIT_S",
    "RetryPolicy",
    "call_with_retry",
    "classify",
    "retry_after_seconds",
    "tls_failure",
]

MAX_WAIT_S = 120.0

# What ``requests`` raises when the connection fails or breaks: refused or reset, and also a
# response cut off mid-body (ChunkedEncodingError: "Connection broken: IncompleteRead"), which
# is not a ConnectionError subclass. All are transient.
DROPPED_CONNECTION: tuple[type[Exception], ...] = (
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


# GitHub: a secondary rate limit without ``retry-after`` (and with budget left) means "wait at
# least one minute, then back off exponentially".
RATE_LIMIT_MIN_WAIT_S = 60.0


def tls_failure(exc: BaseException, url: str, *, source: str) -> TrackerError | None:
    """The error for a failed TLS handshake (untrusted certificate), else ``None``.

    ``requests`` raises its SSLError as a ConnectionError and httpx wraps ``ssl`` errors in
    ConnectError, so without this a proxy's certificate reads as "cannot reach" and is retried.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (ssl.SSLError, requests.exceptions.SSLError)):
            verify_failed = "CERTIFICATE_VERIFY_FAILED" in str(seen)
            reason = "certificate not trusted" if verify_failed else "handshake failed"
            return RemoteRefused(
                f"TLS verification failed for {url} ({reason})",
                source=source,
                hint="if a corporate proxy or private CA signs it, set run.ca_bundle to that CA's PEM file",
            )
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = seen.__cause__ or seen.__context__ or nested
    return None


class RetryPolicy:
    """How many attempts and how long to wait at most.

    The wait before another attempt is the server's advice when it gives one: ``Retry-After``
    first, else the rate-limit reset time of a spent budget, else (a rate limit with no advice,
    GitHub's secondary limits) at least :data:`RATE_LIMIT_MIN_WAIT_S`; other transient errors
    back off exponentially from ``base_s``. Every wait is capped at ``max_wait_s`` and then
    multiplied by ``scale``: the test knob (``run.retry_scale``) that shrinks real sleeps
    without changing any decision. Production leaves it at 1.
    """

    def __init__(
        self, attempts: int = 5, base_s: float = 0.5, max_wait_s: float = MAX_WAIT_S, scale: float = 1.0
    ) -> None:
        self.attempts = attempts
        self.base_s = base_s
        self.max_wait_s = max_wait_s
        self.scale = scale

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.wait_for(exc, state.attempt_number)

    def wait_for(self, exc: BaseException | None, attempt: int) -> float:
        """Seconds to sleep after ``attempt`` (1-based) failed with ``exc``."""
        backoff = self.base_s * float(2 ** (attempt - 1))
        if isinstance(exc, TransientError) and exc.retry_after is not None:
            backoff = max(exc.retry_after, 0.0)
        elif isinstance(exc, RateLimited) and exc.reset_at is not None:
            backoff = max(backoff, exc.reset_at - time.time() + 1)
        elif isinstance(exc, RateLimited):
            backoff = max(backoff, RATE_LIMIT_MIN_WAIT_S)
        return float(min(backoff, self.max_wait_s)) * self.scale


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (integer or decimal form); ``None`` when absent or unreadable."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def classify(
    status: int,
    message: str,
    *,
    source: str,
    headers: Mapping[str, str] | None = None,
    item: str | None = None,
    hint: str | None = None,
) -> TrackerError:
    """Map an HTTP status (and rate-limit headers) to the error that says what to do."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    retry_after = retry_after_seconds(headers)
    remaining = headers.get("x-ratelimit-remaining")
    reset = headers.get("x-ratelimit-reset")
    limited = status == 429 or (
        status == 403 and (retry_after is not None or remaining == "0" or "rate limit" in message.lower())
    )
    if limited:
        # The reset time matters only when the primary budget is spent; a secondary limit's
        # headers carry the primary reset too (an hour away), which is not when to retry.
        spent = remaining == "0" and reset is not None and reset.replace(".", "", 1).isdigit()
        reset_at = float(reset) if spent and reset is not None else None
        return RateLimited(
            message, source=source, item=item, status=status, retry_after=retry_after, reset_at=reset_at
        )
    if status in (500, 502, 503, 504) or status == 0:
        return TransientError(
            message, source=source, item=item, status=status or None, retry_after=retry_after
        )
    if status == 401:
        return AuthError(message, source=source, item=item, status=status, hint=hint or "check the token")
    if status == 403:
        return AuthError(
            message, source=source, item=item, status=status, hint=hint or "the token lacks permission"
        )
    if status in (404, 410):
        # 410 Gone: GitHub's answer for a deleted issue (to reads and writes alike); gone as 404 is
        # [spec: GitHub's OpenAPI ``issues/get``; research github.md §3]
        return NotFoundError(message, source=source, item=item, status=status, hint=hint)
    return RemoteRefused(message, source=source, item=item, status=status, hint=hint)


def call_with_retry(func: Callable[[], T], policy: RetryPolicy | None = None) -> T:
    """Call ``func``, retrying transient errors per ``policy``; the last error is re-raised."""
    policy = policy or RetryPolicy()
    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(policy.attempts),
        wait=policy.wait,
        reraise=True,
    )
    return retrying(func)
