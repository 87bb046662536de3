"""Whose value is this: the one decision behind "never clobber" (design.md). Pure, no I/O.

The planner, drift, ``explain`` and the reports all ask :meth:`Ledger.verdict` (and
:func:`decide` for what to do about it); nothing else decides ownership.

**Evidence, best first.**

1. *The tracker.* What roadsync recorded on the item itself when it wrote (a Jira issue property
   sent in the same edit; the Projects v2 marker field set in the same GraphQL document), read with
   the item (:attr:`Item.marks`), or the tracker's history of the field (GitHub label and
   issue-type events by roadsync's account), fetched on demand for the fields where the answer
   changes what the plan does (:meth:`Reader.evidence`).
2. *The state cache* (``state.sqlite``): what this state folder recorded writing. It decides only
   where the tracker holds no evidence for a field, and it detects a read older than roadsync's own
   write (search lag). Losing, truncating or duplicating it changes no decision the tracker's
   evidence can make.

**Verdicts** (:class:`Verdict`):

- ``roadsync``: roadsync wrote the current value and nobody changed it since: keep it up to date;
- ``person``: someone else set the field after roadsync's last write (or the value differs from
  it): never overwritten (unless ``override = true`` on a writing policy), reported as
  ``manual_override``; also when no evidence is left to tell (a shared account with no cache):
  roadsync never takes a field over on a guess;
- ``nobody``: roadsync never wrote this field of this item: the policy decides alone;
- ``unsettled``: the value read predates roadsync's own recent write of it (the tracker's search
  has not caught up), or no marker, record or history read so far speaks for it and the tracker
  cannot be asked (offline verbs after a ``pull`` alone): neither written nor blamed this run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Literal

from roadsync.config.model import FieldTarget, ManagedField
from roadsync.connectors.model import Item, Mark
from roadsync.targets import Current, kind_of

__all__ = [
    "LAG_BOUND",
    "Decision",
    "Ledger",
    "Owner",
    "Pair",
    "Unasked",
    "Verdict",
    "decide",
    "for_target",
]

Owner = Literal["roadsync", "person", "nobody", "unsettled"]
Pair = tuple[str, str]
"""``(item key, managed field)``."""

LAG_BOUND = timedelta(minutes=10)
"""How long after roadsync's write a read that does not show it may still be a stale read: Jira
Cloud's search "doesn't provide read-after-write consistency ... from a few seconds to minutes"
(developer.atlassian.com/cloud/jira/platform/search-and-reconcile). Past it, a value that differs
from roadsync's write is a change, not lag."""


class Unasked(Enum):
    """Tracker evidence that was not read: ``UNASKED`` (not fetched; the answer would not change
    the plan) or ``UNAVAILABLE`` (asked; the tracker holds none that roadsync can trust)."""

    UNASKED = "unasked"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Verdict:
    """Who set a field's current value, and the evidence that says so (``why``, for people)."""

    owner: Owner
    last: Mark | None = None
    why: str = ""
    holds_last: bool = False
    """Whether the field holds ``last``'s value now, as the tracker compares values (a person who
    set roadsync's own value again after changing it: still theirs, reported as set again)."""

    @property
    def by_person(self) -> bool:
        return self.owner == "person"


@dataclass(frozen=True)
class Decision:
    """What the plan does about one field: ``write`` (and ``reason``), and the ``finding`` the
    report shows when a person's value is involved (``None``: nothing to report)."""

    write: bool
    reason: str = ""
    finding: str | None = None


