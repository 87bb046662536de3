"""roadsync's ownership marker on a Jira issue: one issue entity property per managed field.

When roadsync writes a managed field it sends, in the **same** edit request, the property
``roadsync.<field>`` = ``{"v": 1, "target": <target signature>, "value": <native value>,
"at": <ISO UTC>}``. Jira's edit takes ``properties`` beside ``fields`` and ``update`` ("Issue
properties may be updated as part of the edit", ``editIssue`` in the Jira Cloud v3 OpenAPI;
Data Center's ``IssueUpdate`` has the same member, research/ownership.md J1), so the value and
the record of who wrote it land together. Properties move with the issue (a project move keeps the
issue id) and are invisible in Jira's UI; a person's edit in the UI or over the API leaves them as
they were, so a value that differs from the marker was set by someone else.

Reading: Cloud's ``/search/jql`` returns them with the issues (``properties=``, at most 5 keys per
request: roadsync asks for 3), at no extra request; Data Center's ``/search`` cannot
(JRASERVER-62898), so there the marker is read per issue (``GET /issue/{id}?properties=``) for
the issues whose decision needs it. Where no marker is found, the changelog decides
(:mod:`.history`: roadsync's account's last change of the field, and anyone's after it). The
response shape is ``"properties": {key: value}``; the
Data Center bean has also been seen nested one level deeper (``{"properties": {key: value}}``),
which is read too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from roadsync.connectors.model import Mark

__all__ = ["MARK_VERSION", "SOURCE", "mark_key", "mark_property", "marks_from_properties", "pending_mark"]

MARK_VERSION = 1
SOURCE = "Jira issue property"
_PREFIX = "roadsync."


def mark_key(field: str) -> str:
    """The issue property that records roadsync's last write of managed field ``field``."""
    return f"{_PREFIX}{field}"


def mark_property(field: str, target: str, value: str | None, at: str) -> dict[str, Any]:
    """One ``properties`` entry of an edit body: roadsync wrote ``value`` to ``field`` at ``at``."""
    return {"key": mark_key(field), "value": {"v": MARK_VERSION, "target": target, "value": value, "at": at}}


def pending_mark(field: str) -> dict[str, Any]:
    """A marker that speaks for no value (no ``target``: :func:`marks_from_properties` leaves it
    out), set before a bulk edit that cannot carry the new marker itself (:mod:`.bulk`): until the
    new one lands, the changelog decides, never an older marker the edit contradicts."""
    return {"key": mark_key(field), "value": {"v": MARK_VERSION, "pending": True}}


def marks_from_properties(raw: Any, fields: Iterable[str]) -> dict[str, Mark | None]:
    """The marks of ``fields`` in an issue's ``properties`` member, for the fields that have one.
    A field without a marker is left out: its evidence is then the changelog, asked for only where
    the plan needs it (a write by a roadsync that wrote no markers, or a marker deleted)."""
    properties: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    nested = properties.get("properties")
    if isinstance(nested, Mapping) and not any(k.startswith(_PREFIX) for k in properties):
        properties = nested
    marks = {field: _mark(properties.get(mark_key(field))) for field in fields}
    return {field: mark for field, mark in marks.items() if mark is not None}


def _mark(value: Any) -> Mark | None:
    if not isinstance(value, Mapping) or value.get("v") != MARK_VERSION or not value.get("target"):
        return None
    written = value.get("value")
    at = str(value.get("at") or "")
    return Mark(None if written is None else str(written), str(value["target"]), at, SOURCE)
