"""Jira Cloud's bulk endpoints: bulk edit (``/bulk/issues/fields`` GET and POST, ``/bulk/queue``)
and bulk issue property writes (``/issue/properties/multi``, ``/task/{taskId}``). Data Center has
none of them (404; research/jira.md §8: "DC has no bulk edit REST API"; research/ownership.md J2).

Sources: the Cloud v3 OpenAPI (getBulkEditableFields, submitBulkEdit, getBulkOperationProgress,
bulkSetIssuePropertiesByIssue, getTask; ``tests/api/jira-cloud-v3.json``), the docs pages
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-bulk-operations/ and
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-properties/, and the
live probes in research/jira.md §8 (Lighthouse Q5, Q9).

- Every ``/bulk`` endpoint needs the global Bulk change permission; without it 403 (the body text
  is unverified; the shape is ``BulkOperationErrorResponse``: ``{"errors": [{"message"}]}``).
- A bulk edit applies one value per field to up to 1,000 issues. Each issue is edited exactly as
  ``PUT /issue`` edits it (:meth:`JiraStore.edit`: edit screen, field context, priority scheme),
  by the caller's account, so its changelog entry names the caller as a PUT's does (bulk edits
  "showed up as changelog entries", research/jira.md §8). An issue Jira refuses is listed in
  ``failedAccessibleIssues`` with Jira's reasons; one the caller cannot see is counted in
  ``invalidOrInaccessibleIssueCount``.
- ``sendBulkNotification`` defaults to true; false needs Administer Jira or Administer Projects
  in every project involved, else 403 "You do not have the necessary permissions to disable bulk
  mail notifications for this operation." and nothing is edited (research/jira.md §6, Lighthouse Q5).
- Property writes answer 303 with ``Location: /rest/api/3/task/{id}``; issues not found are
  ignored; the write is non-transactional (bulkSetIssuePropertiesByIssue).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.responses import JSONResponse, Response

from roadsync.sandbox.http import Route

from .errors import JiraApiError, rate_limit_headers
from .model import JiraIssue
from .routing import CLOUD_ONLY, Ctx, json_response
from .screens import context_of, editable_fields
from .tasks import Task

__all__ = ["BULK_MAX_FIELDS", "BULK_MAX_ISSUES", "NOTIFY_BULK_FORBIDDEN", "NO_BULK_PERMISSION", "ROUTES"]

BULK_MAX_ISSUES, BULK_MAX_FIELDS, PROPERTY_ISSUES_MAX, FIELDS_PAGE = 1000, 200, 100, 50
NO_BULK_PERMISSION = "You don't have the Bulk change global permission."  # text unverified
NOTIFY_BULK_FORBIDDEN = (
    "You do not have the necessary permissions to disable bulk mail notifications for this operation."
)
_SUPPORTED = ("priority", "labelsFields", "singleSelectFields")


class _BulkRefused(JiraApiError):
    """A bulk endpoint's error: ``{"errors": [{"message": ...}]}`` (BulkOperationErrorResponse)."""

    def response(self) -> Response:
        body = {"errors": [{"message": m} for m in self.messages]}
        return JSONResponse(body, status_code=self.status, headers=rate_limit_headers())


def _require_bulk(ctx: Ctx) -> None:
    if not ctx.grant.can_bulk_change():
        raise _BulkRefused(403, [NO_BULK_PERMISSION])


def _now_ms() -> int:
    return int(time.time() * 1000)


# -- GET /bulk/issues/fields ----------------------------------------------------------------------


def editable_bulk_fields(ctx: Ctx) -> Response:
    """The fields the caller may bulk edit on the issues named (``issueIdsOrKeys``, comma-separated):
    those editable on any of them, 50 a page (``startingAfter`` is the last field id of the previous
    page). Priority lists its ``fieldOptions`` (``{"id", "priority", "description"}``, the example of
    getBulkEditableFields) from the issues' priority schemes; a select its options (``{"id",
    "value"}``, shape unverified); labels the multi-select operations. 404 when none is editable."""
    _require_bulk(ctx)
    refs = [r.strip() for r in str(ctx.query.get("issueIdsOrKeys") or "").split(",") if r.strip()]
    issues = [i for i in (ctx.lookup(r) for r in refs) if i is not None and ctx.grant.can_edit(i.project)]
    ids: dict[str, None] = {}
    for issue in issues:
        ids.update(dict.fromkeys(editable_fields(ctx.store.catalog, issue)))
    fields = [
        _bulk_field(ctx, fid, issues) for fid in ids if fid in ("priority", "labels") or _select(ctx, fid)
    ]
    if not fields:
        raise _BulkRefused(404, ["No bulk editable fields found for the issues provided."])
    after = ctx.query.get("startingAfter")
    start = next((n + 1 for n, f in enumerate(fields) if f["id"] == after), 0) if after else 0
    page = fields[start : start + FIELDS_PAGE]
    body: dict[str, Any] = {"fields": page}
    if start + FIELDS_PAGE < len(fields):
        body["startingAfter"] = page[-1]["id"]
    return json_response(body)


