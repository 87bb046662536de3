"""The write race, as narrow as the trackers allow: re-read items right before writing them.

A plan rests on values read at the start of the run; a long apply (GitHub paces writes a second
apart) writes its last items minutes later. Neither Jira's ``PUT /issue`` nor GitHub's writes
take a precondition (no ``If-Match``), so the window cannot be closed, only narrowed: before an
item whose last read is older than ``bound`` seconds is written, it is read again (in chunks,
by the reader's cheapest batched read: :meth:`Reader.reread`), and each change whose ``old`` no
longer holds is dropped (``skipped``: a person changed it since; recorded as theirs, as a killed
run's open intent is, and reported by the next run). What is
left is the time between that re-read and the write (well under ``bound``); what a write still
overwrote in it is found afterwards from the trackers' history (:mod:`roadsync.sync.overwritten`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldsConfig
from roadsync.connectors.model import Item
from roadsync.errors import AuthError, BudgetExhausted, TrackerError
from roadsync.sync.fields import current_value, field_target
from roadsync.targets import kind_of

__all__ = ["CHANGED_SINCE", "Freshness", "Queue", "changed_since"]

CHANGED_SINCE = "changed since it was read"
"""The words of a change dropped because someone changed its field after the plan's read. Nothing
is recorded for it (roadsync wrote nothing): the next plan decides the field from the tracker's
evidence, as with no state folder."""

Queue = deque[tuple[Item, list[FieldChange]]]
Reread = Callable[[Sequence[Item]], Mapping[str, Item]]


def changed_since(item: Item, change: FieldChange, fields: FieldsConfig) -> str | None:
    """``None`` when ``item``'s field still holds ``change.old`` (as the tracker compares values),
    else why ``change`` is not sent, naming what the field holds now: the planned value itself
    (someone set it: a write would change nothing), or another value (kept)."""
    found = field_target(fields, change.field, item.source)
    if found is None:
        return None
    current, kind = current_value(item, found[1]), kind_of(found[1])

    def holds(value: str | None) -> bool:
        return not current.ambiguous and kind.same(item, current.value, value)

    if holds(change.old):
        return None
    now = ", ".join(current.ambiguous) if current.ambiguous else (current.value or "empty")
    if holds(change.new):
        return f"{CHANGED_SINCE}: {change.field} already holds {now}; nothing to send"
    return f"{CHANGED_SINCE}: {change.field} is now {now}; kept"


@dataclass
class Freshness:
    """Re-reads one tracker's items before they are written once their read is ``bound`` seconds
    old, ``chunk`` at a time; ``read_at`` is when the plan's read started (monotonic seconds)."""

    reread: Reread
    fields: FieldsConfig
    read_at: float
    bound: float
    chunk: int = 50
    clock: Callable[[], float] = time.monotonic
    reads: dict[str, float] = field(default_factory=dict)
    rereads: int = 0

    def next(self, queue: Queue) -> tuple[tuple[Item, list[FieldChange]] | None, list[WriteOutcome]]:
        """The next item to write (fresh when it had to be) and the outcomes of changes dropped
        on the way (a person changed the field since it was read; the item is gone)."""
        dropped: list[WriteOutcome] = []
        while queue:
            item, _ = queue[0]
            if self.clock() - self.reads.get(item.key, self.read_at) > self.bound:
                dropped += self._refresh(queue)
                if not queue:
                    break
            item, changes = queue.popleft()
            if changes:
                return (item, changes), dropped
        return None, dropped

    def _refresh(self, queue: Queue) -> list[WriteOutcome]:
        head = [queue.popleft() for _ in range(min(self.chunk, len(queue)))]
        try:
            fresh = self.reread([item for item, _ in head])
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError as exc:
            # Not written rather than written blind: the next run plans these again.
            why = f"not written: the read right before writing failed ({exc.one_line()})"
            return [WriteOutcome(c, "skipped", why) for _, changes in head for c in changes]
        self.rereads += 1
        now = self.clock()
        dropped: list[WriteOutcome] = []
        kept: list[tuple[Item, list[FieldChange]]] = []
        for item, changes in head:
            self.reads[item.key] = now
            current = fresh.get(item.key)
            if current is None:
                gone = "item gone: deleted, moved or out of scope since it was read"
                dropped += [WriteOutcome(c, "skipped", gone) for c in changes]
                continue
            holding: list[FieldChange] = []
            for change in changes:
                changed = changed_since(current, change, self.fields)
                if changed is None:
                    holding.append(change)
                else:
                    dropped.append(WriteOutcome(change, "skipped", changed))
            kept.append((current, holding))
        queue.extendleft(reversed(kept))
        return dropped
