"""The GitHub emulator's answers to injected faults (:mod:`roadsync.sandbox.faults`): a secondary
limit's 403/429, GraphQL's typed (``RATE_LIMITED``, ``NOT_FOUND``) and untyped errors, 502/503.

The untyped error is what GitHub answers a query that timed out or hit a bug [community:
gitlens#3298, my-badges#72 (HTTP 502), sveltia-cms#343; research github.md §6]."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from roadsync.sandbox.faults import FaultSettings

__all__ = ["default_github_limits", "fault_answer", "untyped_graphql_error"]

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)
SECONDARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)


def fault_answer(
    kind: str, settings: FaultSettings, ratelimit: Callable[[], dict[str, str]] | None
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """GitHub's answer to an injected fault (:mod:`roadsync.sandbox.faults`): status, headers, body.

    ``ratelimit`` gives the emulator's current budget headers (else :func:`default_github_limits`)."""
    limits = ratelimit() if ratelimit else default_github_limits()
    secondary = {"message": SECONDARY_MESSAGE, "documentation_url": SECONDARY_DOCS}
    if kind == "429":
        return 429, {**limits, "retry-after": str(settings.retry_after_s)}, secondary
    if kind == "secondary":
        return 403, limits, secondary
    if kind == "graphql_error":
        return _graphql_error(settings, limits)
    if kind == "graphql_untyped":
        return settings.graphql_untyped_status, {}, untyped_graphql_error()
    if kind == "503":
        return 503, {}, {"message": "Service Unavailable"}
    return 502, {}, {"message": "Server Error"}


def _graphql_error(
    settings: FaultSettings, limits: dict[str, str]
) -> tuple[int, dict[str, str], dict[str, Any]]:
    kind = settings.graphql_error_type
    if kind == "RATE_LIMITED":
        reset = str(int(time.time()) + settings.retry_after_s)
        limits = {**limits, "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset,
                  "x-ratelimit-resource": "graphql"}
        message = "API rate limit exceeded for user ID 1."
    else:
        message = "Could not resolve to a node with the global id of 'PVT_unknown'."
    return 200, limits, {"data": None, "errors": [{"type": kind, "path": ["node"], "message": message}]}


def untyped_graphql_error(rng: random.Random | None = None) -> dict[str, Any]:
    """GitHub's untyped GraphQL error body, with a request id shaped like GitHub's."""
    draw = rng or random.Random()
    rid = ":".join(f"{draw.getrandbits(bits):X}" for bits in (16, 20, 24, 28, 32))
    return {"data": None, "errors": [{"message": (
        "Something went wrong while executing your query. This may be the result of a timeout, or it could "
        f"be a GitHub bug. Please include `{rid}` when reporting this issue.")}]}


def default_github_limits() -> dict[str, str]:
    reset = int(time.time()) + 3600
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-used": "1",
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-resource": "core",
    }
