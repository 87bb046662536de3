"""roadsync's ownership marker on a Projects v2 item: one text field that records what it wrote.

Projects v2 keeps no history of custom field values (only Status changes have timeline events, and
those are unreliable since 2026-09: research/ownership.md G8), and ``creator`` is documented as who
created the *item*. So roadsync keeps the record on the board itself: a TEXT field (``roadsync`` by
default, ``github.project.marker_field``) whose value on each item is a compact JSON document of
the values roadsync last wrote to that item's managed board fields:

    {"v": 1, "f": {"alignment": ["project:Alignment", "aligned"]}}

It is set by an aliased mutation in the **same** GraphQL document as the values (so both land
together), created on the board on the first write if missing (``createProjectV2Field``), and read
back with the board's items at no extra request (the text value and its ``updatedAt``).

A value differs from its entry: someone else set it. A value equal to its entry but whose
``updatedAt`` is later than the marker's own ``updatedAt`` (beyond :data:`SKEW`): someone set it
after roadsync's write (A -> B -> A): also a person's. Text values are limited to 1,024 characters
(community: gr2m/github-project#142); a marker holds at most three short entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from roadsync.connectors.model import Mark

__all__ = ["SKEW", "SOURCE", "MarkerBook", "board_marks", "marker_text"]

SOURCE = "Projects v2 marker field"
SKEW = timedelta(seconds=5)
"""How much later than the marker a value written in the same document may be stamped."""
TEXT_MAX = 1024


def marker_text(previous: str | None, writes: Mapping[str, tuple[str, str | None]]) -> str:
    """The marker after roadsync writes ``writes`` (managed field -> (target signature, value)),
    keeping the entries of fields this write leaves alone."""
    entries = dict(_entries(previous))
    entries.update(writes)
    text = json.dumps({"v": 1, "f": dict(sorted(entries.items()))}, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= TEXT_MAX else json.dumps({"v": 1, "f": {}})


class MarkerBook:
    """The marker of each board item as the board holds it (``confirmed``), and what the document
    being sent claims. A value alias can fail while the marker alias of the same document succeeds:
    :meth:`settle` then says what the marker must be corrected to, so it never claims a value
    roadsync did not write (which would make the value look like a person's)."""

    def __init__(self) -> None:
        self.confirmed: dict[str, str | None] = {}
        self._claims: dict[str, tuple[str, dict[str, tuple[str, str | None]]]] = {}
        self._lost: set[str] = set()

    def lost(self, item_id: str) -> None:
        """The document's marker alias for ``item_id`` failed: the board holds its old marker."""
        self._lost.add(item_id)

    def claim(self, item_id: str, read: str | None, writes: Mapping[str, tuple[str, str | None]]) -> str:
        """The marker text a document sets on ``item_id`` (``read``: its marker as last read)."""
        base = self.confirmed.get(item_id, read)
        self.confirmed.setdefault(item_id, read)
        claimed = marker_text(base, writes)
        self._claims[item_id] = (claimed, dict(writes))
        return claimed

    def settle(self, item_id: str, applied: set[str]) -> str | None:
        """After the document: the marker holding only the ``applied`` fields' writes; returned when
        it differs from what was claimed (a correction to send), else ``None``."""
        if item_id not in self._claims:
            return None  # no marker was claimed for it (no marker field, or a restore only)
        claimed, writes = self._claims.pop(item_id)
        actual = marker_text(self.confirmed.get(item_id), {f: w for f, w in writes.items() if f in applied})
        self.confirmed[item_id] = actual
        lost = item_id in self._lost
        self._lost.discard(item_id)
        return actual if actual != claimed or lost else None


def board_marks(
    text: str | None, marker_at: str | None, fields: Mapping[str, tuple[str, str | None]]
) -> dict[str, Mark | None]:
    """The marks of managed board fields (name -> (board field name, its value's ``updatedAt``))
    on one item, from the marker's ``text`` and ``updatedAt``."""
    entries = dict(_entries(text))
    marks: dict[str, Mark | None] = {}
    for name, (_, value_at) in fields.items():
        entry = entries.get(name)
        if entry is None:
            marks[name] = None
            continue
        target, value = entry
        later = _after(value_at, marker_at)
        marks[name] = Mark(value, target, marker_at or "", SOURCE, touched_after=later)
    return marks


def _entries(text: str | None) -> dict[str, tuple[str, str | None]]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    raw: Any = data.get("f") if isinstance(data, dict) and data.get("v") == 1 else None
    entries: dict[str, tuple[str, str | None]] = {}
    for name, entry in (raw or {}).items() if isinstance(raw, dict) else ():
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str):
            entries[str(name)] = (entry[0], None if entry[1] is None else str(entry[1]))
    return entries


def _after(value_at: str | None, marker_at: str | None) -> bool:
    """Whether a value was stamped later than the marker (beyond :data:`SKEW`)."""
    value, marker = _time(value_at), _time(marker_at)
    return value is not None and marker is not None and value > marker + SKEW


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat((text or "").replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
