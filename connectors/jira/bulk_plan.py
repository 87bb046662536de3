"""Which held Jira changes go in bulk edit tasks, and the tasks' bodies: pure, no I/O (the I/O is
:mod:`.bulk`).

A change is a set of bulk operations (:class:`BulkOp`): a priority (``SET`` by name), one label
to ``ADD`` or ``REMOVE``, a single-select option (``SET`` by value). Operations shared by at least
:data:`BULK_MIN` issues form a group; an item all of whose changes are in groups is edited in
bulk, any other held item gets its usual single ``PUT``. A group is sent as tasks of up to
:data:`BULK_MAX_ISSUES` issues (submitBulkEdit: "a maximum of 1000 issues (including subtasks)",
Cloud v3 OpenAPI), in waves so that no issue is in two tasks at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roadsync.changes import FieldChange
from roadsync.connectors.model import Item
from roadsync.targets.base import JiraEdit

__all__ = [
    "BULK_MAX_ISSUES", "BULK_MIN", "REFUSALS", "BulkOp", "Held", "Task", "edit_body", "ops_of", "refused",
    "split", "waves",
]  # fmt: skip

BULK_MIN = 3
"""A task costs a submit and at least one poll: worth it from 3 issues sharing a value."""
BULK_MAX_ISSUES = 1000


@dataclass(frozen=True, slots=True)
class BulkOp:
    """One value bulk edit applies to every issue of a task: ``field`` a Jira field id, ``verb``
    ``SET`` / ``ADD`` / ``REMOVE``, ``value`` a priority name, a label, an option value."""

    field: str
    verb: str
    value: str


@dataclass(frozen=True, slots=True)
class Held:
    """One change held back for bulk: the item as read, the change, its PUT edit, its operations."""

    item: Item
    change: FieldChange
    edit: JiraEdit
    ops: tuple[BulkOp, ...]

    @property
    def ref(self) -> str:
        """How the task names the issue: its id (what the progress answers with), else its key."""
        return self.item.native_id or self.item.key


def ops_of(edit: JiraEdit) -> tuple[BulkOp, ...] | None:
    """The bulk operations equal to one change's edit, or None when bulk edit cannot say it."""
    if edit.fields and not edit.update and len(edit.fields) == 1:
        ((fid, value),) = edit.fields.items()
        name = value.get("name") if fid == "priority" and isinstance(value, dict) else None
        if fid.startswith("customfield_") and isinstance(value, dict):
            name = value.get("value")
        return (BulkOp(fid, "SET", name),) if isinstance(name, str) else None
    if edit.update and not edit.fields and set(edit.update) == {"labels"}:
        ops = [(verb.upper(), v) for op in edit.update["labels"] for verb, v in op.items()]
        if all(verb in ("ADD", "REMOVE") and isinstance(v, str) for verb, v in ops):
            return tuple(BulkOp("labels", verb, v) for verb, v in ops)
    return None


def split(held: Sequence[Held]) -> tuple[dict[BulkOp, list[Held]], list[Held]]:
    """Groups of at least :data:`BULK_MIN` issues per operation, and the held changes left for
    PUTs (every change of an item with one change outside a group)."""
    bulk = list(held)
    while True:
        groups: dict[BulkOp, list[Held]] = defaultdict(list)
        for one in bulk:
            for op in one.ops:
                groups[op].append(one)
        small = {op for op, members in groups.items() if len({m.item.key for m in members}) < BULK_MIN}
        if not small:
            keys = {one.item.key for one in bulk}
            return dict(groups), [one for one in held if one.item.key not in keys]
        out = {one.item.key for one in bulk if set(one.ops) & small}
        bulk = [one for one in bulk if one.item.key not in out]


@dataclass
class Task:
    """One bulk edit task: its operation, its members, its id once submitted, its last progress."""

    op: BulkOp
    members: list[Held]
    task_id: str = ""
    answer: Mapping[str, Any] | None = None


REFUSALS = ("cannot be set", "is not valid", "is invalid", "Specify a valid", "can't contain")
"""Jira's words for a value the site's configuration refuses (screen, scheme, context, label):
``unwritable`` like the same refusal of a PUT; any other failure (permission, conflict, a task
that did not finish) is ``failed``, tried again by the next run."""


def refused(errors: Sequence[str]) -> bool:
    return all(any(words in error for words in REFUSALS) for error in errors)


def waves(tasks: list[Task]) -> list[list[Task]]:
    """Tasks in waves, each issue at most once a wave: a wave is submitted once the previous one
    is complete, so no issue is edited by two tasks at once (nor by a task and a PUT: the held
    items left for PUTs are sent after every wave)."""
    waves: list[tuple[set[str], list[Task]]] = []
    for task in tasks:
        keys = {m.item.key for m in task.members}
        wave = next((w for w in waves if not w[0] & keys), None)
        if wave is None:
            wave = (set(), [])
            waves.append(wave)
        wave[0].update(keys)
        wave[1].append(task)
    return [w[1] for w in waves]


def edit_body(task: Task, ids: Mapping[tuple[str, str], str], *, notify: bool) -> dict[str, Any]:
    """The submitBulkEdit body of one task (IssueBulkEditPayload)."""
    op = task.op
    edited: dict[str, Any]
    if op.field == "priority":
        edited = {"priority": {"priorityId": ids[(op.field, op.value)]}}
    elif op.field == "labels":
        option = {
            "fieldId": "labels",
            "bulkEditMultiSelectFieldOption": op.verb,
            "labels": [{"name": op.value}],
        }
        edited = {"labelsFields": [option]}
    else:
        option_id = int(ids[(op.field, op.value)])
        edited = {"singleSelectFields": [{"fieldId": op.field, "option": {"optionId": option_id}}]}
    return {
        "selectedIssueIdsOrKeys": [m.ref for m in task.members],
        "selectedActions": [op.field],
        "editedFieldsInput": edited,
        "sendBulkNotification": notify,
    }
