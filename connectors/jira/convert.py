"""Pure converters from Jira's issue JSON to :class:`~roadsync.connectors.model.Item`. No I/O.

The raw JSON is what ``/search/jql`` (Cloud) or ``/search`` (Data Center) returns for one
issue, with the fields the reader asked for. Custom field ids differ per site, so the reader
resolves them once (``/field``) into :class:`FieldIds` and hands them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from roadsync.connectors.model import Item, Kind, Mark, StatusCategory

__all__ = [
    "BODY_LIMIT",
    "FieldIds",
    "Flavor",
    "adf_text",
    "field_value_text",
    "github_key_from_url",
    "item_from_jira",
    "links_from_remote_links",
    "utc_timestamp",
]

Flavor = Literal["cloud", "datacenter"]

BODY_LIMIT = 4000
"""Item.body is an excerpt: enough for the mapping rules' ``text`` patterns, small in the mirror."""

_STATUS_CATEGORIES: dict[str, StatusCategory] = {
    "new": "todo",
    "undefined": "todo",
    "indeterminate": "in_progress",
    "done": "done",
}
_GITHUB_ISSUE_URL = re.compile(r"^https?://[^/\s]+/([^/\s]+)/([^/\s]+)/(?:issues|pull)/(\d+)/?(?:[?#].*)?$")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class FieldIds:
    """Custom field ids of one Jira site, resolved by name.

    ``managed`` maps a managed field as configured (a name or an id; what :attr:`Item.fields` is
    keyed by) to its id; ``alternatives`` to further fields sharing that name (research/jira.md
    §4), and ``scopes`` maps a team-managed project's own field to that project's id: an item reads
    its project's own field first, else the global one that holds a value (a global field without
    a context in the project holds none there). ``estimate`` is the estimate field's id (e.g. Story
    Points); ``epic_link`` the Data Center Epic Link field's id.
    """

    managed: Mapping[str, str] = field(default_factory=dict)
    estimate: str | None = None
    epic_link: str | None = None
    alternatives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scopes: Mapping[str, str] = field(default_factory=dict)

    def ids(self) -> list[str]:
        """Every custom field id the reader must request, without duplicates, in a stable order."""
        others = [i for ids in self.alternatives.values() for i in ids]
        wanted = [*self.managed.values(), *others, self.estimate, self.epic_link]
        return list(dict.fromkeys(i for i in wanted if i))

    def candidates(self, name: str, project_id: str | None) -> tuple[str, ...]:
        """The ids ``name`` may mean in the project with id ``project_id``, its own field first."""
        every = (self.managed[name], *self.alternatives.get(name, ()))
        own = tuple(i for i in every if project_id is not None and self.scopes.get(i) == project_id)
        return own or tuple(i for i in every if i not in self.scopes)


def item_from_jira(
    raw: Mapping[str, Any],
    *,
    site_url: str,
    field_ids: FieldIds,
    flavor: Flavor,
    remote_links: Iterable[Mapping[str, Any]] = (),
    marks: Mapping[str, Mark | None] | None = None,
) -> Item:
    """Build the Item for one raw Jira issue; ``remote_links`` is the issue's remotelink list,
    ``marks`` roadsync's ownership markers read with it (:mod:`.marks`)."""
    fields: Mapping[str, Any] = raw.get("fields") or {}
    key = str(raw["key"])
    issue_type = fields.get("issuetype") or {}
    kind = _kind(issue_type)
    status = fields.get("status") or {}
    return Item(
        source="jira",
        key=key,
        scope=_scope(raw, fields),
        url=f"{site_url.rstrip('/')}/browse/{key}",
        kind=kind,
        title=str(fields.get("summary") or ""),
        body=_description_text(fields.get("description"))[:BODY_LIMIT],
        labels=tuple(str(label) for label in fields.get("labels") or ()),
        components=tuple(str(c.get("name", "")) for c in fields.get("components") or ()),
        status=str(status.get("name") or ""),
        status_category=_STATUS_CATEGORIES.get(str((status.get("statusCategory") or {}).get("key")), "todo"),
        assignee=_name(fields.get("assignee"), "displayName"),
        priority=_name(fields.get("priority"), "name"),
        issue_type=_name(issue_type, "name"),
        parent=_parent(fields, field_ids, flavor, kind),
        links=links_from_remote_links(remote_links),
        estimate=_number(fields.get(field_ids.estimate)) if field_ids.estimate else None,
        created=utc_timestamp(fields.get("created")),
        updated=utc_timestamp(fields.get("updated")),
        fields=_managed_values(fields, field_ids),
        native_id=str(raw.get("id") or ""),
        marks=marks if marks is not None else {},
    )


