"""GitHub GraphQL errors (HTTP 200 with ``errors[]``) as roadsync errors: typed ones by ``type``
(``RATE_LIMITED``, ``NOT_FOUND``, ``FORBIDDEN``, …), and GitHub's untyped own failures, which
clear on retry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roadsync.errors import AuthError, NotFoundError, RateLimited, RemoteRefused, TrackerError, scrub

__all__ = ["graphql_error", "is_untyped"]

_GRAPHQL_ERRORS: Mapping[str, type[TrackerError]] = {
    "RATE_LIMITED": RateLimited,
    "NOT_FOUND": NotFoundError,
    "FORBIDDEN": AuthError,
    "INSUFFICIENT_SCOPES": AuthError,
    "UNAUTHORIZED": AuthError,
}
_UNTYPED_TEXTS = ("something went wrong while executing your query", "timeout", "couldn't respond")


def is_untyped(error: Mapping[str, Any]) -> bool:
    """An error GitHub gives for its own failure (no ``type``, no validation ``extensions``):
    "Something went wrong while executing your query…" or a timeout; it clears on retry
    [community: gitlens#3298, my-badges#72; ``@octokit/plugin-retry`` retries the same text]."""
    if error.get("type") or error.get("extensions"):
        return False
    message = str(error.get("message") or "").lower()
    return any(text in message for text in _UNTYPED_TEXTS)


def graphql_error(error: Mapping[str, Any], headers: Mapping[str, str], item: str | None) -> TrackerError:
    """The roadsync error for one GraphQL error object (HTTP 200 with ``errors[]``)."""
    kind = str(error.get("type") or "")
    message = scrub(f"GitHub GraphQL: {error.get('message', kind or 'error')}")
    cls = _GRAPHQL_ERRORS.get(kind, RemoteRefused)
    if cls is RateLimited:
        reset = headers.get("x-ratelimit-reset")
        spent = headers.get("x-ratelimit-remaining") == "0"
        reset_at = float(reset) if spent and reset and reset.isdigit() else None
        return RateLimited(message, source="github", item=item, reset_at=reset_at)
    hint = {
        AuthError: "the token lacks access: issues and labels need write access to the repository, "
        "Projects v2 a PAT or App token with project scope",
        NotFoundError: "check github.project (owner, number, owner_type) and the token's access",
    }.get(cls)
    return cls(message, source="github", item=item, hint=hint)
