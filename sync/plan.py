"""The pure planner: items + roadmap + managed fields + ownership -> a :class:`Plan`.

No I/O, no clock, no environment. Three phases in plain sight:

1. :func:`compute_pins` reads the theme tags that *people* set (a tag roadsync did not write);
2. the mapping layer assigns every item a theme (``roadsync.mappings.engine.assign``);
3. :func:`plan_changes` derives the desired value of each managed field and decides, per the
   field's policy and the ownership record, whether to write it; :mod:`roadsync.sync.drift` reports.

Ownership rules (design.md, "never clobber"): ``written`` maps ``(item, field)`` to the last
tracker-native value roadsync wrote; absence means roadsync never wrote it.

* never written: ``enforce`` writes when the value differs, ``fill`` only when empty,
  ``report`` never;
* current == last written: roadsync still owns the value and keeps it up to date
  (``enforce`` and ``fill``);
* current != last written: a person changed it; it is not overwritten (``manual_override``
  drift) unless the field says ``override = true``.

Only open items get writes (a write to a closed item wakes people for nothing). A change is
emitted only when the value differs: no-op writes are never planned.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from roadsync.changes import FieldChange
from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.roadmap import Roadmap, Theme
from roadsync.sync.fields import (
    MANAGED_FIELDS,
    Current,
    current_value,
    field_target,
    same_native,
    to_native,
    to_roadmap,
)

__all__ = ["Ownership", "Written", "compute_pins", "desired_value", "plan_changes", "plan_item"]

Written = Mapping[tuple[str, str], "str | None"]


@dataclass(frozen=True)
class Ownership:
    """Who set a field's current value, as far as roadsync can tell."""

    recorded: bool
    last_written: str | None

    def changed_by_person(self, current: str | None) -> bool:
        return self.recorded and current != self.last_written


def _ownership(written: Written, key: str, field: str) -> Ownership:
    if (key, field) in written:
        return Ownership(True, written[(key, field)])
    return Ownership(False, None)


def target_for(fields: FieldsConfig, name: str, item: Item) -> tuple[ManagedField, FieldTarget] | None:
    """The managed field and its target in the item's tracker, or ``None`` if unmanaged there."""
    return field_target(fields, name, item.source)


def compute_pins(items: Iterable[Item], fields: FieldsConfig, written: Written) -> dict[str, str]:
    """Theme tags that a person put on an item: item key -> theme id (or alias, or unknown id).

    A tag is a pin unless it is exactly the value roadsync last wrote there.
    """
    pins: dict[str, str] = {}
    for item in items:
        found = target_for(fields, "theme", item)
        if found is None:
            continue
        _, target = found
        current = current_value(item, target)
        values = current.ambiguous or ((current.value,) if current.value is not None else ())
        ownership = _ownership(written, item.key, "theme")
        for native in values:
            if ownership.recorded and native == ownership.last_written:
                continue
            theme_id = to_roadmap("theme", target, native)
            if theme_id:
                pins[item.key] = theme_id
                break
    return pins


def desired_value(
    name: str, assignment: Assignment, theme: Theme | None, fields: FieldsConfig
) -> tuple[bool, str | None]:
    """The roadmap value a managed field should have: ``(managed_here, value)``.

    ``managed_here`` is False when roadsync has no opinion (an unaligned item's priority,
    unless ``unaligned_priority`` is set; the priority of work on a retired or paused theme).
    """
    if name == "theme":
        return True, assignment.theme
    if name == "alignment":
        return True, assignment.alignment
    if theme is None:
        return (True, fields.unaligned_priority) if fields.unaligned_priority else (False, None)
    if theme.status != "active":
        return False, None
    return True, theme.priority


def _decide(
    managed: ManagedField, current: Current, desired: str | None, ownership: Ownership
) -> tuple[bool, str]:
    """Whether to write ``desired`` over ``current``, and why (for the change's reason)."""
    if current.ambiguous or desired == current.value:
        return False, ""
    if ownership.changed_by_person(current.value):
        if managed.override:
            return managed.policy != "report", "changed by hand; field policy says override"
        return False, ""
    if managed.policy == "report":
        return False, ""
    if ownership.recorded:
        return True, "roadsync owns this value"
    if managed.policy == "fill" and current.value is not None:
        return False, ""
    return True, "first sync takes the field over" if managed.policy == "enforce" else "field was empty"


def plan_item(
    item: Item, assignment: Assignment, roadmap: Roadmap, fields: FieldsConfig, written: Written
) -> list[FieldChange]:
    """The changes one open item needs, one per managed field that differs."""
    if not item.is_open:
        return []
    theme = roadmap.resolve(assignment.theme) if assignment.theme else None
    changes: list[FieldChange] = []
    for name in MANAGED_FIELDS:
        found = target_for(fields, name, item)
        if found is None:
            continue
        managed, target = found
        managed_here, value = desired_value(name, assignment, theme, fields)
        if not managed_here or (name == "theme" and assignment.unknown_pin):
            continue
        current = current_value(item, target)
        desired = to_native(name, target, value)
        if same_native(item, target, desired, current.value):
            desired = current.value  # the tracker holds it in another form (a GitHub label's case)
        write, why = _decide(managed, current, desired, _ownership(written, item.key, name))
        if write:
            reason = f"{name} {value or 'none'} from {assignment.reason or 'no theme'} ({why})"
            changes.append(FieldChange(item.key, name, current.value, desired, reason, assignment.rule))
    return changes


def plan_changes(
    items: Sequence[Item],
    assignments: Mapping[str, Assignment],
    roadmap: Roadmap,
    fields: FieldsConfig,
    written: Written,
    only: Collection[str] | None = None,
) -> list[FieldChange]:
    """Every change the plan holds; ``only`` restricts writes to those item keys."""
    changes: list[FieldChange] = []
    for item in items:
        if only is not None and item.key not in only:
            continue
        changes.extend(plan_item(item, assignments[item.key], roadmap, fields, written))
    return changes
