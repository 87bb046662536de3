"""Jira Cloud bulk edit for :class:`~roadsync.connectors.jira.writer.JiraWriter`: changes that set
the same value on many issues go in one asynchronous task instead of one ``PUT /issue`` each. What
goes in which task is decided in :mod:`.bulk_plan` (pure); this module sends it.

**Wire** (Cloud v3 OpenAPI: getBulkEditableFields, submitBulkEdit, getBulkOperationProgress,
bulkSetIssuePropertiesByIssue; https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-bulk-operations/;
research/jira.md §8):

1. ``GET /rest/api/3/bulk/issues/fields?issueIdsOrKeys=…`` once: the ids bulk edit needs
   (priority id, option id; it takes no names), and whether the token may bulk edit at all:
   403 (no global Bulk change permission) or 404 (no such endpoint, or nothing editable) sends
   every held change down the per-item road for the rest of the run, said once in the log.
2. ``POST /rest/api/3/bulk/issues/fields`` per task, ``sendBulkNotification: false`` unless
   ``jira.notify_users``: 201 ``{"taskId"}``. Turning mails off needs Administer Jira or the
   projects' admin (403 "…disable bulk mail notifications…", research/jira.md §6): then the held
   changes go per item, where the PUT's own mail fallback applies per project.
3. ``GET /rest/api/3/bulk/queue/{taskId}`` until ``COMPLETE`` (polls count as requests; waits
   :data:`POLL_WAITS`, at most :data:`POLL_LIMIT_S` in all): ``processedAccessibleIssues`` (issue
   ids) are applied; ``failedAccessibleIssues`` (id -> reasons) become that change's outcome.

**Ownership.** A bulk edit cannot carry issue properties (``IssueBulkEditPayload`` has none), so
each value's marker (:mod:`.marks`) follows in ``POST /rest/api/3/issue/properties/multi`` (100
issues a request; answered 303 to a task, not followed: a marker that does not land leaves the
changelog to decide). The edit is attributed to roadsync's account in the changelog, as a PUT's
is (:mod:`.history`). So that a run killed between the edit and the markers leaves no *older*
marker contradicting the new value (which would read as a person's edit), an issue that carries a
marker for the field gets a neutral one (:func:`~.marks.pending_mark`) before the task is
submitted: until the new marker lands, the changelog by roadsync's account decides.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from roadsync.changes import FieldChange, OutcomeStatus, WriteOutcome
from roadsync.connectors.jira.bulk_plan import (
    BULK_MAX_ISSUES,
    BulkOp,
    Held,
    Task,
    edit_body,
    refused,
    split,
    waves,
)
from roadsync.connectors.jira.client import JiraClient
from roadsync.errors import AuthError, BudgetExhausted, TrackerError

__all__ = ["POLL_LIMIT_S", "POLL_WAITS", "BulkEdits"]

PROPERTY_ISSUES = 100
POLL_WAITS = (0.0, 0.2, 0.5, 1.0, 2.0)
"""Seconds before each poll (then 5 s each): research/jira.md §8 advises about 1 s backing off to
5-10 s; Atlassian documents no cadence."""
POLL_LIMIT_S = 300.0
_LOG = logging.getLogger("roadsync.connectors.jira")


class BulkEdits:
    """Bulk edit through one connected site; remembers for the run when it is unavailable.

    ``client`` gives the connected site (called when first needed); ``marker(held)`` is the marker
    property (``{"key", "value"}``) of a change applied, ``pending(held)`` the neutral one an issue
    gets first, or None when it carries no marker for that field.
    """

    def __init__(
        self,
        client: Callable[[], JiraClient],
        *,
        notify: bool,
        marker: Callable[[Held], dict[str, Any] | None],
        pending: Callable[[Held], dict[str, Any] | None],
        concurrency: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client, self.notify, self.sleep = client, notify, sleep
        self.marker, self.pending = marker, pending
        self.width = max(1, concurrency)
        """Requests in flight at once (the writer's ``jira.write_concurrency``): the submits of a
        wave after its first, a poll round, the marker requests."""
        self.unavailable: str | None = None
        """Why bulk edit is not used this run (None: it is, as far as known)."""
        self.ids: dict[tuple[str, str], str] = {}

    def refuse(self, why: str) -> None:
        """Use per-item edits for the rest of the run, saying why once in the log."""
        if self.unavailable is None:
            self.unavailable = why
            _LOG.warning(
                "jira.bulk.unavailable", extra={"kv": {"reason": why, "instead": "one PUT per issue"}}
            )

    def send(self, held: Sequence[Held]) -> tuple[dict[FieldChange, WriteOutcome], list[Held]]:
        """Edit what can go in bulk; the outcomes of those changes, and the held changes left for
        per-item PUTs. Raises only what dooms every write (401, a spent rate-limit budget)."""
        groups, rest = split(held)
        if not groups or self.unavailable:
            return {}, list(held)
        try:
            tasks, rest = self._tasks(groups, rest)
            if not tasks:
                return {}, list(held)
            self._neutralise(t for task in tasks for t in task.members)
            in_waves = waves(tasks)
            submitted = self._poll(self._submit(in_waves[0], first=True))
        except TrackerError as exc:
            if _doomed(exc):
                raise
            self.refuse(f"Jira refused bulk edit: {exc.one_line()}")
            return {}, list(held)
        for wave in in_waves[1:]:  # an issue is in one task at a time
            submitted += self._poll(self._submit(wave, first=False))
        unsent = [m for task in tasks if task not in submitted for m in task.members]
        outcomes = self._outcomes(submitted)
        self._mark([held for held in _applied(submitted, outcomes)])
        return outcomes, rest + [m for m in unsent if m.change not in outcomes]

    # -- steps ------------------------------------------------------------------------------------

    def _tasks(self, groups: dict[BulkOp, list[Held]], rest: list[Held]) -> tuple[list[Task], list[Held]]:
        """Tasks for the groups whose value bulk edit can name; an item with a value the site does
        not offer goes per item (its PUT gets Jira's reason), and the rest is grouped again."""
        self.ids = self._ids(groups)
        missing = {m.item.key for op, ms in groups.items() if op.verb == "SET"
                   and (op.field, op.value) not in self.ids for m in ms}  # fmt: skip
        if missing:
            members = list({id(m): m for ms in groups.values() for m in ms}.values())
            groups, more = split([m for m in members if m.item.key not in missing])
            rest = rest + [m for m in members if m.item.key in missing] + more
        tasks = []
        for op, members in groups.items():
            unique = list({m.item.key: m for m in members}.values())
            for start in range(0, len(unique), BULK_MAX_ISSUES):
                tasks.append(Task(op, unique[start : start + BULK_MAX_ISSUES]))
        return tasks, rest

    def _ids(self, groups: Mapping[BulkOp, list[Held]]) -> dict[tuple[str, str], str]:
        """``(field id, value) -> id`` for priorities and options, from one read of the editable
        fields of one issue per group (403/404 raise: bulk edit unavailable)."""
        refs = (m.ref for op, ms in groups.items() if op.verb == "SET" for m in ms[:3])
        sample = list(dict.fromkeys(refs))[:50]
        if not sample:
            return {}  # labels need no ids; the submit itself says whether bulk edit is allowed
        client = self._client()
        url, params = client.api_url("bulk/issues/fields", version="3"), {"issueIdsOrKeys": ",".join(sample)}
        answer = client.call(lambda: client.session.get(url, params=params).json())
        found: dict[tuple[str, str], str] = {}
        for spec in (answer or {}).get("fields") or []:
            for option in spec.get("fieldOptions") or []:
                name = option.get("priority") if spec.get("id") == "priority" else option.get("value")
                if name is not None and option.get("id") is not None:
                    found[(str(spec.get("id")), str(name))] = str(option["id"])
        return found

    def _neutralise(self, members: Iterable[Held]) -> None:
        """A neutral marker on issues whose current marker the edit is about to contradict."""
        self._properties(_by_issue(members, self.pending))

    def _submit(self, tasks: list[Task], *, first: bool) -> list[Task]:
        """Submit each task, up to :attr:`width` at once; with ``first``, the first task goes alone
        and its refusal (mails, permission) raises; any other refused task's members go per item."""
        submitted = [self._submit_one(tasks[0])] if first else []
        rest = tasks[1:] if first else tasks
        with ThreadPoolExecutor(max_workers=self.width) as pool:
            submitted += [task for task, ok in zip(rest, pool.map(self._try_submit, rest), strict=True) if ok]
        return submitted

    def _submit_one(self, task: Task) -> Task:
        client = self._client()
        url, body = (
            client.api_url("bulk/issues/fields", version="3"),
            edit_body(task, self.ids, notify=self.notify),
        )
        answer = client.call(partial(client.session.post, url, json=body), write=True).json()
        task.task_id = str(answer.get("taskId") or "")
        return task

    def _try_submit(self, task: Task) -> bool:
        try:
            self._submit_one(task)
        except TrackerError as exc:
            if _doomed(exc):
                raise
            return False
        return True

    def _poll(self, tasks: list[Task]) -> list[Task]:
        """Poll every task until it is complete, or :data:`POLL_LIMIT_S` has passed."""
        client, waited, rounds = self._client(), 0.0, 0
        open_tasks = [t for t in tasks if t.task_id]
        while open_tasks and waited <= POLL_LIMIT_S:
            wait = POLL_WAITS[rounds] if rounds < len(POLL_WAITS) else 5.0
            self.sleep(wait)
            waited, rounds = waited + wait, rounds + 1
            urls = [client.api_url(f"bulk/queue/{task.task_id}", version="3") for task in open_tasks]
            with ThreadPoolExecutor(max_workers=self.width) as pool:
                answers = list(
                    pool.map(lambda url: client.call(partial(client.session.get, url)).json(), urls)
                )
            for task, answer in zip(open_tasks, answers, strict=True):
                if isinstance(answer, dict) and answer.get("status") not in ("ENQUEUED", "RUNNING"):
                    task.answer = answer
            open_tasks = [t for t in open_tasks if t.answer is None]
        return tasks

    def _outcomes(self, tasks: list[Task]) -> dict[FieldChange, WriteOutcome]:
        """Each change's outcome: applied when every task it was in processed its issue."""
        verdicts: dict[FieldChange, list[str | None]] = defaultdict(list)
        for task in tasks:
            answer = task.answer or {}
            done = {str(i) for i in answer.get("processedAccessibleIssues") or []}
            failed = {str(k): v for k, v in (answer.get("failedAccessibleIssues") or {}).items()}
            for held in task.members:
                verdicts[held.change].append(_why(task, held, done, failed))
        outcomes = {}
        for change, whys in verdicts.items():
            errors = [w for w in whys if w]
            status: OutcomeStatus = "applied" if not errors else "unwritable" if refused(errors) else "failed"
            outcomes[change] = WriteOutcome(change, status, "; ".join(errors) or None)
        return outcomes

    def _mark(self, applied: list[Held]) -> None:
        """The markers of the values applied; a refusal leaves the changelog to decide (logged)."""
        try:
            self._properties(_by_issue(applied, self.marker))
        except TrackerError as exc:
            if _doomed(exc):
                raise
            kv = {"error": exc.one_line(), "then": "the changelog decides"}
            _LOG.warning("jira.bulk.markers", extra={"kv": kv})

    def _properties(self, by_issue: Mapping[str, Mapping[str, Any]]) -> None:
        """``POST /issue/properties/multi``, 100 issues a request; the 303 is not followed."""
        if not by_issue:
            return
        client, issues = self._client(), sorted(by_issue)
        url = client.api_url("issue/properties/multi", version="3")
        bodies = [{"issues": [{"issueID": int(i), "properties": dict(by_issue[i])}
                              for i in issues[start : start + PROPERTY_ISSUES]]}
                  for start in range(0, len(issues), PROPERTY_ISSUES)]  # fmt: skip
        with ThreadPoolExecutor(max_workers=self.width) as pool:
            post = partial(client.session.post, url, allow_redirects=False)
            list(pool.map(lambda body: client.call(partial(post, json=body), write=True), bodies))


def _by_issue(
    members: Iterable[Held], prop: Callable[[Held], dict[str, Any] | None]
) -> dict[str, dict[str, Any]]:
    """``{issue id: {property key: value}}`` of ``prop`` for each member that has one."""
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for held in members:
        one = prop(held)
        if one is not None and held.item.native_id:
            found[held.item.native_id][one["key"]] = one["value"]
    return found


def _doomed(exc: TrackerError) -> bool:
    """An error that dooms every write (a spent rate-limit budget, 401): raised, never a fallback."""
    return isinstance(exc, BudgetExhausted) or (isinstance(exc, AuthError) and exc.status == 401)


def _why(task: Task, held: Held, done: set[str], failed: Mapping[str, Any]) -> str | None:
    """None when ``task`` processed ``held``'s issue, else why not (Jira's reasons)."""
    ref = held.ref
    if ref in done:
        return None
    if ref in failed:
        reasons = failed[ref] if isinstance(failed[ref], list) else [failed[ref]]
        return "; ".join(str(r) for r in reasons) or "Jira's bulk edit failed for this issue"
    if task.answer is None:
        return f"bulk edit task {task.task_id} did not finish within {POLL_LIMIT_S:g}s; the next run checks"
    return (
        f"bulk edit task {task.task_id} did not process {held.item.key} (gone, or not visible to the token)"
    )


def _applied(tasks: list[Task], outcomes: Mapping[FieldChange, WriteOutcome]) -> list[Held]:
    members = {id(m): m for task in tasks for m in task.members}
    return [m for m in members.values() if outcomes[m.change].status == "applied"]
