"""Issue edits: turn a ``PUT /issue`` body into new field values (validated as Jira does) and
apply values to an issue, writing one changelog entry when something really changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .adf import adf_to_text
from .catalog import Catalog
from .errors import JiraApiError
from .model import ChangeGroup, ChangeItem, CustomField, FieldContext, JiraIssue
from .screens import context_of, editable_fields

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

    Raises :class:`JiraApiError` (400) naming every offending field; nothing is applied then,
    as Jira refuses the whole edit (research/jira.md §1 "Atomicity", Lighthouse slice-02)."""
    fields = body.get("fields") or {}
    update = body.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise JiraApiError(400, ["Can not deserialize the request body: fields and update must be objects"])
    errors: dict[str, str] = {}
    for fid in sorted(set(fields) & set(update)):
        errors[fid] = f"Field '{fid}' cannot be set in both 'fields' and 'update'."
    values: dict[str, Any] = {}
    editor = _Editor(issue, catalog, version, resolve, frozenset(editable_fields(catalog, issue)))
    for source, parse in ((fields, editor.parse), (update, editor.operations)):
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


@dataclass(frozen=True)
class _Editor:
    """Parses one edit of ``issue``; ``allowed`` are the field ids on its edit screen."""

    issue: JiraIssue
    catalog: Catalog
    version: str
    resolve: Resolver
    allowed: frozenset[str]

    def custom(self, fid: str) -> CustomField | None:
        """The custom field ``fid`` (None for a system field); the screen message when the field
        is not on the issue's edit screen, has no context there, or does not exist. Jira checks
        the screen before the value (research/jira.md §1, kmoneil/jr resolution test)."""
        if fid not in self.allowed:
            raise ValueError(_cannot_set(fid))
        return self.catalog.custom_field(fid) if fid.startswith("customfield_") else None

    def operations(self, fid: str, operations: Any) -> Any:
        custom = self.custom(fid)
        multi = fid in _MULTI or (custom is not None and custom.kind == "labels")
        if not isinstance(operations, list):
            raise ValueError(f"Field '{fid}': update operations must be a list")
        value = current_value(self.issue, fid, self.catalog)
        for operation in operations:
            if not isinstance(operation, dict) or len(operation) != 1:
                raise ValueError(f"Field '{fid}': an operation is one of set, add, remove")
            ((verb, raw),) = operation.items()
            if verb == "set":
                value = self.parse(fid, raw)
            elif verb in ("add", "remove") and multi:
                (element,) = self.parse(fid, [raw])
                present = element in value
                if verb == "add" and not present:
                    value = sorted([*value, element])
                if verb == "remove" and present:
                    value = [v for v in value if v != element]
            else:
                raise ValueError(f"Field '{fid}' does not support the '{verb}' operation.")
        return value

    def parse(self, fid: str, raw: Any) -> Any:
        custom = self.custom(fid)
        if custom is not None:
            return self._custom_value(custom, raw)
        if fid == "summary":
            if not isinstance(raw, str) or not raw.strip():
                raise ValueError("You must specify a summary of the issue.")
            return raw
        if fid == "description":
            return _parse_description(raw, self.version)
        if fid == "labels":
            return _parse_labels(raw, self.catalog.flavor)
        if fid == "priority":
            return _parse_priority(raw, self.catalog, self.issue.project)
        if fid == "components":
            return _parse_components(raw, self.catalog, self.issue)
        if fid == "assignee":
            return _parse_user(raw)
        return _parse_parent(raw, self.issue, self.resolve)

    def _custom_value(self, custom: CustomField, raw: Any) -> Any:
        if raw is None:
            return [] if custom.kind == "labels" else None
        if custom.kind == "select":
            context = context_of(self.catalog, custom, self.issue)
            return _parse_option(custom, context, raw, self.catalog.flavor)
        if custom.kind == "number":
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise ValueError("Operation value must be a number")
            return float(raw)
        if custom.kind == "labels":
            return _parse_labels(raw, self.catalog.flavor)
        if custom.kind == "epic_link":
            epic = self.resolve(str(raw)) if isinstance(raw, str) else None
            if epic is None or epic.type.lower() != "epic":
                raise ValueError(f"The issue '{raw}' is not an epic.")
            return epic.key
        if not isinstance(raw, str):
            raise ValueError("Operation value must be a string")
        return raw


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


