"""Issue edits: turn a ``PUT /issue`` body into new field values (validated as Jira does) and
apply values to an issue, writing one changelog entry when something really changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .adf import adf_to_text
from .catalog import Catalog
from .errors import JiraApiError
from .model import ChangeGroup, ChangeItem, CustomField, JiraIssue

__all__ = ["SYSTEM_EDITABLE", "apply_values", "current_value", "plan_edit"]

SYSTEM_EDITABLE = ("summary", "description", "labels", "priority", "components", "assignee", "parent")
_MULTI = {"labels", "components"}
Resolver = Callable[[str], "JiraIssue | None"]


def _cannot_set(fid: str) -> str:
    return f"Field '{fid}' cannot be set. It is not on the appropriate screen, or unknown."


def current_value(issue: JiraIssue, fid: str, catalog: Catalog) -> Any:
    """The canonical value of field ``fid`` (lists are copies)."""
    custom = catalog.custom_field(fid) if fid.startswith("customfield_") else None
    if custom is not None and custom.kind == "epic_link":
        return issue.parent
    if custom is not None:
        value = issue.custom.get(fid)
        return list(value) if isinstance(value, list) else value
    value = getattr(issue, fid)
    return list(value) if isinstance(value, list) else value


def plan_edit(
    body: Mapping[str, Any], issue: JiraIssue, catalog: Catalog, *, version: str, resolve: Resolver
) -> dict[str, Any]:
    """New canonical values by field id for a PUT body ``{"fields": {...}, "update": {...}}``.
    Raises :class:`JiraApiError` (400) naming the offending fields; nothing is applied then."""
    fields = body.get("fields") or {}
    update = body.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise JiraApiError(400, ["Can not deserialize the request body: fields and update must be objects"])
    errors: dict[str, str] = {}
    for fid in sorted(set(fields) & set(update)):
        errors[fid] = f"Field '{fid}' cannot be set in both 'fields' and 'update'."
    values: dict[str, Any] = {}

    def parse_set(fid: str, raw: Any) -> Any:
        return _parse(fid, raw, issue, catalog, version, resolve)

    def parse_operations(fid: str, operations: Any) -> Any:
        return _apply_operations(fid, operations, issue, catalog, version, resolve)

    for source, parse in ((fields, parse_set), (update, parse_operations)):
        for fid, raw in source.items():
            if fid not in errors:
                _guard(errors, values, fid, raw, parse)
    if errors:
        raise JiraApiError(400, [], errors)
    return values


def _guard(
    errors: dict[str, str], values: dict[str, Any], fid: str, raw: Any, parse: Callable[[str, Any], Any]
) -> None:
    try:
        values[fid] = parse(fid, raw)
    except ValueError as error:
        errors[fid] = str(error)


def _editable(fid: str, catalog: Catalog, issue: JiraIssue) -> CustomField | None:
    custom = catalog.custom_field(fid) if fid.startswith("customfield_") else None
    if custom is None and fid not in SYSTEM_EDITABLE:
        raise ValueError(_cannot_set(fid))
    subtask = catalog.issue_type(issue.type)
    if fid == "parent" and catalog.flavor == "datacenter" and not (subtask and subtask.subtask):
        raise ValueError(_cannot_set(fid))
    return custom


def _apply_operations(
    fid: str, operations: Any, issue: JiraIssue, catalog: Catalog, version: str, resolve: Resolver
) -> Any:
    custom = _editable(fid, catalog, issue)
    multi = fid in _MULTI or (custom is not None and custom.kind == "labels")
    if not isinstance(operations, list):
        raise ValueError(f"Field '{fid}': update operations must be a list")
    value = current_value(issue, fid, catalog)
    for operation in operations:
        if not isinstance(operation, dict) or len(operation) != 1:
            raise ValueError(f"Field '{fid}': an operation is one of set, add, remove")
        ((verb, raw),) = operation.items()
        if verb == "set":
            value = _parse(fid, raw, issue, catalog, version, resolve)
        elif verb in ("add", "remove") and multi:
            (element,) = _parse(fid, [raw], issue, catalog, version, resolve)
            present = element in value
            if verb == "add" and not present:
                value = sorted([*value, element])
            if verb == "remove" and present:
                value = [v for v in value if v != element]
        else:
            raise ValueError(f"Field '{fid}' does not support the '{verb}' operation.")
    return value


def _parse(fid: str, raw: Any, issue: JiraIssue, catalog: Catalog, version: str, resolve: Resolver) -> Any:
    custom = _editable(fid, catalog, issue)
    if custom is not None:
        return _parse_custom(custom, raw, resolve)
    if fid == "summary":
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError("You must specify a summary of the issue.")
        return raw
    if fid == "description":
        return _parse_description(raw, version)
    if fid == "labels":
        return _parse_labels(raw)
    if fid == "priority":
        return _parse_priority(raw, catalog)
    if fid == "components":
        return _parse_components(raw, catalog, issue)
    if fid == "assignee":
        return _parse_user(raw)
    return _parse_parent(raw, issue, resolve)


def _parse_description(raw: Any, version: str) -> str | None:
    if raw is None:
        return None
    if version == "3":
        if not isinstance(raw, dict) or raw.get("type") != "doc":
            raise ValueError(
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            )
        return adf_to_text(raw)
    if not isinstance(raw, str):
        raise ValueError("Operation value must be a string")
    return raw


def _parse_labels(raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ValueError("Operation value must be an array of strings")
    for label in raw:
        if not label or any(ch.isspace() for ch in label):
            raise ValueError(f"The label '{label}' contains spaces which is invalid.")
        if len(label) > 255:
            raise ValueError("The label must not exceed 255 characters.")
    return sorted(set(raw))


def _parse_priority(raw: Any, catalog: Catalog) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        found = catalog.priority(raw["name"])
        if found is None:
            raise ValueError(f"Priority name '{raw['name']}' is not valid")
        return found.name
    if isinstance(raw, dict) and "id" in raw:
        by_id = catalog.priority_by_id(str(raw["id"]))
        if by_id is None:
            raise ValueError(f"Priority id '{raw['id']}' is not valid")
        return by_id.name
    raise ValueError("Specify Priority (id or name) in the proper format")


def _parse_components(raw: Any, catalog: Catalog, issue: JiraIssue) -> list[str]:
    project = catalog.projects[issue.project]
    names: list[str] = []
    for element in raw or []:
        name = element.get("name") if isinstance(element, dict) else None
        if name is None and isinstance(element, dict) and "id" in element:
            index = int(element["id"]) - int(project.id) * 10
            name = project.components[index] if 0 <= index < len(project.components) else None
        if name not in project.components:
            raise ValueError(f"Component name '{name}' is not valid")
        names.append(name)
    return sorted(set(names))


def _parse_user(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        for key in ("accountId", "name", "displayName"):
            if isinstance(raw.get(key), str):
                return str(raw[key])
    raise ValueError("Specify a valid user (accountId) for assignee")


def _parse_parent(raw: Any, issue: JiraIssue, resolve: Resolver) -> str | None:
    if raw is None or (isinstance(raw, dict) and raw.get("none") is True):
        return None
    ref = raw.get("key") or raw.get("id") if isinstance(raw, dict) else None
    target = resolve(str(ref)) if ref is not None else None
    if target is None:
        raise ValueError(f"Could not find issue by id or key: {ref}")
    if target.key == issue.key:
        raise ValueError("An issue cannot be its own parent.")
    return target.key


def _parse_custom(custom: CustomField, raw: Any, resolve: Resolver) -> Any:
    if raw is None:
        return [] if custom.kind == "labels" else None
    if custom.kind == "select":
        option = None
        if isinstance(raw, dict) and "value" in raw:
            option = custom.option_by_value(str(raw["value"]))
            wanted = raw["value"]
        elif isinstance(raw, dict) and "id" in raw:
            option = custom.option_by_id(str(raw["id"]))
            wanted = raw["id"]
        else:
            raise ValueError(f"Specify a valid 'id' or 'name' for {custom.name}")
        if option is None:
            raise ValueError(f"Option value '{wanted}' is not valid")
        return option.value
    if custom.kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ValueError("Operation value must be a number")
        return float(raw)
    if custom.kind == "labels":
        return _parse_labels(raw)
    if custom.kind == "epic_link":
        epic = resolve(str(raw)) if isinstance(raw, str) else None
        if epic is None or epic.type.lower() != "epic":
            raise ValueError(f"The issue '{raw}' is not an epic.")
        return epic.key
    if not isinstance(raw, str):
        raise ValueError("Operation value must be a string")
    return raw


def apply_values(
    issue: JiraIssue,
    values: Mapping[str, Any],
    catalog: Catalog,
    *,
    author: str,
    now: datetime,
    change_id: int,
) -> ChangeGroup | None:
    """Set ``values`` on ``issue``; return the changelog entry, or None when nothing changed
    (then ``updated`` does not move)."""
    items = []
    for fid, new in values.items():
        old = current_value(issue, fid, catalog)
        if old == new:
            continue
        _set_value(issue, fid, new, catalog)
        items.append(_change_item(fid, old, new, catalog))
    if not items:
        return None
    group = ChangeGroup(change_id, author, now, tuple(items))
    issue.changelog.append(group)
    issue.updated = now
    return group


def _set_value(issue: JiraIssue, fid: str, value: Any, catalog: Catalog) -> None:
    custom = catalog.custom_field(fid) if fid.startswith("customfield_") else None
    if custom is not None and custom.kind == "epic_link":
        issue.parent = value
    elif custom is not None:
        if value is None or value == []:
            issue.custom.pop(fid, None)
        else:
            issue.custom[fid] = value
    else:
        setattr(issue, fid, value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _change_item(fid: str, old: Any, new: Any, catalog: Catalog) -> ChangeItem:
    custom = catalog.custom_field(fid) if fid.startswith("customfield_") else None
    if custom is not None:
        from_id = to_id = None
        if custom.kind == "select":
            from_id = getattr(custom.option_by_value(old or ""), "id", None)
            to_id = getattr(custom.option_by_value(new or ""), "id", None)
        return ChangeItem(custom.name, fid, "custom", from_id, _text(old), to_id, _text(new))
    if fid == "priority":
        old_p = catalog.priority(old) if old else None
        new_p = catalog.priority(new) if new else None
        old_id = old_p.id if old_p else None
        return ChangeItem("priority", fid, "jira", old_id, old, new_p.id if new_p else None, new)
    if fid == "parent":
        name = "IssueParentAssociation" if catalog.flavor == "cloud" else "Parent"
        return ChangeItem(name, fid, "jira", None, old, None, new)
    return ChangeItem(fid, fid, "jira", None, _text(old), None, _text(new))