def _managed_values(fields: Mapping[str, Any], ids: FieldIds) -> dict[str, str | None]:
    """Each managed field's text value: of the project's own field, else the global one set."""
    project_id = str((fields.get("project") or {}).get("id") or "") or None
    values: dict[str, str | None] = {}
    for name in sorted(ids.managed):
        texts = (field_value_text(fields.get(fid)) for fid in ids.candidates(name, project_id))
        values[name] = next((text for text in texts if text is not None), None)
    return values


def _scope(raw: Mapping[str, Any], fields: Mapping[str, Any]) -> str:
    project = fields.get("project") or {}
    if project.get("key"):
        return str(project["key"])
    return str(raw["key"]).rsplit("-", 1)[0]


def _kind(issue_type: Mapping[str, Any]) -> Kind:
    level = issue_type.get("hierarchyLevel")
    if issue_type.get("subtask") or level == -1:
        return "sub-task"
    # Data Center issue types carry no hierarchyLevel; there the Epic type is known by name.
    if level == 1 or (level is None and issue_type.get("name") == "Epic"):
        return "epic"
    return "issue"


def _parent(fields: Mapping[str, Any], ids: FieldIds, flavor: Flavor, kind: Kind) -> str | None:
    parent = (fields.get("parent") or {}).get("key")
    if flavor == "datacenter" and kind != "sub-task" and ids.epic_link:
        # On Data Center `parent` is for sub-tasks only; epics are linked by the Epic Link field.
        epic = fields.get(ids.epic_link)
        return str(epic) if epic else parent
    return str(parent) if parent else None


def _name(value: Any, attribute: str) -> str | None:
    if isinstance(value, Mapping) and value.get(attribute):
        return str(value[attribute])
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def field_value_text(value: Any) -> str | None:
    """A custom field value as text: select -> option value, number -> ``5`` / ``2.5``, text as is.

    Multi-value fields (multi-select, labels) become their values sorted and comma-joined, so
    that equal sets compare equal. ``None`` and empty values are ``None``.
    """
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return _number_text(float(value))
    if isinstance(value, Mapping):
        if "value" in value:
            return field_value_text(value["value"])
        if value.get("type") == "doc":
            return adf_text(value) or None
        return _name(value, "name") or _name(value, "key")
    if isinstance(value, (list, tuple)):
        parts = sorted(text for text in (field_value_text(v) for v in value) if text)
        return ",".join(parts) or None
    return str(value)


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _description_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return adf_text(value)
    return str(value) if value else ""


def adf_text(node: Mapping[str, Any]) -> str:
    """The plain text of an Atlassian Document Format node; blocks end with a newline."""
    if node.get("type") == "text":
        return str(node.get("text") or "")
    if node.get("type") == "hardBreak":
        return "\n"
    if node.get("type") in ("mention", "emoji", "inlineCard"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("url") or "")
    inner = "".join(adf_text(child) for child in node.get("content") or ())
    if node.get("type") in ("paragraph", "heading", "codeBlock", "rule"):
        return inner + "\n"
    return inner.strip("\n") if node.get("type") == "doc" else inner


def github_key_from_url(url: str) -> str | None:
    """``https://github.com/acme/web/issues/4`` -> ``acme/web#4`` (any host, issues or pulls)."""
    match = _GITHUB_ISSUE_URL.match(url.strip())
    if not match:
        return None
    owner, repo, number = match.groups()
    return f"{owner}/{repo}#{int(number)}"


def links_from_remote_links(remote_links: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The GitHub issue keys among an issue's remote links, sorted and without duplicates."""
    keys = {github_key_from_url(str((link.get("object") or {}).get("url") or "")) for link in remote_links}
    return tuple(sorted(k for k in keys if k))


def utc_timestamp(value: Any) -> str:
    """A Jira timestamp (``2026-11-02T10:30:00.000+0100``) as ISO UTC ``2026-11-02T09:30:00Z``.

    Unreadable or missing values give ``""``.
    """
    match = _TIMESTAMP.match(str(value or "").strip())
    if not match:
        return ""
    day, clock, offset = match.groups()
    # Not strptime (a tenth of a Jira page's reading): the fields are the regex's, checked alike
    # by fromisoformat; two per issue, so the offset's arithmetic is worked out once per offset.
    local = datetime.fromisoformat(f"{day}T{clock}")
    shift = _offsets.get(offset)
    if shift is None:
        shift = _offsets.setdefault(offset, _offset(offset))
    return (local - shift).isoformat(timespec="seconds") + "Z"


_offsets: dict[str | None, timedelta] = {}
"""Jira's offsets (``+0100``, ``-05:00``, ``Z``) as the time to subtract for UTC, as met."""


def _offset(offset: str | None) -> timedelta:
    digits = "0000" if offset in (None, "Z") else offset[1:].replace(":", "")
    if int(digits[2:]) > 59:
        raise ValueError(f"offset minutes out of range: {offset}")  # as strptime's %z refuses them
    shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return -shift if offset and offset[0] == "-" else shift