def _select(ctx: Ctx, fid: str) -> bool:
    custom = ctx.store.catalog.custom_field(fid) if fid.startswith("customfield_") else None
    return custom is not None and custom.kind == "select"


def _bulk_field(ctx: Ctx, fid: str, issues: list[JiraIssue]) -> dict[str, Any]:
    catalog = ctx.store.catalog
    if fid == "priority":
        seen = {p.id: p for i in issues for p in catalog.project_priorities(i.project)}
        options = [{"id": p.id, "priority": p.name, "description": p.name} for p in seen.values()]
        return {
            "id": fid,
            "name": "Priority",
            "type": "priority",
            "isRequired": False,
            "fieldOptions": options,
        }
    if fid == "labels":
        ops = ["ADD", "REMOVE", "REPLACE", "REMOVE_ALL"]
        return {
            "id": fid,
            "name": "Labels",
            "type": "labels",
            "isRequired": False,
            "multiSelectFieldOptions": ops,
        }
    custom = catalog.custom_field(fid)
    assert custom is not None
    found: dict[str, str] = {}
    for issue in issues:
        context = context_of(catalog, custom, issue)
        found.update({o.id: o.value for o in (context.options if context else ()) if not o.disabled})
    options = [{"id": k, "value": v} for k, v in found.items()]
    return {
        "id": fid,
        "name": custom.name,
        "type": "com.atlassian.jira.plugin.system.customfieldtypes:select",
        "isRequired": False,
        "fieldOptions": options,
    }


# -- POST /bulk/issues/fields ---------------------------------------------------------------------