def _parse_labels(raw: Any, flavor: str) -> list[str]:
    """Labels as Jira stores them. Whitespace is refused: Cloud "The label 'x y' can't contain
    spaces." (tenable/integration-jira-cloud#220), Data Center "The label 'x y' contains spaces
    which is invalid." (prometheus-community/jiralert#108, projectdiscovery/nuclei#1689); more
    than 255 characters is refused too (Atlassian's func test; research/jira.md §5)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ValueError("Operation value must be an array of strings")
    for label in raw:
        if not label or any(ch.isspace() for ch in label):
            if flavor == "cloud":
                raise ValueError(f"The label '{label}' can't contain spaces.")
            raise ValueError(f"The label '{label}' contains spaces which is invalid.")
        if len(label) > 255:
            raise ValueError(
                f"The label '{label}' exceeds the maximum length for a single label of 255 characters."
            )
    return sorted(set(raw))


def _parse_priority(raw: Any, catalog: Catalog, project: str) -> str | None:
    """A priority by name or id; one outside the project's priority scheme is "The priority
    selected is invalid." (research/jira.md §3: equativ.atlassian.net PE, Sectile test)."""
    if raw is None:
        return None
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        found = catalog.priority(raw["name"])
        if found is None:
            raise ValueError(f"Priority name '{raw['name']}' is not valid")
    elif isinstance(raw, dict) and "id" in raw:
        found = catalog.priority_by_id(str(raw["id"]))
        if found is None:
            raise ValueError(f"Priority id '{raw['id']}' is not valid")
    else:
        raise ValueError("Specify Priority (id or name) in the proper format")
    if found.id not in catalog.scheme_of(project).priority_ids:
        raise ValueError("The priority selected is invalid.")
    return found.name


def _parse_option(custom: CustomField, context: FieldContext | None, raw: Any, flavor: str) -> str:
    """A select value: ``{"value"}`` or ``{"id"}`` of an enabled option of the issue's context.
    Refusals (research/jira.md §2): Cloud "Specify a valid 'id' or 'name' for <Field>" for a
    value not in the context or a malformed object; Data Center "Option value 'x' is not valid"
    and "Could not find valid 'id' or 'value' in the Parent Option object."; an unknown id is
    "Option id 'x' is not valid" on both (pycontribs/jira#798)."""
    options = [o for o in (context.options if context else ()) if not o.disabled]
    if isinstance(raw, dict) and "value" in raw:
        option = next((o for o in options if o.value == str(raw["value"])), None)
        if option is None:
            cloud = f"Specify a valid 'id' or 'name' for {custom.name}"
            raise ValueError(cloud if flavor == "cloud" else f"Option value '{raw['value']}' is not valid")
        return option.value
    if isinstance(raw, dict) and "id" in raw:
        option = next((o for o in options if o.id == str(raw["id"])), None)
        if option is None:
            raise ValueError(f"Option id '{raw['id']}' is not valid")
        return option.value
    if flavor == "cloud":
        raise ValueError(f"Specify a valid 'id' or 'name' for {custom.name}")
    raise ValueError("Could not find valid 'id' or 'value' in the Parent Option object.")


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
        items.append(_change_item(fid, old, new, catalog, issue))
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


def _option_id(catalog: Catalog, custom: CustomField, issue: JiraIssue, value: Any) -> str | None:
    if value is None:
        return None
    context = context_of(catalog, custom, issue)
    option = (context.option_by_value(str(value)) if context else None) or custom.option_by_value(str(value))
    return option.id if option else None


def _change_item(fid: str, old: Any, new: Any, catalog: Catalog, issue: JiraIssue) -> ChangeItem:
    custom = catalog.custom_field(fid) if fid.startswith("customfield_") else None
    if custom is not None:
        from_id = to_id = None
        if custom.kind == "select":
            from_id = _option_id(catalog, custom, issue, old)
            to_id = _option_id(catalog, custom, issue, new)
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
