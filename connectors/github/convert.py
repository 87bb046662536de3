"""Pure converters from GitHub JSON (REST issues, GraphQL Projects v2 pages) to roadsync data.

No I/O here; every function takes decoded JSON and returns frozen data. Decisions, in one place:

- **key** ``owner/repo#n``; **url** ``html_url``; **native_id** the issue ``node_id`` (GraphQL
  writes); **number_id** the integer ``id`` (sub-issue calls).
- **kind**: ``pull_request`` when the JSON has a ``pull_request`` key; ``epic`` when the issue type
  is named ``Epic`` (case-insensitive); else ``issue``. Having sub-issues does not make an epic.
- **status** is ``open`` or ``closed``; ``state_reason`` (``completed``/``not_planned``) is not kept,
  Item has no slot for it. **status_category**: closed -> ``done``; open -> ``in_progress`` when a
  label or the board's ``Status`` field says so (``in progress``, ``doing``, ``wip``, ``in review``,
  also behind a ``status/`` or ``status:`` prefix), else ``todo``.
- **parent** from ``parent_issue_url`` (``…/repos/o/r/issues/7`` -> ``o/r#7``); the reader falls
  back to ``/sub_issues`` listings where the server does not send that key.
- **components** stay empty (milestones are not components); **priority** stays ``None`` (GitHub
  priority lives in labels or board fields that the managed-field targets name).
- **links**: Jira keys found in title and body by the configured key pattern, sorted, unique.
- **fields**: the Projects v2 values by field name (single-select: option name; number: ``"3"``,
  ``"2.5"``; text and date as is); **estimate** from the field named by ``estimate_field``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import re2

from roadsync.connectors.github.board_marks import board_marks
from roadsync.connectors.model import Item, Kind, StatusCategory

__all__ = [
    "DEFAULT_KEY_PATTERN",
    "BoardItem",
    "BoardMarking",
    "KeyPattern",
    "ProjectField",
    "ProjectSnapshot",
    "apply_board_item",
    "board_item_from_node",
    "carry_board",
    "compile_key_pattern",
    "issue_key",
    "item_from_issue",
    "number_text",
    "parent_key_from_url",
    "project_fields_from_nodes",
]

DEFAULT_KEY_PATTERN = r"\b[A-Z][A-Z0-9_]+-\d+\b"
BODY_LIMIT = 4000
_IN_PROGRESS = {"in progress", "in-progress", "in_progress", "doing", "wip", "in review"}
_PARENT_URL = re.compile(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/?$")


class KeyPattern(Protocol):
    """A compiled regular expression (``re2`` or ``re``) that finds Jira keys."""

    def finditer(self, string: str) -> Iterator[Any]: ...


def compile_key_pattern(pattern: str | None) -> KeyPattern:
    """Compile the configured key pattern with RE2 (linear time; config regexes are untrusted)."""
    compiled: KeyPattern = re2.compile(pattern or DEFAULT_KEY_PATTERN)
    return compiled


@dataclass(frozen=True, slots=True)
class BoardItem:
    """One issue's item on the Projects v2 board: its item id, field values by field name, and
    when each value was last set (``updatedAt``, ISO UTC, by field name)."""

    item_id: str
    values: Mapping[str, str | None] = field(default_factory=dict)
    updated: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectField:
    """A board field: id, name, data type (``SINGLE_SELECT``, ``TEXT``, ``NUMBER``…), options name->id."""

    id: str
    name: str
    data_type: str
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectSnapshot:
    """The configured board as read once per pull: ids for writes, values for reads."""

    project_id: str
    fields: Mapping[str, ProjectField]
    items: Mapping[str, BoardItem]


def issue_key(repo: str, number: int) -> str:
    return f"{repo}#{number}"


def parent_key_from_url(url: str | None) -> str | None:
    """``https://api.github.com/repos/o/r/issues/7`` -> ``o/r#7``; ``None`` when absent or odd."""
    if not url:
        return None
    match = _PARENT_URL.search(url)
    return issue_key(f"{match[1]}/{match[2]}", int(match[3])) if match else None


def number_text(value: float | int) -> str:
    """A board number as text: ``3.0`` -> ``"3"``, ``2.5`` -> ``"2.5"``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def item_from_issue(
    raw: Mapping[str, Any],
    *,
    repo: str,
    key_pattern: KeyPattern,
    board_item: BoardItem | None = None,
    estimate_field: str | None = None,
    marking: BoardMarking | None = None,
) -> Item:
    """The :class:`Item` for one REST issue JSON object of ``repo`` (``owner/name``)."""
    title = str(raw.get("title") or "")
    body = str(raw.get("body") or "")
    labels = tuple(str(lab["name"] if isinstance(lab, dict) else lab) for lab in raw.get("labels") or ())
    issue_type = (raw.get("type") or {}).get("name")
    item = Item(
        source="github",
        key=issue_key(repo, int(raw["number"])),
        scope=repo,
        url=str(raw.get("html_url") or ""),
        kind=_kind(raw, issue_type),
        title=title,
        body=body[:BODY_LIMIT],
        labels=labels,
        status=str(raw.get("state") or "open"),
        assignee=_assignee(raw),
        issue_type=issue_type,
        parent=parent_key_from_url(raw.get("parent_issue_url")),
        links=_jira_keys(key_pattern, f"{title}\n{body}"),
        created=str(raw.get("created_at") or ""),
        updated=str(raw.get("updated_at") or ""),
        native_id=str(raw.get("node_id") or ""),
        number_id=raw.get("id"),
    )
    return apply_board_item(item, board_item, estimate_field=estimate_field, marking=marking)


@dataclass(frozen=True)
class BoardMarking:
    """Which managed fields live on the board (managed field -> board field name) and the name of
    the text field that holds roadsync's ownership marker (:mod:`.board_marks`)."""

    fields: Mapping[str, str]
    marker_field: str


