"""What the engine calls on a connector: the :class:`Reader` and :class:`Writer` protocols.

Everything pull and apply use is declared here, so a connector is checked by mypy against the
contract (``tests/connectors/test_contracts.py``) and the engine never probes for a method.
Both trackers implement both: :class:`~roadsync.connectors.jira.JiraReader` /
:class:`~roadsync.connectors.jira.JiraWriter` and the GitHub pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldTarget
from roadsync.connectors.model import Item, Mark

__all__ = ["Applied", "Evidence", "Overwrite", "Reader", "Wanted", "Writer"]

Wanted = tuple[Item, str, FieldTarget]
"""One field whose ownership evidence is asked for: the item, the managed field's name, its target."""
Applied = tuple[Item, FieldChange, FieldTarget]
"""A change this run wrote: the item as it was read before the write, the change, its target."""
Evidence = dict[tuple[str, str], "Mark | None"]
"""Answers by ``(item key, field)``: roadsync's last write as the tracker records it, or ``None``
when the tracker shows roadsync never wrote it. A field left out: the tracker holds no evidence
roadsync can trust for it (e.g. history written by an account a person shares)."""


@dataclass(frozen=True)
class Overwrite:
    """A person's edit that a write of this run still overwrote (made between roadsync's last read
    of the item and its write): the change written, the value the person had set (to restore),
    who set it and when (ISO UTC), as the tracker's history shows."""

    change: FieldChange
    value: str | None
    by: str
    at: str


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

    def reread(self, items: Sequence[Item]) -> dict[str, Item]:
        """These items as the tracker holds them now, by key (one gone since is left out): read
        right before they are written, cheaply (batched, managed fields only where possible)."""
        ...

    def overwritten(self, applied: Sequence[Applied], since: str) -> list[Overwrite]:
        """Among changes this run wrote, those whose field another account changed between
        ``since`` (the item's last read, ISO UTC) and roadsync's write, from the tracker's history;
        ``[]`` where the tracker keeps none (Projects v2 field values)."""
        ...

    def evidence(self, wanted: Sequence[Wanted]) -> Evidence:
        """Ownership evidence the tracker keeps but does not send with the items (history of a
        field, markers a search cannot return), for the fields whose decision needs it; raises
        :class:`~roadsync.errors.TrackerError` when the tracker cannot be read."""
    def lost_scopes(self) -> set[str]:
        """Scopes that lost items this run's reads could not see go, learned while reading (GitHub:
        an issue transferred out of a repository, found in its new one); the pull reads them in
        full again in the same run. Names compare in any case."""
        ...

    def pulled(self) -> None:
        """The pull is over: drop what only reading the scopes needed (GitHub: the Projects board
        as read for them), so a run does not hold it through planning and writing. A later
        :meth:`fetch_items` reads it again."""
        ...

    def close(self) -> None:
        """Release the HTTP connections (idempotent)."""
        ...


class Writer(Protocol):
    """Writes managed field values to one tracker.

    Apply hands a writer all changes of one item per :meth:`write` call, up to
    :attr:`concurrency` items at once (never two calls for one item at the same time), then
    calls :meth:`flush` once after the last item. Before any request that changes the tracker,
    a writer calls the barrier apply gave it (:meth:`guard`): the journal's crash contract.
    Every change gets exactly one outcome, either from the :meth:`write` that received it or
    from a later :meth:`write` or :meth:`flush` (a writer may hold changes back to batch them).
    Per-item failures are ``failed`` outcomes; only errors that doom every write (401, a spent
    rate-limit budget) raise.
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

    def guard(self, barrier: Callable[[], None]) -> None:
        """Call ``barrier()`` before sending any request that changes the tracker (from whichever
        thread sends it). Apply journals the intents of the changes it hands over without an fsync
        and makes them durable in ``barrier``: the changes a writer holds back for one batch
        (a Jira bulk task, a GraphQL document) share one fsync, before that batch is sent."""
        ...

    def close(self) -> None:
        """Release the HTTP connections (idempotent)."""
        ...
