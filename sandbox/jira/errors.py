"""Jira-shaped errors: the ``ErrorCollection`` body and the exception the handlers raise.

Every error the Jira emulator answers has Jira's shape:
``{"errorMessages": [...], "errors": {fieldId: message}}`` (plus ``status`` where Jira sends it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.responses import JSONResponse, Response

from roadsync.sandbox.faults import FaultSettings

__all__ = ["RATE_LIMIT", "JiraApiError", "fault_answer", "jira_error_response", "rate_limit_headers"]

# A constant burst budget: real Jira sends these on every answer; 429s come from the faults layer.
RATE_LIMIT = 350


def rate_limit_headers() -> dict[str, str]:
    """The rate-limit headers every Jira answer carries (a constant budget)."""
    return {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": str(RATE_LIMIT - 1)}


class JiraApiError(Exception):
    """Raised by handlers and the store; rendered as a Jira ``ErrorCollection`` answer."""

    def __init__(
        self, status: int, messages: list[str] | None = None, errors: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.messages = list(messages or [])
        self.errors = dict(errors or {})

    def response(self) -> Response:
        return jira_error_response(self.status, self.messages, self.errors)


def jira_error_response(
    status: int,
    messages: list[str],
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A Jira ``ErrorCollection`` answer. A 429 always carries an integer ``Retry-After``
    (10 s unless ``headers`` give one), because the ``jira`` library does ``int(Retry-After)``."""
    all_headers = rate_limit_headers()
    if status == 429:
        all_headers["X-RateLimit-Remaining"] = "0"
        all_headers["Retry-After"] = "10"
    all_headers.update(headers or {})
    if status == 429:
        all_headers["Retry-After"] = str(int(float(all_headers["Retry-After"])))
    body = {"errorMessages": list(messages), "errors": dict(errors or {})}
    return JSONResponse(body, status_code=status, headers=all_headers)


def fault_answer(
    kind: str, settings: FaultSettings, flavor: str
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Jira's answer to an injected fault (:mod:`roadsync.sandbox.faults`): status, headers, body.

    ``429`` carries ``Retry-After`` and the flavour's rate-limit headers (Cloud: ``X-RateLimit-Reset``,
    ``RateLimit-Reason``; Data Center: interval and fill rate); ``503``, ``conflict`` (409) and
    anything else (502) Jira's ``ErrorCollection``."""
    retry_after = str(settings.retry_after_s)
    if kind == "429":
        reset = (datetime.now(timezone.utc) + timedelta(seconds=settings.retry_after_s)).strftime(
            "%Y-%m-%dT%H:%MZ"
        )
        headers = {"Retry-After": retry_after, "X-RateLimit-Limit": "350", "X-RateLimit-Remaining": "0"}
        if flavor == "datacenter":
            headers |= {"X-RateLimit-Interval-Seconds": "1", "X-RateLimit-FillRate": "10"}
        else:
            headers |= {"X-RateLimit-Reset": reset, "RateLimit-Reason": "jira-burst-based"}
        return 429, headers, {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    if kind == "503":
        return 503, {"Retry-After": retry_after}, {"errorMessages": ["Service Unavailable"], "errors": {}}
    if kind == "conflict":
        return 409, {}, {"errorMessages": ["The issue was updated by someone else. Try again."], "errors": {}}
    return 502, {}, {"errorMessages": ["Bad Gateway"], "errors": {}}
