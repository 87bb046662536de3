"""A Jira custom field, by name or id: single-select ``{"value": new}``, number, text; ``None`` clears.

``field`` is a name (``"Alignment"``) or an id (``"customfield_10020"``). A name resolves per
project (:meth:`~roadsync.targets.base.JiraSite.field`): a team-managed project's own field wins
there, else the one on the issue's edit screen; a name two fields there share is an error that
lists them. Jira refuses a field off the issue type's edit screen and an option outside the
field's context for the project (Cloud "Specify a valid 'id' or 'name' for <Field>", DC "Option
value 'x' is not valid": research/jira.md §1, §2, §4): such a change is ``unwritable``.
A text area takes Atlassian Document Format in API v3. Source: "Edit issue" and "Get fields",
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget
from roadsync.connectors.model import Item
from roadsync.targets.base import (
    Current,
    JiraDoctor,
    JiraEdit,
    JiraSite,
    Problem,
    Refused,
    TargetContext,
    TargetKind,
)
from roadsync.targets.jira_screens import by_project, check_field_screens

__all__ = ["CustomField", "field_value"]

TEXTAREA = "com.atlassian.jira.plugin.system.customfieldtypes:textarea"
_SETTABLE = {"option", "number", "string"}


def field_value(item: Item, name: str) -> Current:
    """A named field's value on ``item`` (Jira custom field or Projects v2 field); empty is ``None``."""
    value = item.fields.get(name)
    return Current(None if value in (None, "") else str(value))


class CustomField(TargetKind):
    name = "field"
    trackers = frozenset({"jira"})

    def current(self, item: Item, target: FieldTarget) -> Current:
        return field_value(item, target.field or "")

    def jira_read_field(self, target: FieldTarget) -> str | None:
        return target.field

    def problems(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        if not target.field:
            example = context.name.capitalize()
            yield (("field",), f'target `field` needs the field\'s name (e.g. field = "{example}")')
        yield from super().problems(target, context)

    def jira_edit(self, edit: JiraEdit, item: Item, change: FieldChange, target: FieldTarget,
                  site: JiraSite) -> bool:  # fmt: skip
        name = target.field or change.field
        if item.fields.get(name) == change.new and name in item.fields:
            return False
        meta = site.field(item, name)
        edit.fields[str(meta["id"])] = _value(meta, change.new, site.api_version)
        edit.changes.append(change)
        return True

    def doctor_jira(self, doctor: JiraDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Each field exists (``/field``, once) with a type roadsync can set, and a select has every
        option the plan may write in each project (a sample issue's editmeta)."""
        catalog = doctor.probe.guard("fields", lambda: doctor.client.get("field")) or []
        for name, target in targets:
            _check_field(doctor, name, target, [f for f in catalog if isinstance(f, dict)])


def _value(meta: Mapping[str, Any], new: str | None, api_version: str) -> Any:
    if new is None:
        return None
    schema = meta.get("schema") or {}
    if schema.get("type") == "option":
        return {"value": new}
    if schema.get("type") == "number":
        try:
            return float(new)
        except ValueError:
            raise Refused(f"'{new}' is not a number for field '{meta.get('name')}'") from None
    if schema.get("custom") == TEXTAREA and api_version == "3":
        paragraph = {"type": "paragraph", "content": [{"type": "text", "text": new}]}
        return {"type": "doc", "version": 1, "content": [paragraph]}
    if schema.get("type") == "string":
        return new
    raise Refused(f"field '{meta.get('name')}' has type '{schema.get('type')}', which roadsync cannot set")


def _check_field(
    doctor: JiraDoctor, name: str, target: FieldTarget, catalog: list[Mapping[str, Any]]
) -> None:
    """The field exists with a settable type; per project and issue type it is on the edit screen,
    unambiguous, and (a select) offers every value the plan may write."""
    probe = doctor.probe
    label = target.field or name
    check = f"{name}: field {label}"
    candidates = _candidates(catalog, label)
    if not candidates:
        names = [str(f.get("name")) for f in catalog]
        close = [n for n in names if n.lower() == label.lower() or label.lower() in n.lower()][:3]
        probe.add(check, "fail", f"the site has no field named \"{label}\""
                  + (f" (close: {', '.join(close)})" if close else ""),
                  f"create a select field \"{label}\" in Jira, or name an existing one in "
                  f"fields.{name}.jira.field")  # fmt: skip
        return
    kinds = {str((f.get("schema") or {}).get("type")) for f in candidates}
    if not kinds <= _SETTABLE:
        shown = ", ".join(sorted(kinds))
        probe.add(check, "fail", f"\"{label}\" has type {shown}, which roadsync cannot set",
                  "use a single-select, text or number field")
        return
    where = _where(candidates, doctor.projects)
    listed = "; ".join(f"{f.get('id')} ({where[str(f.get('id'))]})" for f in candidates)
    more = ": resolved per project" if len(candidates) > 1 else ""
    probe.add(check, "ok", f"\"{label}\" is {listed}{more}")
    wanted = doctor.needed(name, target) if "option" in kinds else []
    check_field_screens(probe, name, label, candidates, wanted, by_project(doctor.screens()), where)


def _candidates(catalog: list[Mapping[str, Any]], ref: str) -> list[Mapping[str, Any]]:
    """Every ``/field`` entry ``ref`` may mean: the field with that id, else all with that name."""
    by_id = [f for f in catalog if str(f.get("id")) == ref]
    named = [f for f in catalog if str(f.get("name")) == ref]
    return by_id or named or [f for f in catalog if str(f.get("name")).casefold() == ref.casefold()]


def _where(candidates: list[Mapping[str, Any]], projects: Sequence[Any]) -> dict[str, str]:
    """Field id -> where it applies: ``global`` or ``team-managed project MOB`` (its ``scope``)."""
    keys = {str(getattr(p, "id", "")): p.key for p in projects}
    out = {}
    for f in candidates:
        scope = ((f.get("scope") or {}).get("project") or {}).get("id")
        out[str(f.get("id"))] = f"team-managed project {keys.get(str(scope), scope)}" if scope else "global"
    return out
