"""Fault injection for the sandbox trackers: what to inject and when (the settings, the draws).

:class:`~roadsync.sandbox.injection.FaultsMiddleware` in front of each emulator asks
:class:`FaultState` for each request's fault and answers it the tracker's way.

Faults are deterministic for a seed: every tracker draws from its own ``random.Random(seed)``
in request order, so the same requests against the same settings meet the same faults.
Settings are shared by both trackers (one :class:`FaultState`) and can change at run time
(``POST /_sandbox/faults``); changing any setting restarts the random sequences and the
write counter.

Kinds of fault, checked in this order for every request (the control API is never faulted):

* ``latency_ms``: sleep before the request is handled.
* ``drop_rate``: the connection is dropped mid-response (headers and part of the body are
  sent, then the socket closes); the tracker never sees the request.
* ``rate``: an error answer instead of the tracker's: 429 (with integer ``Retry-After`` and
  the tracker's rate-limit headers and body), 502 or 503, chosen evenly.
* ``secondary_rate`` (GitHub only): a secondary-limit 403 without ``retry-after``.
* ``graphql_error_rate`` (GitHub GraphQL only): HTTP 200 with ``errors[]`` of type
  ``graphql_error_type`` (``RATE_LIMITED``: budget headers at 0 that refill after
  ``retry_after_s``; ``NOT_FOUND``) and ``data: null``; the tracker never sees the request.
* ``graphql_untyped_rate`` (GitHub GraphQL only): an untyped error, as GitHub answers a query
  that timed out or hit a bug: ``graphql_untyped_status`` (200, or 502 as also seen) with
  ``{"data": null, "errors": [{"message": "Something went wrong while executing your query. This
  may be the result of a timeout, or it could be a GitHub bug. Please include `E2B5:…` when
  reporting this issue."}]}`` and no ``type`` or ``path`` [community: gitlens#3298, my-badges#72
  (HTTP 502), sveltia-cms#343; research github.md §6]. It clears on retry. With
  ``graphql_untyped_applied`` a mutation document runs before the error answer (the timeout came
  after the work), so the client cannot tell whether it was applied.
* ``graphql_batch_not_found_rate`` (GitHub GraphQL mutation documents only): one top-level
  mutation field (alias) of the document, picked by the draw, fails with ``NOT_FOUND`` "Could not
  resolve to a node with the global id of '…'" and ``path: [alias]``; the other aliases run and
  stay applied (partial ``data``) [GraphQL spec, "Executing mutations"; research github.md §6].
* ``conflict_rate`` (Jira writes only): 409 Conflict before the tracker applies the write.
* ``fail_write``: the k-th write (1-based, counted over both trackers since the setting was
  made, or over ``fail_write_tracker``'s alone when that is ``"jira"`` or ``"github"``) answers
  502, either before the tracker applies it or, with ``fail_write_after_apply``, after (the
  change is stored, the client sees a failure: the case that breeds duplicates). One-shot.
* ``fail_path``: every write whose path (as served, e.g. ``/rest/api/3/issue/properties/multi``)
  the regular expression matches answers 502 before the tracker applies it, after the draws
  above (it shifts no seed's faults). One endpoint failing while the requests around it succeed
  is how a Jira Cloud bulk edit lands without the issue properties roadsync sends after it: they
  are separate requests, and the property write is non-transactional (bulkSetIssuePropertiesByIssue,
  https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-properties/).
* ``search_lag_ms`` (Jira Cloud only): a change of an issue shows in ``/search/jql`` this long
  after it was made, except for issues named in ``reconcileIssues``; ``GET /issue`` and bulk
  fetches read fresh data (Jira Cloud search is eventually consistent: see
  :mod:`roadsync.sandbox.jira.index`). Not a per-request draw: it shifts no seed's faults.

Writes are POST/PUT/PATCH/DELETE except read-only POSTs (Jira searches, approximate count,
bulk fetches; GitHub GraphQL documents without a mutation).
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from roadsync.sandbox.http import FAIL_ALIAS

__all__ = [
    "CONTROL_PREFIX",
    "FAIL_ALIAS",
    "Decision",
    "FaultSettings",
    "FaultState",
    "Tracker",
    "is_write_request",
]

Tracker = Literal["jira", "github"]
Decision = Literal[
    "pass", "drop", "429", "502", "503", "secondary", "graphql_error", "conflict", "fail_before",
    "fail_after", "graphql_untyped", "graphql_untyped_after", "batch_not_found",
]
GRAPHQL_ERROR_TYPES = ("RATE_LIMITED", "NOT_FOUND")

CONTROL_PREFIX = "/_sandbox"
_JIRA_READ_POSTS = re.compile(
    r"/(search|search/jql|search/approximate-count|issue/bulkfetch|changelog/bulkfetch|jql/parse)/?$"
)
_MUTATION = re.compile(r"\bmutation\b")

@dataclass(frozen=True)
class FaultSettings:
    """What to inject; all off by default. ``fail_write`` is 1-based (``None`` = never)."""

    rate: float = 0.0
    latency_ms: int = 0
    drop_rate: float = 0.0
    secondary_rate: float = 0.0
    fail_write: int | None = None
    fail_write_after_apply: bool = False
    fail_write_tracker: str | None = None
    retry_after_s: int = 1
    seed: int = 0
    graphql_error_rate: float = 0.0
    graphql_error_type: str = "RATE_LIMITED"
    conflict_rate: float = 0.0
    search_lag_ms: int = 0
    graphql_untyped_rate: float = 0.0
    graphql_untyped_status: int = 200
    graphql_untyped_applied: bool = False
    graphql_batch_not_found_rate: float = 0.0
    fail_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def updated(self, changes: Mapping[str, Any]) -> FaultSettings:
        """A copy with ``changes`` applied; unknown keys or out-of-range values raise ValueError."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        new = dataclasses.replace(self, **dict(changes))
        new.check()
        return new

    def check(self) -> None:
        for name in ("rate", "drop_rate", "secondary_rate", "graphql_error_rate", "conflict_rate",
                     "graphql_untyped_rate", "graphql_batch_not_found_rate"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1")
        for name in ("latency_ms", "retry_after_s", "seed", "search_lag_ms"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        if self.fail_write is not None and (
            not isinstance(self.fail_write, int) or isinstance(self.fail_write, bool) or self.fail_write < 1
        ):
            raise ValueError("fail_write must be a positive integer or null")
        if self.graphql_error_type not in GRAPHQL_ERROR_TYPES:
            raise ValueError(f"graphql_error_type must be one of {', '.join(GRAPHQL_ERROR_TYPES)}")
        for name in ("fail_write_after_apply", "graphql_untyped_applied"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        if self.fail_write_tracker not in (None, "jira", "github"):
            raise ValueError("fail_write_tracker must be jira, github or null")
        if self.graphql_untyped_status not in (200, 502):
            raise ValueError("graphql_untyped_status must be 200 or 502")
        if self.fail_path is not None:
            try:
                re.compile(self.fail_path)
            except (re.error, TypeError):
                raise ValueError("fail_path must be a regular expression or null") from None


class FaultState:
    """The fault settings both trackers share, their random sequences and the write counter."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._settings = settings or FaultSettings()
        self._settings.check()
        self._restart()
        self.injected: dict[str, int] = {}

    def _restart(self) -> None:
        seed = self._settings.seed
        self._rngs: dict[str, random.Random] = {t: random.Random(seed) for t in ("jira", "github")}
        # The later fault kinds draw from their own sequences, so adding them shifted no seed's faults.
        self._extra: dict[str, random.Random] = {t: random.Random(seed + 1) for t in ("jira", "github")}
        self._graphql: dict[str, random.Random] = {t: random.Random(seed + 2) for t in ("jira", "github")}
        self._writes = 0
        self._write_failed = False

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def update(self, **changes: Any) -> FaultSettings:
        """Change some settings (the rest stay); restarts the random sequences."""
        with self._lock:
            self._settings = self._settings.updated(changes)
            self._restart()
            return self._settings

    def decide(self, tracker: Tracker, *, write: bool, graphql: bool = False) -> Decision:
        """The fault (or ``"pass"``) for the next request of ``tracker``."""
        return self.decide_with_pick(tracker, write=write, graphql=graphql)[0]

    def decide_with_pick(
        self, tracker: Tracker, *, write: bool, graphql: bool = False, path: str = ""
    ) -> tuple[Decision, float]:
        """The fault for the next request (to ``path``) and a draw in [0, 1) that picks the alias a
        batch fault fails."""
        with self._lock:
            untyped, batch, pick = (self._graphql[tracker].random() for _ in range(3))
            decision = self._draw(tracker, write, graphql, untyped, batch)
            failing = self._settings.fail_path
            if decision == "pass" and write and failing is not None and re.search(failing, path):
                decision = "fail_before"
            if decision != "pass":
                self.injected[decision] = self.injected.get(decision, 0) + 1
            return decision, pick

    def _draw(self, tracker: Tracker, write: bool, graphql: bool = False, untyped: float = 1.0,
              batch: float = 1.0) -> Decision:
        s, rng = self._settings, self._rngs[tracker]
        # Always draw the same numbers per request, so one setting does not shift another's sequence.
        drop, error, kind, secondary = rng.random(), rng.random(), rng.random(), rng.random()
        extra = self._extra[tracker].random()
        if drop < s.drop_rate:
            return "drop"
        if error < s.rate:
            return "429" if kind < 1 / 3 else "502" if kind < 2 / 3 else "503"
        if tracker == "github" and secondary < s.secondary_rate:
            return "secondary"
        if tracker == "github" and graphql and extra < s.graphql_error_rate:
            return "graphql_error"
        if tracker == "github" and graphql and untyped < s.graphql_untyped_rate:
            return "graphql_untyped_after" if write and s.graphql_untyped_applied else "graphql_untyped"
        if tracker == "github" and graphql and write and batch < s.graphql_batch_not_found_rate:
            return "batch_not_found"
        if tracker == "jira" and write and extra < s.conflict_rate:
            return "conflict"
        counted = s.fail_write_tracker in (None, tracker)
        if write and counted and s.fail_write is not None and not self._write_failed:
            self._writes += 1
            if self._writes == s.fail_write:
                self._write_failed = True
                return "fail_after" if s.fail_write_after_apply else "fail_before"
        return "pass"


def is_write_request(tracker: Tracker, method: str, path: str, body: bytes) -> bool:
    """Whether a request may change tracker state (read-only POSTs are reads)."""
    if method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    if method != "POST":
        return True
    if tracker == "jira":
        return not _JIRA_READ_POSTS.search(path)
    if path.rstrip("/").endswith("/graphql"):
        return _graphql_is_mutation(body)
    return True


def _graphql_is_mutation(body: bytes) -> bool:
    try:
        document = json.loads(body or b"{}")
        query = document.get("query", "") if isinstance(document, dict) else ""
    except ValueError:
        return False
    if not isinstance(query, str) or not _MUTATION.search(query):
        return False
    from graphql import OperationType
    from graphql.error import GraphQLError
    from graphql.language import OperationDefinitionNode

    from roadsync.sandbox.github.graphql_api import parse_document

    try:
        parsed = parse_document(query)
    except GraphQLError:
        return True  # cannot tell; the word is there
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation == OperationType.MUTATION
        for d in parsed.definitions
    )
