"""What an edit of an issue may set, and the ``editmeta`` that says so: one rule for both, so
editmeta and ``PUT /issue`` always agree.

A field is editable on an issue when it is on the edit screen of the issue's project and issue
type and, for a custom field, has a context for that project and issue type (a team-managed
project's own field only in that project). Priority ``allowedValues`` are the project's priority
scheme; a select's ``allowedValues`` are the enabled options of the context that applies.
Sources: research/jira.md §1 (editmeta rules 1 and 4; "editmeta and createmeta list only the
project's priority scheme"), §2 (editmeta ``allowedValues`` is the non-admin view of a context),
§3; Atlassian's editIssue/getEditIssueMeta descriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .catalog import Catalog
from .model import CustomField, FieldContext, JiraIssue

if TYPE_CHECKING:
    from .render import Renderer

__all__ = ["context_of", "editable_fields", "editmeta_fields"]

_SYSTEM = ("summary", "description", "labels", "priority", "components", "assignee", "parent")
_MULTI_OPS = ["add", "set", "remove"]


def editable_fields(catalog: Catalog, issue: JiraIssue) -> list[str]:
    """Ids of the fields an edit of ``issue`` may set, system fields first."""
    project = catalog.projects[issue.project]
    screen = project.screen(issue.type)
    kind = catalog.issue_type(issue.type)
    subtask = kind is not None and kind.subtask
    out = [
        fid
        for fid in _SYSTEM
        if (screen is None or fid in screen) and (fid != "parent" or catalog.flavor == "cloud" or subtask)
    ]
    for custom in catalog.custom_fields:
        if catalog.context(custom, issue.project, issue.type) is None:
            continue
        if screen is None or custom.id in screen:
            out.append(custom.id)
    return out


def context_of(catalog: Catalog, custom: CustomField, issue: JiraIssue) -> FieldContext | None:
    """The context of ``custom`` that applies to ``issue`` (None: the field does not apply)."""
    return catalog.context(custom, issue.project, issue.type)


def editmeta_fields(render: Renderer, catalog: Catalog, issue: JiraIssue) -> dict[str, Any]:
    """The ``fields`` object of editmeta for ``issue`` (the caller may edit it)."""
    project = catalog.projects[issue.project]
    meta: dict[str, Any] = {}
    for fid in editable_fields(catalog, issue):
        if fid.startswith("customfield_"):
            custom = catalog.custom_field(fid)
            if custom is not None:
                meta[fid] = _custom_meta(render, custom, issue)
            continue
        meta[fid] = _system_meta(render, catalog, fid, project)
    return meta


def _system_meta(render: Renderer, catalog: Catalog, fid: str, project: Any) -> dict[str, Any]:
    if fid == "summary":
        return _meta(fid, "Summary", {"type": "string", "system": fid}, ["set"], required=True)
    if fid == "description":
        return _meta(fid, "Description", {"type": "string", "system": fid}, ["set"])
    if fid == "labels":
        url = f"{render.api}/jql/autocompletedata/suggestions?fieldName=labels&fieldValue="
        schema = {"type": "array", "items": "string", "system": fid}
        return _meta(fid, "Labels", schema, _MULTI_OPS, autoCompleteUrl=url)
    if fid == "priority":
        allowed = [render.priority(p) for p in catalog.project_priorities(project.key)]
        return _meta(fid, "Priority", {"type": "priority", "system": fid}, ["set"], allowedValues=allowed)
    if fid == "components":
        allowed = [render.component(project, n) for n in project.components]
        schema = {"type": "array", "items": "component", "system": fid}
        return _meta(fid, "Components", schema, _MULTI_OPS, allowedValues=allowed)
    if fid == "assignee":
        return _meta(fid, "Assignee", {"type": "user", "system": fid}, ["set"])
    return _meta(fid, "Parent", {"type": "issuelink", "system": fid}, ["set"])


def _custom_meta(render: Renderer, custom: CustomField, issue: JiraIssue) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if custom.kind == "select":
        context = context_of(render.catalog, custom, issue)
        options = [o for o in (context.options if context else ()) if not o.disabled]
        extra["allowedValues"] = [render.option(o) for o in options]
    ops = _MULTI_OPS if custom.kind == "labels" else ["set"]
    return _meta(custom.id, custom.name, render.schema(custom), ops, **extra)


def _meta(
    key: str, name: str, schema: dict[str, Any], ops: list[str], *, required: bool = False, **extra: Any
) -> dict[str, Any]:
    return {
        "required": required,
        "schema": schema,
        "name": name,
        "key": key,
        "operations": ops,
        "hasDefaultValue": False,
        **extra,
    }
