"""The normalized backlog item: pure data, no I/O.

An :class:`Item` is what every connector produces and what mapping and planning consume.
It is frozen; build one with the named converters in ``roadsync.connectors.jira.convert`` and
``roadsync.connectors.github.convert``, or :meth:`Item.from_dict` when reading the mirror.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeVar

Source = Literal["jira", "github"]
Kind = Literal["epic", "issue", "sub-task", "pull_request"]
StatusCategory = Literal["todo", "in_progress", "done"]

__all__ = ["Item", "Kind", "Mark", "Source", "StatusCategory"]



@dataclass(frozen=True, slots=True)
class Mark:
    """roadsync's last write of one managed field of one item, as one source of evidence holds it.

    ``value`` is the tracker-native value roadsync wrote (``None``: it cleared the field);
    ``target`` the signature of the target it wrote (``TargetKind.signature``: ``priority``,
    ``label:theme/``, ``field:Alignment``...), so a record made for another target is not taken
    for this one; ``at`` when (ISO UTC; roadsync's clock for records it wrote, the tracker's for
    history); ``source`` where the record comes from (``jira-property``, ``board-marker``,
    ``github-events``, ``state-cache``...); ``touched_after``: the tracker's history shows
    another account set the field after this write (the value is then a person's, even if equal);
    ``history``: the record comes from the tracker's history, read apart from the item (its ``at``
    is then the tracker's clock, comparable with :attr:`Item.updated`).
    """

    value: str | None
    target: str
    at: str = ""
    source: str = ""
    touched_after: bool = False
    history: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "target": self.target, "at": self.at, "source": self.source,
                "touched_after": self.touched_after, "history": self.history}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mark:
        return cls(
            value=None if data.get("value") is None else str(data["value"]),
            target=sys.intern(str(data.get("target") or "")),
            at=str(data.get("at") or ""),
            source=sys.intern(str(data.get("source") or "")),
            touched_after=bool(data.get("touched_after")),
            history=bool(data.get("history")),
        )


@dataclass(frozen=True, slots=True)
class Item:
    """One issue, epic, sub-task (or pull request) from a tracker.

    ``key`` is ``PAY-123`` for Jira and ``owner/repo#45`` for GitHub. ``scope`` is the Jira
    project key or the GitHub ``owner/repo`` it was read from. ``fields`` holds the current
    values of custom fields (Jira, by field *name*) and Projects v2 fields (GitHub, by field
    name); ``None`` means empty. ``native_id`` is what write calls need (Jira issue id, GitHub
    issue node id); ``number_id`` is GitHub's integer issue id (sub-issue calls);
    ``project_item_id`` is the Projects v2 item id when the issue is on the configured board.

    ``marks`` holds what the tracker itself recorded of roadsync's writes, read with the item,
    by managed field (``priority``, ``theme``, ``alignment``): a field present with ``None`` was
    read and shows no write by roadsync; a field absent was not read with the item (its evidence,
    if the tracker has any, is fetched on demand: :meth:`Reader.evidence`).
    """

    source: Source
    key: str
    scope: str
    url: str
    kind: Kind
    title: str
    body: str = ""
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    status: str = ""
    status_category: StatusCategory = "todo"
    assignee: str | None = None
    priority: str | None = None
    issue_type: str | None = None
    parent: str | None = None
    links: tuple[str, ...] = ()
    estimate: float | None = None
    created: str = ""
    updated: str = ""
    fields: Mapping[str, str | None] = field(default_factory=dict)
    native_id: str = ""
    number_id: int | None = None
    project_item_id: str | None = None
    marks: Mapping[str, Mark | None] = field(default_factory=dict)

    @property
    def identity(self) -> str:
        """What follows the item across a Jira move (same issue id, new key): ``jira:10042``;
        the key when the tracker id is unknown."""
        return f"{self.source}:{self.native_id}" if self.native_id else self.key

    @property
    def is_open(self) -> bool:
        return self.status_category != "done"

    def label_values(self, prefix: str) -> tuple[str, ...]:
        """The label suffixes after ``prefix`` (``theme/`` -> ``("checkout",)``), sorted."""
        return tuple(sorted(label[len(prefix) :] for label in self.labels if label.startswith(prefix)))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fields"] = dict(self.fields)
        data["marks"] = {name: mark.to_dict() if mark else None for name, mark in self.marks.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Item:
        """Rebuild an item from :meth:`to_dict`'s document. Short values that repeat across a
        backlog (source, scope, kind, status, labels...) are interned, so 100k items loaded
        from the mirror share one copy of each instead of holding 100k."""
        values = dict(data)
        for name in _INTERNED:
            value = values.get(name)
            if isinstance(value, str):
                values[name] = sys.intern(value)
        for name in ("labels", "components", "links"):
            values[name] = tuple(sys.intern(v) for v in values.get(name) or ())
        # Field names and mark keys repeat on every item: JSON decoding gives each document its
        # own copies (about 60 bytes each, several per item) unless they are interned.
        fields = {sys.intern(str(k)): _shared(v) for k, v in (values.get("fields") or {}).items()}
        values["fields"] = _one_copy(fields, all(_repeats(v) for v in fields.values()))
        read = values.get("marks") or {}
        marks = {sys.intern(str(k)): Mark.from_dict(v) if v else None for k, v in read.items()}
        values["marks"] = _one_copy(marks, all(v is None for v in marks.values()))
        return cls(**values)


_INTERNED = ("source", "scope", "kind", "status", "status_category", "assignee", "priority", "issue_type")


_SHORT = 64
"""A field value this long or shorter is shared (interned): board options and the like repeat."""
_COPIES: dict[tuple[tuple[str, Any], ...], Mapping[str, Any]] = {}
_COPIES_LIMIT = 4096
"""Distinct field/mark mappings shared at most: a field of unique short texts must not make
the table hold one entry per item (past the limit, new combinations are simply not shared)."""

V = TypeVar("V")


def _one_copy(mapping: dict[str, V], repeats: bool) -> Mapping[str, V]:
    """One shared copy of ``mapping`` per distinct content when its values are of the kinds that
    repeat across a backlog (``repeats``: board options, empty values, marks read and empty):
    each item's own dict costs about 200 bytes, a few thousand combinations cover a backlog. The
    mappings are never changed (an :class:`Item` is frozen data)."""
    if not repeats:
        return mapping
    content = tuple(mapping.items())
    found = _COPIES.get(content)
    if found is not None:
        return found  # type: ignore[return-value]  # same content, so the same value types
    if len(_COPIES) < _COPIES_LIMIT:
        _COPIES[content] = mapping
    return mapping


def _repeats(value: object) -> bool:
    """Whether a field value is of the kind that repeats across a backlog: empty, or short text."""
    return value is None or (isinstance(value, str) and len(value) <= _SHORT)


def _shared(value: str | None) -> str | None:
    """A field value as one shared copy when short (board options repeat across a backlog)."""
    return sys.intern(value) if isinstance(value, str) and len(value) <= _SHORT else value

