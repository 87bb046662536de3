"""What the engine calls on a connector: the :class:`Reader` and :class:`Writer` protocols.

Everything pull and apply use is declared here, so a connector is checked by mypy against the
contract (``tests/connectors/test_contracts.py``) and the engine never probes for a method.
Both trackers implement both: :class:`~roadsync.connectors.jira.JiraReader` /
:class:`~roadsync.connectors.jira.JiraWriter` and the GitHub pair.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.connectors.model import Item

__all__ = ["Reader", "Writer"]


class Reader(Protocol):
    """Reads one tracker's items, scope by scope (Jira project key, GitHub ``owner/repo``)."""

    @property
    def source(self) -> str:
        """``jira`` or ``github``: the tracker, as :attr:`Item.source` names it."""
        ...

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (retries and 304s included)."""
        ...

    def scopes(self) -> list[str]:
        """The scopes to read, in order (may cost requests: an org's repository list)."""
        ...

    def fetch_items(self, scope: str, since: str | None) -> Iterator[Item]:
        """The scope's items updated at or after ``since`` (ISO UTC), every item when ``None``;
        raises :class:`~roadsync.errors.TrackerError` when the tracker cannot be read."""
        ...

    def lost_scopes(self) -> set[str]:
        """Scopes that lost items this run's reads could not see go, learned while reading (GitHub:
        an issue transferred out of a repository, found in its new one); the pull reads them in
        full again in the same run. Names compare in any case."""
        ...

    def close(self) -> None:
        """Release the HTTP connections (idempotent)."""
        ...


class Writer(Protocol):
    """Writes managed field values to one tracker.

    Apply hands a writer all changes of one item per :meth:`write` call, up to
    :attr:`concurrency` items at once (never two calls for one item at the same time), then
    calls :meth:`flush` once after the last item. Every change gets exactly one outcome, either
    from the :meth:`write` that received it or from a later :meth:`write` or :meth:`flush` (a
    writer may hold changes back to batch them). Per-item failures are ``failed`` outcomes; only
    errors that doom every write (401, a spent rate-limit budget) raise.
    """

    @property
    def concurrency(self) -> int:
        """Items in flight at once (1: one at a time)."""
        ...

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (lookups and writes, retries included)."""
        ...

    def write(self, item: Item, changes: Sequence[FieldChange]) -> list[WriteOutcome]:
        """Write ``changes`` (all of ``item``'s); outcomes of these or earlier held changes."""
        ...

    def flush(self) -> list[WriteOutcome]:
        """Send what is held back and return its outcomes (``[]`` when nothing is)."""
        ...

    def close(self) -> None:
        """Release the HTTP connections (idempotent)."""
        ...