def apply_board_item(
    item: Item,
    board_item: BoardItem | None,
    *,
    estimate_field: str | None,
    marking: BoardMarking | None = None,
) -> Item:
    """``item`` with the board's values, item id, estimate, status category and (with ``marking``)
    the ownership marks of its managed board fields (re)applied."""
    values = dict(board_item.values) if board_item else {}
    marks = dict(item.marks)
    if marking is not None:
        updated = board_item.updated if board_item else {}
        fields = {name: (board, updated.get(board)) for name, board in marking.fields.items()}
        text, at = values.get(marking.marker_field), updated.get(marking.marker_field)
        marks.update(board_marks(text, at, fields))
    return replace(
        item,
        fields=values,
        project_item_id=board_item.item_id if board_item else None,
        estimate=_estimate(values.get(estimate_field) if estimate_field else None),
        status_category=_status_category(item.status, item.labels, values.get("Status")),
        marks=marks,
    )


def carry_board(item: Item, before: Item, *, marking: BoardMarking | None = None) -> Item:
    """``item`` (just read from REST, no board part) with the board part of ``before`` (the
    mirror's copy): values, item id, estimate and the managed board fields' marks, its status
    category recomputed. For an issue whose board item did not change since ``before`` was read."""
    marks = dict(item.marks)
    if marking is not None:
        marks.update({name: before.marks.get(name) for name in marking.fields})
    return replace(
        item,
        fields=dict(before.fields),
        project_item_id=before.project_item_id,
        estimate=before.estimate,
        status_category=_status_category(item.status, item.labels, before.fields.get("Status")),
        marks=marks,
    )


def _kind(raw: Mapping[str, Any], issue_type: str | None) -> Kind:
    if "pull_request" in raw:
        return "pull_request"
    if issue_type and issue_type.lower() == "epic":
        return "epic"
    return "issue"


def _assignee(raw: Mapping[str, Any]) -> str | None:
    person = raw.get("assignee") or next(iter(raw.get("assignees") or ()), None)
    return str(person["login"]) if person else None


def _jira_keys(pattern: KeyPattern, text: str) -> tuple[str, ...]:
    return tuple(sorted({match.group(0) for match in pattern.finditer(text)}))


def _estimate(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _says_in_progress(text: str) -> bool:
    name = text.lower()
    for prefix in ("status/", "status:"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.strip() in _IN_PROGRESS


def _status_category(state: str, labels: tuple[str, ...], board_status: str | None) -> StatusCategory:
    if state == "closed":
        return "done"
    if any(_says_in_progress(label) for label in labels):
        return "in_progress"
    if board_status and _says_in_progress(board_status):
        return "in_progress"
    return "todo"


# -- Projects v2 (GraphQL) ---------------------------------------------------------------------


def project_fields_from_nodes(nodes: Sequence[Mapping[str, Any] | None]) -> dict[str, ProjectField]:
    """Board fields by name from ``fields(first:100){nodes{…}}`` (unknown node kinds skipped)."""
    fields: dict[str, ProjectField] = {}
    for node in nodes:
        if not node or "id" not in node:
            continue
        options = {str(o["name"]): str(o["id"]) for o in node.get("options") or ()}
        name = str(node["name"])
        fields[name] = ProjectField(str(node["id"]), name, str(node.get("dataType") or ""), options)
    return fields


def board_item_from_node(node: Mapping[str, Any] | None) -> tuple[str, BoardItem] | None:
    """``(issue key, BoardItem)`` for one ``items.nodes`` entry; ``None`` for drafts and redacted."""
    content = (node or {}).get("content") or {}
    repository = content.get("repository") or {}
    if not node or "number" not in content or "nameWithOwner" not in repository:
        return None
    values: dict[str, str | None] = {}
    updated: dict[str, str] = {}
    for value in (node.get("fieldValues") or {}).get("nodes") or ():
        named = _field_value(value)
        if named:
            values[named[0]] = named[1]
            if value and value.get("updatedAt"):
                updated[named[0]] = str(value["updatedAt"])
    key = issue_key(str(repository["nameWithOwner"]), int(content["number"]))
    return key, BoardItem(str(node["id"]), values, updated)


def _field_value(value: Mapping[str, Any] | None) -> tuple[str, str | None] | None:
    name = ((value or {}).get("field") or {}).get("name")
    if not value or not name or name == "Title":  # the built-in Title field repeats the issue title
        return None
    for attr in ("name", "text", "date"):
        if attr in value:  # a field's name repeats on every board item: one copy (interned)
            return sys.intern(str(name)), None if value[attr] is None else str(value[attr])
    if "number" in value:
        return str(name), None if value["number"] is None else number_text(value["number"])
    return None
