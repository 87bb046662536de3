"""Jira-shaped errors: the ``ErrorCollection`` body and the exception the handlers raise.

Every error the Jira emulator answers has Jira's shape:
``{"errorMessages": [...], "errors": {fieldId: message}}`` (plus ``status`` where Jira sends it).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse, Response

__all__ = ["RATE_LIMIT", "JiraApiError", "jira_error_response", "rate_limit_headers"]

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
