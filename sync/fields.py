"""How a managed field reads and writes on one item: roadmap values <-> tracker-native values.

A managed field (``priority``, ``theme``, ``alignment``) has a :class:`FieldTarget` per tracker.
Roadmap values are ``P1``, a theme id, ``aligned``; tracker-native values are what the tracker
holds and what a :class:`~roadsync.changes.FieldChange` carries: ``"High"``, ``"theme/checkout"``,
a Projects option name. Pure functions, no I/O; what differs between targets (labels, priority,
custom fields, components...) is the target's kind (:mod:`roadsync.targets`), never tested here.
"""

from __future__ import annotations

from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item
from roadsync.targets import JIRA_DEFAULT_PRIORITIES, Current, kind_of

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


def to_native(field: str, target: FieldTarget, value: str | None) -> str | None:
    """Roadmap value -> what the tracker holds (``P1`` -> ``High``; theme id -> ``theme/id``)."""
    return kind_of(target).to_native(target, value)


def to_roadmap(field: str, target: FieldTarget, native: str | None) -> str | None:
    """Tracker-native value -> roadmap value; the inverse of :func:`to_native`."""
    return kind_of(target).to_roadmap(target, native)


def current_value(item: Item, target: FieldTarget) -> Current:
    """Read a managed field's current tracker-native value off an item (see :class:`Current`)."""
    return kind_of(target).current(item, target)


def same_native(item: Item, target: FieldTarget, a: str | None, b: str | None) -> bool:
    """Whether two tracker-native values are one value on ``item``'s tracker (GitHub labels: any case)."""
    if a is None or b is None:
        return a is b
    return kind_of(target).same(item, a, b)