def submit_bulk_edit(ctx: Ctx) -> Response:
    """Submit a bulk edit: 201 ``{"taskId"}``; the edits are applied now, one per issue (see the
    module docstring), and the task records what was processed and what failed."""
    _require_bulk(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    refs, actions = body.get("selectedIssueIdsOrKeys"), body.get("selectedActions")
    edited = body.get("editedFieldsInput")
    if not isinstance(refs, list) or not 1 <= len(refs) <= BULK_MAX_ISSUES:
        raise _BulkRefused(400, [f"selectedIssueIdsOrKeys must hold 1 to {BULK_MAX_ISSUES} issues."])
    if (
        not isinstance(actions, list)
        or not 1 <= len(actions) <= BULK_MAX_FIELDS
        or not isinstance(edited, dict)
    ):
        raise _BulkRefused(400, [f"selectedActions must hold 1 to {BULK_MAX_FIELDS} field ids."])
    edit = _per_issue_body(edited, [str(a) for a in actions])
    found = [ctx.lookup(str(r)) for r in refs]
    issues = [i for i in found if i is not None]
    if body.get("sendBulkNotification") is False and not all(
        ctx.grant.can_administer(i.project) for i in issues
    ):
        raise _BulkRefused(403, [NOTIFY_BULK_FORBIDDEN])
    invalid = len(refs) - len(issues)
    task = ctx.store.tasks.add("bulk-edit", _account(ctx), _now_ms(), total=len(refs), invalid=invalid)
    for issue in issues:
        _edit_one(ctx, task, issue, edit, notify=body.get("sendBulkNotification") is not False)
    return json_response({"taskId": task.id}, 201)


def _per_issue_body(edited: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    """The ``PUT /issue`` body each issue of the task gets. 400 for a field edited but not listed in
    ``selectedActions`` (the spec's example text) or an input the emulator does not model."""
    unsupported = sorted(set(edited) - set(_SUPPORTED))
    if unsupported:
        text = "The emulator does not model these editedFieldsInput members"
        raise _BulkRefused(400, [f"{text}: {unsupported}"])
    fields: dict[str, Any] = {}
    update: dict[str, list[dict[str, Any]]] = {}
    if "priority" in edited:
        fields["priority"] = {"id": str((edited["priority"] or {}).get("priorityId"))}
    for entry in edited.get("labelsFields") or []:
        fid, option = str(entry.get("fieldId")), entry.get("bulkEditMultiSelectFieldOption")
        names = [str(label.get("name")) for label in entry.get("labels") or []]
        if option in ("ADD", "REMOVE"):
            update.setdefault(fid, []).extend({option.lower(): n} for n in names)
        else:
            fields[fid] = names if option == "REPLACE" else []
    for entry in edited.get("singleSelectFields") or []:
        option_id = (entry.get("option") or {}).get("optionId")
        fields[str(entry.get("fieldId"))] = None if option_id == -1 else {"id": str(option_id)}
    missing = sorted((set(fields) | set(update)) - set(actions))
    if missing:
        listed = ", ".join(missing)
        text = "The following editedFieldInput values are not listed as selectedActions"
        raise _BulkRefused(400, [f"{text} : {listed}"])
    return {"fields": fields, "update": update}


def _edit_one(ctx: Ctx, task: Task, issue: JiraIssue, body: dict[str, Any], *, notify: bool) -> None:
    """One issue of a bulk edit, as ``PUT /issue`` would edit it, by the caller's account."""
    if not ctx.grant.can_edit(issue.project):
        task.failed[str(issue.id)] = ["You do not have permission to edit issues in this project."]
        return
    try:
        result = ctx.store.edit(issue.key, body, api_version=ctx.version, author=ctx.grant.display_name)
    except JiraApiError as error:
        reasons = [*error.messages, *error.errors.values()]
        task.failed[str(issue.id)] = reasons or ["The issue was not edited."]
        return
    task.processed.append(issue.id)
    ctx.wrote = ctx.wrote or result.wrote
    if notify and result.recipients:
        ctx.settings.stats.notify("jira", len(result.recipients))


def _account(ctx: Ctx) -> str:
    return str(ctx.render.user(ctx.grant.display_name).get("accountId", ""))


# -- GET /bulk/queue/{taskId} ---------------------------------------------------------------------


def bulk_progress(ctx: Ctx, task_id: str) -> Response:
    """A bulk edit's progress (BulkOperationProgress): ``RUNNING`` while the task is running,
    then ``COMPLETE`` with ``processedAccessibleIssues`` (issue ids) and ``failedAccessibleIssues``
    (issue id -> reasons). A property task is refused as the spec's example says."""
    _require_bulk(ctx)
    task = ctx.store.tasks.get(task_id)
    if task is None:
        raise _BulkRefused(404, [f"The task with id {task_id} does not exist."])
    if task.kind != "bulk-edit":
        raise JiraApiError(400, ["The task associated with this taskId is not a bulk operation task"])
    body: dict[str, Any] = {
        "taskId": task.id,
        "submittedBy": {"accountId": task.account},
        "created": task.created,
        "started": task.created,
        "updated": _now_ms(),
    }
    if not task.poll():
        return json_response({**body, "status": "RUNNING", "progressPercent": 50})
    return json_response(
        {
            **body,
            "status": "COMPLETE",
            "progressPercent": 100,
            "totalIssueCount": task.total,
            "processedAccessibleIssues": list(task.processed),
            "failedAccessibleIssues": dict(task.failed),
            "invalidOrInaccessibleIssueCount": task.invalid,
        }
    )


# -- POST /issue/properties/multi, GET /task/{taskId} ----------------------------------------------


def set_properties_multi(ctx: Ctx) -> Response:
    """Set properties on up to 100 issues, each its own (bulkSetIssuePropertiesByIssue): 303 to the
    task; issues not found are ignored; an issue the caller may not edit fails alone."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    entries = body.get("issues")
    if not isinstance(entries, list) or not 1 <= len(entries) <= PROPERTY_ISSUES_MAX:
        raise JiraApiError(400, [f"issues must hold 1 to {PROPERTY_ISSUES_MAX} issues."])
    task = ctx.store.tasks.add("properties", _account(ctx), _now_ms(), total=len(entries))
    for entry in entries:
        props = entry.get("properties") if isinstance(entry, dict) else None
        if not isinstance(props, dict) or not 1 <= len(props) <= 10:
            raise JiraApiError(400, ["Each issue takes 1 to 10 properties."])
        issue = ctx.lookup(str(entry.get("issueID")))
        if issue is None:
            continue
        if not ctx.grant.can_edit(issue.project):
            task.failed[str(issue.id)] = ["You do not have permission to edit this issue."]
            continue
        for key, value in props.items():
            ctx.wrote = ctx.store.set_property(issue.key, str(key), value) or ctx.wrote
        task.processed.append(issue.id)
    headers = {**rate_limit_headers(), "Location": f"{ctx.render.api}/task/{task.id}"}
    return Response(status_code=303, headers=headers)


def get_task(ctx: Ctx, task_id: str) -> Response:
    """A task's progress (getTask, TaskProgressBeanObject); ``result`` lists the failed issues."""
    task = ctx.store.tasks.get(task_id)
    if task is None:
        raise JiraApiError(404, [f"The task with id {task_id} does not exist."])
    done = task.poll()
    now = _now_ms()
    return json_response(
        {
            "self": f"{ctx.render.api}/task/{task.id}",
            "id": task.id,
            "status": "COMPLETE" if done else "RUNNING",
            "progress": 100 if done else 50,
            "submitted": task.created,
            "started": task.created,
            "lastUpdate": now,
            "elapsedRuntime": now - task.created,
            "submittedBy": 0,
            "result": {"failed": dict(task.failed)},
        }
    )


ROUTES: list[Route] = [
    Route("GET", "/bulk/issues/fields", editable_bulk_fields, CLOUD_ONLY),
    Route("POST", "/bulk/issues/fields", submit_bulk_edit, CLOUD_ONLY),
    Route("GET", "/bulk/queue/{task_id}", bulk_progress, CLOUD_ONLY),
    Route("POST", "/issue/properties/multi", set_properties_multi, CLOUD_ONLY),
    Route("GET", "/task/{task_id}", get_task, CLOUD_ONLY),
]
