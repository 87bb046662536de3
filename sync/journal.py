"""The append-only audit journal of every write: JSON lines at ``<state_dir>/journal.jsonl``.

Each write is journaled twice: an ``intent`` line written and fsynced *before* the write is
sent, and a ``done`` line after it with the outcome. Lines are appended in batches and made
durable together: apply appends the intents of the changes it hands a writer
(:meth:`Journal.intents` with ``sync=False``) and the writer calls :meth:`Journal.sync_intents`
right before it sends any request that changes the tracker, so every intent appended so far is
on disk before that request leaves; outcomes ride on the next fsync (:meth:`Journal.outcomes`).
A writer that holds changes back for one request (a Jira bulk task, a GraphQL document of many
updates) thus costs one fsync per request, not one per line or per item.
An intent without a done line means the run died mid-write: the next apply must check such
items against the tracker rather than blindly resend (:meth:`Journal.uncertain`).

A cron run reads only what was appended since every intent was last seen closed: the state file
keeps that offset and a fingerprint of the bytes before it (:class:`Settled`), and
:meth:`Journal.uncertain` starts there when the file still holds those bytes (else from the
start: a journal replaced, shortened or rewritten is read whole). The file itself is never
rewritten or truncated. Damage before the offset is found by :meth:`Journal.check` (``--rebuild-state``).

Every line has ``time``, ``run_id``, ``entry``, ``event`` (``intent``|``done``), ``item``
(intents also the item's ``identity``, which follows a moved issue),
``field``, ``before``, ``after``, ``rule`` and ``status`` (``pending`` on intents; ``applied``,
``skipped``, ``unwritable`` or ``failed`` on done lines). A done line's ``note`` says why, never
null; an outcome other than ``applied`` repeats it as ``error`` (the field older readers know).
Lines pass through :func:`~roadsync.errors.scrub`, so a token can never land in the file.

Damage is refused, never skipped (:func:`~roadsync.sync.damage.journal_damaged`, exit 1): a line
that is not JSON, or an entry of the wrong shape (an unknown ``event`` or ``status``, no ``entry``
id). The one exception is a line a crash cut short (:func:`_torn`): tolerated as the last line;
the next run that appends starts on a fresh line and marks its first line ``follows_torn_line``,
so a torn line in the middle of the file is accepted only right before such a mark.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from roadsync.changes import FieldChange
from roadsync.errors import scrub
from roadsync.private import private_folder
from roadsync.sync.damage import journal_damaged, journal_unwritable

__all__ = ["JOURNAL_FILE", "OUTCOMES", "Journal", "Settled", "new_run_id"]

JOURNAL_FILE = "journal.jsonl"
_PRINT = 256
"""Bytes before a :class:`Settled` offset its fingerprint covers."""
OUTCOMES = ("applied", "skipped", "unwritable", "failed")
"""The ``status`` of a done line."""
_MARK = "follows_torn_line"
_NOTES = {"applied": "written", "skipped": "not sent", "unwritable": "refused by the tracker",
          "failed": "failed (no reason given)"}  # fmt: skip


class Settled(NamedTuple):
    """Where every intent of the journal is closed: ``offset`` (bytes, at a line's start) and
    ``tail``, the SHA-256 (hex) of the up to 256 bytes before it, which tells this journal from
    one replaced or rewritten since. ``Settled()`` is the file's start."""

    offset: int = 0
    tail: str = ""


def _fingerprint(before: bytes) -> str:
    return hashlib.sha256(before).hexdigest()


def _entry(raw: bytes) -> dict[str, Any] | None:
    """One journal line as a dict, or None when it is not one (binary, not JSON, not an object)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _shape(entry: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a journal entry, or None when it is one."""
    event, status = entry.get("event"), entry.get("status")
    if event not in ("intent", "done"):
        return f'event {json.dumps(event)}, expected "intent" or "done"'
    if not isinstance(entry.get("entry"), str) or not entry["entry"]:
        return "no entry id"
    allowed = ("pending",) if event == "intent" else OUTCOMES
    if status not in allowed:
        return f"{event} line with status {json.dumps(status)}, expected {' or '.join(allowed)}"
    if not isinstance(entry.get("item"), str) or not isinstance(entry.get("field"), str):
        return "no item or field"
    return None


def _torn(raw: bytes) -> bool:
    """A line a crash cut short: the start of a JSON object (its end may split a UTF-8 character).
    The next run starts on a fresh line, marked :data:`_MARK`, so a torn line can sit right
    before such a line."""
    if not raw.startswith(b'{"') or b"\x00" in raw:
        return False
    try:
        raw[:-4].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def new_run_id() -> str:
    """A fresh id for one run (every journal line of the run carries it)."""
    return uuid.uuid4().hex[:12]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _intent_line(change: FieldChange, run_id: str, identity: str | None = None) -> dict[str, Any]:
    return {
        "time": _now(),
        "run_id": run_id,
        "entry": uuid.uuid4().hex,
        "event": "intent",
        "identity": identity or change.item,
        "item": change.item,
        "field": change.field,
        "before": change.old,
        "after": change.new,
        "rule": change.rule,
        "reason": change.reason,
        "status": "pending",
    }


class Journal:
    """Appends to one journal file; safe to share between threads of one run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # Intents of this process's run, so done() need not re-read the file.
        self._recent: dict[str, dict[str, Any]] = {}
        self._checked_tail = False
        self._syncs = 0
        self._unsynced = False  # lines appended since the last fsync
        self._open = False  # among them, an intent: a write may not be sent before the next fsync
        self._durable = 0
        self.settled = Settled()
        """Where every intent is closed, as of the last :meth:`uncertain`."""
        self.read_from = 0
        """Where the last :meth:`uncertain` began reading: 0 when the file no longer held the
        bytes its ``since`` mark was taken after (the journal was replaced, shortened, rewritten)."""

    def intent(self, change: FieldChange, run_id: str, *, identity: str | None = None) -> str:
        """Journal that ``change`` is about to be sent (fsynced before returning); return its entry id.
        ``identity`` is the item's tracker identity (``jira:10042``), which follows a moved issue."""
        return self.intents([change], run_id, [identity])[0]

    def intents(
        self,
        changes: Sequence[FieldChange],
        run_id: str,
        identities: Sequence[str | None] | None = None,
        *,
        sync: bool = True,
    ) -> list[str]:
        """Journal that every change of ``changes`` is about to be sent, in one append and one
        fsync (on disk before returning, so before any of them is sent); their entry ids.
        ``identities``: each change's item identity (default: its key). ``sync=False`` only
        appends: the caller must call :meth:`sync_intents` before any of them is sent."""
        who = identities if identities is not None else [None] * len(changes)
        lines = [_intent_line(change, run_id, i) for change, i in zip(changes, who, strict=True)]
        self._append(lines, sync=sync)
        return [str(line["entry"]) for line in lines]

    def sync_intents(self) -> None:
        """Make every intent appended so far durable (one fsync, with whatever lines came since
        the last); nothing when none is waiting. The barrier apply gives its writers."""
        with self._lock:
            if not self._open:
                return
        self.sync()

    def done(self, entry_id: str, status: str, note: str | None = None) -> None:
        """Journal the outcome of the write behind ``entry_id`` (one of :data:`OUTCOMES`) and why
        (``note``; a plain default per status when None)."""
        self.outcomes([(entry_id, status, note)])

    def outcomes(self, results: Sequence[tuple[str, str, str | None]], *, sync: bool = True) -> None:
        """Journal several outcomes ``(entry id, status, note)`` in one append. ``sync=False``
        leaves the fsync to the next one (:meth:`intents` or :meth:`sync`): an outcome lost to a
        crash leaves its intent open, and the next run checks the tracker (:meth:`uncertain`)."""
        self._append([self._done_line(*result) for result in results], sync=sync)

    def sync(self) -> None:
        """Make every line appended so far durable (one fsync)."""
        self._append([], sync=True)

    @property
    def syncs(self) -> int:
        """How many fsyncs this journal has made (one per batch of lines made durable)."""
        return self._syncs

    @property
    def durable(self) -> int:
        """How many bytes of the file this journal has made durable (its size at its last fsync;
        0 before its first)."""
        return self._durable

    def _done_line(self, entry_id: str, status: str, note: str | None) -> dict[str, Any]:
        intent = self._find_intent(entry_id)
        line: dict[str, Any] = {
            "time": _now(),
            "run_id": intent.get("run_id") if intent else None,
            "entry": entry_id,
            "event": "done",
            "item": intent.get("item") if intent else None,
            "field": intent.get("field") if intent else None,
            "before": intent.get("before") if intent else None,
            "after": intent.get("after") if intent else None,
            "rule": intent.get("rule") if intent else None,
            "status": status,
            "note": note or _NOTES.get(status, status),
        }
        if status != "applied":
            line["error"] = line["note"]
        return line

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every line of the journal in order. A torn last line (a crash mid-append) is skipped,
        and so is a torn line the next run marked (:data:`_MARK`); any other line that is not a
        journal entry of the right shape raises :class:`~roadsync.errors.LocalFileError` naming the
        file and the line (the journal is damaged: binary data, an edit gone wrong)."""
        for _, entry in self._lines(0):
            yield entry

    def check(self) -> None:
        """Raise :class:`~roadsync.errors.LocalFileError` when the journal is damaged."""
        for _ in self.entries():
            pass

    def uncertain(self, since: Settled = Settled()) -> list[dict[str, Any]]:
        """Intents without a done line, oldest first: writes whose outcome is unknown. Reads from
        ``since`` when the file still holds the bytes it was taken after (else from the start);
        :attr:`settled` is then where every intent read is closed, for the next run's ``since``."""
        start = since.offset if since.offset and self._holds(since) else 0
        self.read_from = start
        pending: dict[str, dict[str, Any]] = {}
        closed_at = start
        for end, entry in self._lines(start):
            if entry.get("event") == "intent":
                pending[str(entry.get("entry"))] = entry
            elif entry.get("event") == "done":
                pending.pop(str(entry.get("entry")), None)
            if not pending and end is not None:
                closed_at = end
        self._recent.update(pending)  # resolve() repeats them without reading the file again
        self.settled = self._settle(since, start, closed_at)
        return list(pending.values())

    def _holds(self, mark: Settled) -> bool:
        """Whether the file's bytes before ``mark.offset`` end as they did when it was taken."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(max(0, mark.offset - _PRINT))
                before = handle.read(min(mark.offset, _PRINT))
        except OSError:
            return False
        return len(before) == min(mark.offset, _PRINT) and _fingerprint(before) == mark.tail

    def _settle(self, since: Settled, start: int, offset: int) -> Settled:
        """The mark at ``offset`` (the scan began at ``start``): the done lines before it are made
        durable first (an outcome appended without fsync must not be skipped by the next run if
        the machine loses it)."""
        if offset == start == since.offset or offset == 0:
            return since if offset else Settled()
        try:
            with self.path.open("rb") as handle:
                os.fsync(handle.fileno())
                handle.seek(max(0, offset - _PRINT))
                return Settled(offset, _fingerprint(handle.read(offset - handle.tell())))
        except OSError:
            return Settled()

    def _lines(self, start: int) -> Iterator[tuple[int | None, dict[str, Any]]]:
        """Each entry from byte ``start`` on, with the offset just after its newline (``None``
        for a last line without one); a damaged line raises (:meth:`entries`)."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(start)
                data = handle.read()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise journal_damaged(self.path, 1, f"cannot be read ({exc.strerror})") from None
        lines = data.split(b"\n")
        position, torn = start, 0  # the number of a torn line not yet followed by a marked one
        for number, raw in enumerate(lines, 1):
            position += len(raw) + 1
            end = position if number < len(lines) else None
            if not raw.strip():
                continue
            entry = _entry(raw)
            why = _shape(entry) if entry is not None else None if _torn(raw) else "not JSON"
            if torn and (entry is None or not entry.get(_MARK)):
                why, number = "cut short in the middle of the file, not by a crash", torn
            if why is not None:
                raise journal_damaged(self.path, self._line_number(start) + number,
                                      f"is not a journal entry ({why}): the file is damaged")  # fmt: skip
            if entry is None:
                torn = number
                continue
            torn = 0
            yield end, entry

    def _line_number(self, offset: int) -> int:
        """How many lines the journal holds before byte ``offset`` (for an error message)."""
        with self.path.open("rb") as handle:
            return handle.read(offset).count(b"\n")

    def resolve(self, entry_id: str, status: str, note: str | None = None) -> None:
        """Close an uncertain intent after checking the tracker (same as :meth:`done`)."""
        self.done(entry_id, status, note)

    def _find_intent(self, entry_id: str) -> dict[str, Any] | None:
        # The done line repeats the intent's fields so each line reads on its own; an intent
        # from an earlier run (resolve()) is found by reading the file.
        cached = self._recent.pop(entry_id, None)
        if cached is not None:
            return cached
        for entry in self.entries():
            if entry.get("event") == "intent" and entry.get("entry") == entry_id:
                return entry
        return None

    def _append(self, lines: Sequence[dict[str, Any]], *, sync: bool) -> None:
        text = _text(lines)
        with self._lock:
            if not text and not (sync and self._unsynced):
                return
            private_folder(self.path.parent)
            if text and not self._checked_tail:
                if self._after_torn_line():
                    text = "\n" + _text([{**lines[0], _MARK: True}, *lines[1:]])
                self._checked_tail = True
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    data = text.encode("utf-8")
                    while data:  # a short write (the disk filling up) is followed by an error
                        data = data[os.write(fd, data) :]
                    if sync:
                        os.fsync(fd)
                        self._syncs += 1
                        self._durable = os.fstat(fd).st_size
                finally:
                    os.close(fd)
            except OSError as exc:
                raise journal_unwritable(self.path, exc) from None
            self._unsynced = not sync and (self._unsynced or bool(text))
            self._open = not sync and (self._open or any(line.get("event") == "intent" for line in lines))
            self._recent.update({str(line["entry"]): line for line in lines if line.get("event") == "intent"})

    def _after_torn_line(self) -> bool:
        """Whether the file ends without a newline: a run killed mid-append tore its last line.
        This run then starts on a fresh line (so its first entry is not glued onto the torn one
        and lost) and marks that line, so readers know the torn line was a crash's."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(-1, os.SEEK_END)
                last = handle.read(1)
        except OSError:  # missing or empty file
            return False
        return last != b"\n"


def _text(lines: Sequence[dict[str, Any]]) -> str:
    # One scrub for the batch: a line is one JSON object (no raw newline inside), so no
    # secret or auth header can match across two lines.
    return scrub("".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines))
