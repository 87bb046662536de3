"""JiraWriter: all of one item's field changes in one ``PUT /rest/api/{v}/issue/{key}``.

Each change becomes part of one body ``{"fields": {...}, "update": {...}}``, built by its target's
kind (:mod:`roadsync.targets`): ``priority`` sets ``fields.priority`` (names checked against
``/priority``, once per writer), ``label`` and ``components`` add/remove one value with ``update``
operations (never replacing what people set), ``field`` sets a custom field by id (from ``/field``,
once per writer). A change a kind cannot write fails alone.

A change that would not change the item as last read is ``skipped`` and nothing is sent; an item
whose changes are all skipped costs no request. The writer does not re-read the item: the PUT
is idempotent (add/remove of labels too), so a stale item at worst sends a harmless operation.
Per-item failures come back as ``failed`` outcomes; only a 401 (which dooms every write) and a
spent rate-limit budget raise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from roadsync.changes import FieldChange, OutcomeStatus, WriteOutcome
from roadsync.config.model import FieldTarget, JiraConfig
from roadsync.connectors.jira.client import JiraClient
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError, BudgetExhausted, NotFoundError, TrackerError
from roadsync.targets import Refused, kind_of
from roadsync.targets.base import JiraEdit

__all__ = ["JiraWriter"]


class JiraWriter:
    """Writes managed field values to Jira issues; ``targets`` maps a managed field to its target.

    Thread-safe for different items: apply sends up to :attr:`concurrency` items at once (Jira
    serves concurrent edits of different issues; roadsync never sends two to the same issue).
    """

    concurrency: int
    """Items in flight at once: ``jira.write_concurrency`` (default 8; bounded, as a site's
    per-user concurrency limit is not published and 429s cost more than they save)."""

    def __init__(
        self,
        config: JiraConfig,
        token: str,
        targets: Mapping[str, FieldTarget],
        *,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.targets = dict(targets)
        self.concurrency = config.write_concurrency
        self._connect: Callable[[], JiraClient] = partial(
            JiraClient, config, token, verify=verify, retry=retry
        )
        self._client: JiraClient | None = None
        self._priorities: list[str] | None = None
        self._fields: dict[str, dict[str, Any]] | None = None
        self._once = threading.RLock()  # connect and look up once, whichever thread asks first

    @property
    def client(self) -> JiraClient:
        """The connected site, connected on first use (a plan with no Jira writes costs nothing)."""
        if self._client is None:
            with self._once:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    @property
    def requests(self) -> int:
        """HTTP requests this writer has sent (lookups and writes, retries included)."""
        return self._client.counter.reads + self._client.counter.writes if self._client else 0

    def flush(self) -> list[WriteOutcome]:
        """Nothing is held back: every PUT is sent by :meth:`write`."""
        return []

    def close(self) -> None:
        """Close the site's HTTP session, if one was opened."""
        if self._client is not None:
            self._client.close()

    def write(self, item: Item, changes: Sequence[FieldChange]) -> list[WriteOutcome]:
        """Apply ``changes`` to ``item`` in one PUT; one outcome per change, in order."""
        body = JiraEdit()
        outcomes: dict[int, WriteOutcome] = {}
        for index, change in enumerate(changes):
            try:
                if self._add(body, item, change):
                    continue
                outcomes[index] = WriteOutcome(change, "skipped", "already set")
            except Refused as exc:
                outcomes[index] = WriteOutcome(change, "failed", str(exc))
        if body.changes:
            sent = self._send(item, body)
            for index, change in enumerate(changes):
                if index not in outcomes:
                    outcomes[index] = sent[change]
        return [outcomes[index] for index in range(len(changes))]

    # -- building the body ----------------------------------------------------------------

    def _add(self, body: JiraEdit, item: Item, change: FieldChange) -> bool:
        """Put ``change`` into ``body`` (its target kind builds its part); False when it would
        change nothing."""
        target = self.targets.get(change.field)
        kind = kind_of(target) if target is not None else None
        if target is None or kind is None or "jira" not in kind.trackers:
            raise Refused(f"no Jira target for field '{change.field}'")
        return kind.jira_edit(body, item, change, target, self)

    @property
    def api_version(self) -> str:
        """The REST API version the site is spoken to in (``2`` or ``3``)."""
        return self.client.api_version

    # -- sending --------------------------------------------------------------------------

    def _send(self, item: Item, body: JiraEdit) -> dict[FieldChange, WriteOutcome]:
        counter = self.client.counter
        before = counter.thread_writes()
        try:
            self.client.put(f"issue/{item.key}", body.json(), item=item.key)
        except (BudgetExhausted, AuthError) as exc:
            if isinstance(exc, BudgetExhausted) or exc.status == 401:
                raise
            return self._outcomes(body, "failed", exc.one_line(), counter.thread_writes() - before)
        except NotFoundError as exc:
            gone = f"item gone: {item.key} no longer exists or the token cannot see it (HTTP {exc.status})"
            return self._outcomes(body, "skipped", gone, counter.thread_writes() - before)
        except TrackerError as exc:
            return self._outcomes(body, "failed", exc.one_line(), counter.thread_writes() - before)
        return self._outcomes(body, "applied", None, counter.thread_writes() - before)

    @staticmethod
    def _outcomes(
        body: JiraEdit, status: OutcomeStatus, error: str | None, requests: int
    ) -> dict[FieldChange, WriteOutcome]:
        # The PUT's requests are booked on the first change it carried, so sums stay exact.
        return {
            change: WriteOutcome(change, status, error, requests if index == 0 else 0)
            for index, change in enumerate(body.changes)
        }

    # -- lookups (once per writer) --------------------------------------------------------

    def priorities(self) -> list[str]:
        """The site's priority names, from one ``/priority`` call."""
        with self._once:
            if self._priorities is None:
                answer = self.client.get("priority") or []
                self._priorities = [str(p["name"]) for p in answer if isinstance(p, dict) and p.get("name")]
            return self._priorities

    def custom_fields(self) -> dict[str, dict[str, Any]]:
        """The site's fields by name, from one ``/field`` call."""
        with self._once:
            if self._fields is None:
                answer = self.client.get("field") or []
                self._fields = {str(f["name"]): f for f in answer if isinstance(f, dict) and f.get("name")}
            return self._fields
