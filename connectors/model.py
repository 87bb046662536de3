"""The normalized backlog item: pure data, no I/O.

An :class:`Item` is what every connector produces and what mapping and planning consume.
It is frozen; build one with the named converters in ``roadsync.connectors.jira.convert`` and
``roadsync.connectors.github.convert``, or :meth:`Item.from_dict` when reading the mirror.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Source = Literal["jira", "github"]
Kind = Literal["epic", "issue", "sub-task", "pull_request"]
StatusCategory = Literal["todo", "in_progress", "done"]

__all__ = ["Item", "Kind", "Source", "StatusCategory"]


@dataclass(frozen=True, slots=True)
class Item:
    """One issue, epic, sub-task (or pull request) from a tracker.

    ``key`` is ``PAY-123`` for Jira and ``owner/repo#45`` for GitHub. ``scope`` is the Jira
    project key or the GitHub ``owner/repo`` it was read from. ``fields`` holds the current
    values of custom fields (Jira, by field *name*) and Projects v2 fields (GitHub, by field
    name); ``None`` means empty. ``native_id`` is what write calls need (Jira issue id, GitHub
    issue node id); ``number_id`` is GitHub's integer issue id (sub-issue calls);
    ``project_item_id`` is the Projects v2 item id when the issue is on the configured board.
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

    @property
    def is_open(self) -> bool:
        return self.status_category != "done"

    def label_values(self, prefix: str) -> tuple[str, ...]:
        """The label suffixes after ``prefix`` (``theme/`` -> ``("checkout",)``), sorted."""
        return tuple(sorted(label[len(prefix) :] for label in self.labels if label.startswith(prefix)))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fields"] = dict(self.fields)
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
        values["fields"] = dict(values.get("fields") or {})
        return cls(**values)


_INTERNED = ("source", "scope", "kind", "status", "status_category", "assignee", "priority", "issue_type")
