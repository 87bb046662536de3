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
from dataclasses import dataclass, field, replace

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldsConfig
from roadsync.connectors.model import Item
from roadsync.errors import AuthError, BudgetExhausted, TrackerError
from roadsync.sync.fields import current_value, field_target
from roadsync.targets import kind_of

__all__ = ["CHANGED_SINCE", "Freshness", "Queue", "still_holds"]

CHANGED_SINCE = "changed since it was read"
"""The words of a change dropped because someone changed its field after the plan's read. Nothing
is recorded for it (roadsync wrote nothing): the next plan decides the field from the tracker's
evidence, as with no state folder."""

Queue = deque[tuple[Item, list[FieldChange]]]
Reread = Callable[[Sequence[Item]], Mapping[str, Item]]


def still_holds(item: Item, change: FieldChange, fields: FieldsConfig) -> str | None:
    """``None`` when ``item``'s field still holds ``change.old`` (as the tracker compares values),
    else what it holds now, for the outcome's words."""
    found = field_target(fields, change.field, item.source)
    if found is None:
        return None
    current = current_value(item, found[1])
    if not current.ambiguous and kind_of(found[1]).same(item, current.value, change.old):
        return None
    return ", ".join(current.ambiguous) if current.ambiguous else (current.value or "empty")


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
            holding = [c for c in changes if still_holds(current, c, self.fields) is None]
            for change in changes:
                now_holds = still_holds(current, change, self.fields)
                if now_holds is None:
                    continue
                if still_holds(current, replace(change, old=change.new), self.fields) is None:
                    # Someone set the very value planned: a write now would change nothing.
                    why = f"{CHANGED_SINCE}: {change.field} already holds {now_holds}; nothing to send"
                else:
                    why = f"{CHANGED_SINCE}: {change.field} is now {now_holds}; kept"
                dropped.append(WriteOutcome(change, "skipped", why))
            kept.append((current, holding))
        queue.extendleft(reversed(kept))
        return dropped