@dataclass
class Ledger:
    """All ownership evidence of one run, answering :meth:`verdict` per item and field.

    ``fetched`` holds on-demand tracker evidence by pair (``None``: the tracker shows no write by
    roadsync; :attr:`Unasked.UNAVAILABLE`: asked, nothing trustworthy); ``cache`` the state file's
    records by ``(Item.identity, field)`` (older records by item key); ``now`` the run's time
    (ISO UTC) for the lag bound. ``on_demand``: the trackers whose evidence not read with the items
    can still be fetched (those pulled this run; none offline).
    """

    fetched: Mapping[Pair, Mark | Unasked | None] = field(default_factory=dict)
    cache: Mapping[Pair, Mark] = field(default_factory=dict)
    now: str = ""
    asked: set[Pair] = field(default_factory=set)
    on_demand: frozenset[str] = frozenset()
    confirms: frozenset[str] = frozenset()
    """Trackers whose history confirms a marker before roadsync writes over the value it names
    (:attr:`roadsync.sync.sources.Tracker.confirms_marks`): a person may have set that same value
    since, which the marker alone cannot show."""
    silent: bool = False
    """The trackers hold no evidence beyond what the items carry: records alone decide (tests)."""

    @classmethod
    def from_written(cls, written: Mapping[Pair, str | None], target: str | None = None) -> Ledger:
        """An offline ledger of cached records only (values by ``(key, field)``); ``target``
        ``None`` matches any target (tests, and records from before targets were kept)."""
        return cls(cache={pair: Mark(value, target or "") for pair, value in written.items()}, silent=True)

    def tracker(self, item: Item, name: str) -> Mark | Unasked | None:
        """The tracker's evidence for ``name`` of ``item``: read with it, fetched, or not asked."""
        fetched = self.fetched.get((item.key, name), None if self.silent else Unasked.UNASKED)
        if name not in item.marks:
            return fetched
        if isinstance(fetched, Mark) and fetched.touched_after:
            return fetched  # the history shows a later edit the marker cannot
        return item.marks[name]

    def cached(self, item: Item, name: str) -> Mark | None:
        return self.cache.get((item.identity, name)) or self.cache.get((item.key, name))

    def verdict(self, item: Item, name: str, target: FieldTarget, current: Current) -> Verdict:
        """Whose value ``current`` (field ``name`` of ``item``, living in ``target``) is."""
        kind = kind_of(target)
        signature = kind.signature(target)
        tracker = for_target(self.tracker(item, name), signature)
        cached = for_target(self.cached(item, name), signature)
        cache = cached if isinstance(cached, Mark) else None

        def same(mark: Mark) -> bool:
            return kind.same(item, current.value, mark.value) and not current.ambiguous

        mark = tracker if isinstance(tracker, Mark) else None
        if mark is not None and mark.touched_after:
            return _from_mark(mark, same(mark))  # the tracker's history is definitive
        if cache is not None and cache.touched_after and (mark is None or not _before(cache.at, mark.at)):
            return _from_mark(cache, same(cache))  # a race: roadsync wrote, the person's value was put back
        stale = mark is None or (mark.value != cache.value and _before(mark.at, cache.at)) if cache else False
        if cache is not None and stale and self._recent(cache) and not same(cache):
            return Verdict("unsettled", cache, "the value read predates roadsync's own write")
        if mark is not None and mark.history and not same(mark) and _time(item.updated) and _before(
            item.updated, mark.at
        ):
            # The item as read is older than roadsync's write in the tracker's own history: a
            # lagging search (or a read just before the write), not a person's edit.
            return Verdict("unsettled", mark, "the value read predates roadsync's write in the history")
        if mark is not None:
            return _from_mark(mark, same(mark))
        if cache is not None:
            return _from_mark(cache, same(cache))
        if tracker is Unasked.UNAVAILABLE:
            return Verdict("person", None, "no evidence left to tell who set it")
        if tracker is Unasked.UNASKED and self.offline:
            # Offline: the history, which may name a person, cannot be asked for, so the field is
            # nobody's to take over on this plan. (Online, a tracker that could not be read has
            # its changes planned and held back: never written, listed as skipped with why.)
            why = "its history was not read; an online plan reads it where it would write"
            return Verdict("unsettled", None, why)
        return Verdict("nobody", None, "roadsync never wrote it")

    @property
    def offline(self) -> bool:
        """No tracker can be asked for evidence (the offline verbs): what was not read stays unread."""
        return not self.on_demand and not self.silent

    def _recent(self, mark: Mark) -> bool:
        written, now = _time(mark.at), _time(self.now)
        return written is not None and now is not None and now - written < LAG_BOUND

    def unread(self, item: Item, name: str) -> bool:
        """Whether the tracker's evidence for this field was neither read with the item nor fetched."""
        return self.tracker(item, name) is Unasked.UNASKED

    def wants(self, item: Item, name: str, verdict: Verdict | None = None) -> bool:
        """Whether the tracker's evidence for this field should be asked for: it is unread, or
        ``verdict`` gives the value to roadsync on a marker alone where the tracker's history can
        confirm it (:attr:`confirms`) before the plan writes over it."""
        askable = item.source in self.on_demand and (item.key, name) not in self.asked
        if not askable:
            return False
        if self.unread(item, name):
            return True
        carried = item.marks.get(name)
        return (
            item.source in self.confirms and verdict is not None and verdict.owner == "roadsync"
            and carried is not None and verdict.last is carried and not carried.history
        )  # fmt: skip

    def add(self, asked: Iterable[Pair], answers: Mapping[Pair, Mark | Unasked | None]) -> Ledger:
        """A ledger that also holds ``answers``; pairs ``asked`` and unanswered are unavailable."""
        asked = set(asked)
        fetched: dict[Pair, Mark | Unasked | None] = dict(self.fetched)
        fetched.update({pair: Unasked.UNAVAILABLE for pair in asked})
        fetched.update(answers)
        return Ledger(
            fetched, self.cache, self.now, self.asked | asked, self.on_demand, self.confirms, self.silent
        )


