"""The one error tree of roadsync, classified by what the user or caller should do.

::

    RoadsyncError                 exit_code  what to do
    ├── UsageError                    64     fix the command line
    ├── ConfigError                   78     fix the config / roadmap file
    ├── LockHeld                      75     another run is going; try later
    ├── LocalFileError                 1     a local file is damaged or cannot be written (full disk)
    └── TrackerError                   1     talk to a tracker failed
        ├── AuthError                  1     token wrong, missing or without access (401/403)
        ├── NotFoundError              1     project / repo / item / field does not exist (404)
        ├── RemoteRefused              1     the tracker refused the request (400/409/410/422)
        ├── TransientError             1     retryable: 429, 5xx, dropped connection, timeout
        │   └── RateLimited            1     the budget is spent; carries when it resets
        └── BudgetExhausted            4     stop cleanly, keep what was fetched, resume next run

Every error renders as one line: what happened, where (source, item, field), what to do.
Errors carry source, item, field and HTTP status, never headers or tokens: messages pass
through :func:`scrub` before they are stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "AuthError",
    "BudgetExhausted",
    "ConfigError",
    "LocalFileError",
    "LockHeld",
    "NotFoundError",
    "RateLimited",
    "RemoteRefused",
    "RoadsyncError",
    "TrackerError",
    "TransientError",
    "UsageError",
    "register_secret",
    "scrub",
]

_SECRETS: set[str] = set()
_HEADER_RE = re.compile(r"(?i)(authorization|cookie|x-api-key)(['\"]?\s*[:=]\s*['\"]?)([^'\",}\n]+)")


def register_secret(value: str | None) -> None:
    """Remember a token so that :func:`scrub` removes it from every message."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    """Return ``text`` with every registered secret and every auth header value masked."""
    for secret in sorted({*_SECRETS, *extra}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return _HEADER_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


class RoadsyncError(Exception):
    """Base of every error roadsync raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        item: str | None = None,
        field: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = scrub(message)
        self.source = source
        self.item = item
        self.field = field
        self.status = status
        self.hint = scrub(hint) if hint else None
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """What, where, what to do: the line the CLI prints."""
        where = ", ".join(
            f"{name} {value}"
            for name, value in (("source", self.source), ("item", self.item), ("field", self.field))
            if value
        )
        status = f" (HTTP {self.status})" if self.status else ""
        text = f"{self.message}{status}"
        if where:
            text = f"{text} [{where}]"
        if self.hint:
            text = f"{text}: {self.hint}"
        return text


class UsageError(RoadsyncError):
    exit_code = 64


class ConfigError(RoadsyncError):
    """A broken config or roadmap; ``problems`` holds every problem found, one line each."""

    exit_code = 78

    def __init__(self, message: str, *, problems: Iterable[str] = (), hint: str | None = None) -> None:
        self.problems = [scrub(p) for p in problems]
        super().__init__(message, hint=hint)


class LockHeld(RoadsyncError):
    exit_code = 75


class LocalFileError(RoadsyncError):
    """A file roadsync keeps or writes is damaged or cannot be written (a full disk, an I/O
    error); the message names the file and says what is safe to delete. Nothing was written to
    the trackers because of it."""

    exit_code = 1


class TrackerError(RoadsyncError):
    exit_code = 1


class AuthError(TrackerError):
    pass


class NotFoundError(TrackerError):
    pass


class RemoteRefused(TrackerError):
    pass


class TransientError(TrackerError):
    """Worth retrying; ``retry_after`` is the server's advice in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class RateLimited(TransientError):
    """A rate limit answered; ``reset_at`` is the epoch second when the budget refills."""

    def __init__(self, message: str, *, reset_at: float | None = None, **kwargs: object) -> None:
        self.reset_at = reset_at
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class BudgetExhausted(TrackerError):
    """The primary budget fell under the reserve: stop, keep what was fetched, exit 4."""

    exit_code = 4
