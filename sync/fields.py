"""How a managed field reads and writes on one item: roadmap values <-> tracker-native values.

A managed field (``priority``, ``theme``, ``alignment``) has a :class:`FieldTarget` per tracker.
Roadmap values are ``P1``, a theme id, ``aligned``; tracker-native values are what the tracker
holds and what a :class:`~roadsync.changes.FieldChange` carries: ``"High"``, ``"theme/checkout"``,
a Projects option name. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item

__all__ = [
    "JIRA_DEFAULT_PRIORITIES",
    "MANAGED_FIELDS",
    "Current",
    "current_value",
    "field_target",
    "field_targets",
    "to_native",
    "to_roadmap",
]

MANAGED_FIELDS: tuple[str, ...] = ("priority", "theme", "alignment")

JIRA_DEFAULT_PRIORITIES: dict[str, str] = {
    "P0": "Highest",
    "P1": "High",
    "P2": "Medium",
    "P3": "Low",
    "P4": "Lowest",
}


@dataclass(frozen=True)
class Current:
    """The value a managed field has on an item now, tracker-native.

    ``ambiguous`` is set when a label target finds several labels with its prefix: roadsync
    cannot tell which one is meant, so it never writes that field and reports it.
    """

    value: str | None
    ambiguous: tuple[str, ...] = ()


def field_target(fields: FieldsConfig, name: str, source: str) -> tuple[ManagedField, FieldTarget] | None:
    """Managed field ``name`` and its target in ``source`` (``jira``/``github``), or ``None``
    when that field is not managed there."""
    managed: ManagedField | None = getattr(fields, name)
    target: FieldTarget | None = getattr(managed, source, None) if managed is not None else None
    return (managed, target) if managed is not None and target is not None else None


def field_targets(fields: FieldsConfig, source: str) -> list[tuple[str, ManagedField, FieldTarget]]:
    """Every managed field with a target in ``source``, in the order of :data:`MANAGED_FIELDS`."""
    found = ((name, field_target(fields, name, source)) for name in MANAGED_FIELDS)
    return [(name, pair[0], pair[1]) for name, pair in found if pair is not None]


def _values(target: FieldTarget, field: str) -> dict[str, str]:
    if target.target == "priority" and not target.values:
        return JIRA_DEFAULT_PRIORITIES
    return dict(target.values)


def to_native(field: str, target: FieldTarget, value: str | None) -> str | None:
    """Roadmap value -> what the tracker holds (``P1`` -> ``High``; theme id -> ``theme/id``)."""
    if value is None:
        return None
    native = _values(target, field).get(value, value)
    if target.target == "label":
        return f"{target.prefix or ''}{native}"
    return native


def to_roadmap(field: str, target: FieldTarget, native: str | None) -> str | None:
    """Tracker-native value -> roadmap value; the inverse of :func:`to_native`."""
    if native is None:
        return None
    if target.target == "label":
        prefix = target.prefix or ""
        if not native.startswith(prefix):
            return None
        native = native[len(prefix) :]
    inverse = {v: k for k, v in _values(target, field).items()}
    return inverse.get(native, native)


def current_value(item: Item, target: FieldTarget) -> Current:
    """Read a managed field's current tracker-native value off an item."""
    if target.target == "label":
        prefix = target.prefix or ""
        found = tuple(sorted(label for label in item.labels if label.startswith(prefix)))
        if len(found) > 1:
            return Current(None, ambiguous=found)
        return Current(found[0] if found else None)
    if target.target == "priority":
        return Current(item.priority)
    if target.target == "issue_type":
        return Current(item.issue_type)
    value = item.fields.get(target.field or "")
    return Current(None if value in (None, "") else str(value))
