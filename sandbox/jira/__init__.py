"""The sandbox Jira: a loopback emulator of the Jira REST API, Cloud or Data Center flavour.

Public API::

    store = JiraStore.from_fixture(fixture, flavor="cloud")
    app = create_jira_app(store, stats=stats, email=..., token=..., flavor="cloud",
                          restricted_tokens={"tok": TokenGrant(browse=frozenset({"PAY"}), edit=frozenset())})
    jira_error_response(429, ["Rate limit exceeded."], headers={"Retry-After": "3"})
"""

from __future__ import annotations

from .app import create_jira_app
from .errors import JiraApiError, jira_error_response, rate_limit_headers
from .model import ChangeGroup, ChangeItem, JiraIssue
from .routing import TokenGrant
from .store import JiraStore

__all__ = [
    "ChangeGroup",
    "ChangeItem",
    "JiraApiError",
    "JiraIssue",
    "JiraStore",
    "TokenGrant",
    "create_jira_app",
    "jira_error_response",
    "rate_limit_headers",
]
