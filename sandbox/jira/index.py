"""What Jira Cloud's search sees: an index that lags behind edits, and result sets kept for
their page tokens.

**Search lag.** Cloud's ``/search/jql`` "doesn't provide read-after-write consistency": an edit
can take seconds to minutes to show (developer.atlassian.com/cloud/jira/platform/search-and-reconcile;
JRACLOUD-96208: ``/search/jql`` runs on the eventually consistent JSIS). Issues named in
``reconcileIssues`` are evaluated on fresh data. ``GET /issue`` and ``/issue/bulkfetch`` read the
primary store. Data Center's Lucene index is updated synchronously (research/ownership.md J4).
With ``lag_s > 0`` each change of an issue becomes visible to search ``lag_s`` seconds after it
was made; until then search sees the issue as it was (a new issue not at all).

**Page tokens.** A search's result is evaluated once, on its first page; its ``nextPageToken``
names the kept result, so later pages cost O(page) whatever the query (issue 20). Kept results
are evicted oldest first; a token whose result is gone is "invalid or expired".
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from .model import JiraIssue

__all__ = ["SearchIndex"]

_KEPT_RESULTS = 32


@dataclass
class _Pending:
    """An issue's changes not yet visible to search: ``base`` is what search shows (None: the
    issue does not exist yet for search); ``changes`` are (visible_at, state after) in order."""

    base: JiraIssue | None
    changes: list[tuple[float, JiraIssue]] = field(default_factory=list)


class SearchIndex:
    """The search view of one store; ``lag_s()`` is read at each change (a fault setting)."""

    def __init__(
        self, lag_s: Callable[[], float] | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        self.lag_s: Callable[[], float] = lag_s or (lambda: 0.0)
        self._clock = clock or time.monotonic
        self._pending: dict[int, _Pending] = {}
        self._results: OrderedDict[str, list[str]] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- lag --------------------------------------------------------------------------------------

    def snapshot(self, issue: JiraIssue | None) -> JiraIssue | None:
        """A copy of ``issue`` taken before a change, when search lags (else None, no cost)."""
        if issue is None or self.lag_s() <= 0:
            return None
        return copy.deepcopy(issue)

    def changed(self, issue: JiraIssue, before: JiraIssue | None, *, created: bool = False) -> None:
        """Record that ``issue`` changed (``before`` from :meth:`snapshot`, or created now)."""
        lag = self.lag_s()
        if lag <= 0 or (before is None and not created):
            return
        with self._lock:
            pending = self._pending.get(issue.id)
            if pending is None:
                pending = self._pending[issue.id] = _Pending(base=before)
            pending.changes.append((self._clock() + lag, copy.deepcopy(issue)))

    def lagging(self) -> bool:
        """Whether some change is still invisible to search."""
        with self._lock:
            return bool(self._pending)

    def view(self, issue: JiraIssue) -> JiraIssue | None:
        """``issue`` as search sees it now (None: not visible yet)."""
        with self._lock:
            pending = self._pending.get(issue.id)
            if pending is None:
                return issue
            now = self._clock()
            while pending.changes and pending.changes[0][0] <= now:
                pending.base = pending.changes.pop(0)[1]
            if not pending.changes:
                del self._pending[issue.id]
                return issue
            return pending.base

    # -- kept results -----------------------------------------------------------------------------

    def keep(self, keys: list[str]) -> str:
        """Keep a search result for its page tokens; returns its id."""
        with self._lock:
            rid = str(next(self._ids))
            self._results[rid] = keys
            while len(self._results) > _KEPT_RESULTS:
                self._results.popitem(last=False)
            return rid

    def result(self, rid: str) -> list[str] | None:
        with self._lock:
            keys = self._results.get(rid)
            if keys is not None:
                self._results.move_to_end(rid)
            return keys