def for_target(mark: Mark | Unasked | None, signature: str) -> Mark | Unasked | None:
    """``mark`` if it may speak for the target ``signature``: a record of a write to another target
    (the config moved the field) says nothing about this one (``None``)."""
    if isinstance(mark, Mark) and mark.target and mark.target != signature:
        return None
    return mark


def _from_mark(mark: Mark, same: bool) -> Verdict:
    where = mark.source or "record"
    if mark.touched_after:
        return Verdict("person", mark, f"changed by someone else after roadsync wrote it ({where})", same)
    if same:
        return Verdict("roadsync", mark, f"roadsync wrote it ({where})", same)
    return Verdict("person", mark, f"differs from what roadsync wrote ({where})", same)


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _before(left: str, right: str) -> bool:
    """Whether ``left`` is earlier than ``right`` (an unreadable ``left`` is earlier)."""
    a, b = _time(left), _time(right)
    if b is None:
        return False
    return a is None or a < b


def decide(managed: ManagedField, name: str, current: Current, desired: str | None, same: bool,
           verdict: Verdict) -> Decision:  # fmt: skip
    """Whether to write ``desired`` over ``current`` and what the report says about it.

    ``same`` is whether ``desired`` and ``current`` are one value in the tracker. A person's value
    is written over only with ``override = true`` on a policy that writes (``report`` never
    writes, whatever ``override`` says).
    """
    if current.ambiguous:
        ours = verdict.last.value if verdict.last is not None else None  # as compute_pins reads it
        theirs = [v for v in current.ambiguous if ours is None or v.lower() != ours.lower()]
        several = ", ".join(theirs)
        if ours is not None and len(theirs) < len(current.ambiguous):
            beside = f"{name}: {several} set by hand beside roadsync's {ours}; not written"
            return Decision(False, finding=beside)
        return Decision(False, finding=f"{name}: several values by hand ({several}); not written")
    if verdict.owner == "unsettled":
        return Decision(False)
    if verdict.by_person:
        overwrite = managed.override and managed.policy != "report"
        last = verdict.last.value if verdict.last else None
        shown = f"{name} changed by hand from {last or 'empty'} to {current.value or 'empty'}"
        if verdict.last is None:
            shown = f"{name} is {current.value or 'empty'}; {verdict.why}"
        elif verdict.last.touched_after and verdict.holds_last:
            shown = f"{name} set by hand to {current.value or 'empty'} again, after roadsync wrote it"
        elif verdict.last.touched_after:
            shown = f"{name} set by hand to {current.value or 'empty'} after roadsync wrote {last or 'empty'}"
        if same:
            return Decision(False, finding=f"{shown}; kept")
        kept = "overwritten (override = true)" if overwrite else "kept"
        reason = "changed by hand; field policy says override" if overwrite else ""
        return Decision(overwrite, reason, f"{shown}; {kept}")
    if same or managed.policy == "report":
        return Decision(False)
    if verdict.owner == "roadsync":
        return Decision(True, "roadsync owns this value")
    if managed.policy == "fill" and current.value is not None:
        return Decision(False)
    enforce = managed.policy == "enforce"
    taken = "roadsync never wrote this field; policy enforce takes it over" if enforce else "field was empty"
    return Decision(True, taken)
