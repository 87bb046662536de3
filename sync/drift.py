"""Drift: what the report shows. Pure functions over items, assignments, roadmap and ownership.

Each kind of design.md's table is one small function; :func:`find_drift` runs them all.
Item-level findings concern open items only; theme-level findings (``empty_theme``,
``allocation``) have ``item=None`` and the theme id. Drift describes the state found before
apply: a ``priority_mismatch`` that the plan fixes is listed here and gone from the next report.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from roadsync.config.model import FieldsConfig
from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.coverage import Countable, ThemeCoverage, coverage
from roadsync.mappings.roadmap import Roadmap
from roadsync.sync.fields import current_value, to_native, to_roadmap
from roadsync.sync.model import DriftFinding
from roadsync.sync.plan import desired_value, target_for

__all__ = ["DriftInput", "find_drift", "item_drift", "theme_drift"]


@dataclass(frozen=True)
class DriftInput:
    """What drift looks at; ``ownership`` holds the planner's findings about people's values by
    item key, then field name (:attr:`roadsync.sync.plan.Judged.findings`: the one ownership
    decision's words), so drift never re-decides whose a value is."""

    items: Sequence[Item]
    assignments: Mapping[str, Assignment]
    roadmap: Roadmap
    fields: FieldsConfig
    ownership: Mapping[str, Mapping[str, str]]

    def open_items(self) -> Iterator[tuple[Item, Assignment]]:
        for item in self.items:
            if item.is_open:
                yield item, self.assignments[item.key]


def _unaligned(data: DriftInput) -> Iterator[DriftFinding]:
    for item, assignment in data.open_items():
        if assignment.theme is None:
            yield DriftFinding(
                "unaligned", item.key, None, f"open {item.kind} matches no theme: {item.title}"
            )


def _theme_status(data: DriftInput) -> Iterator[DriftFinding]:
    for item, assignment in data.open_items():
        theme = data.roadmap.resolve(assignment.theme) if assignment.theme else None
        if theme is not None and theme.status in ("retired", "paused"):
            when = f" (retired after {theme.retire_after})" if theme.retire_after else ""
            yield DriftFinding(
                f"{theme.status}_theme", item.key, theme.id, f"open work on {theme.status} theme{when}"
            )


def _priority_off_roadmap(data: DriftInput, item: Item, assignment: Assignment) -> str | None:
    """Why ``item``'s priority differs from what its theme says (a ``priority_mismatch``), or None."""
    found = target_for(data.fields, "priority", item)
    theme = data.roadmap.resolve(assignment.theme) if assignment.theme else None
    if found is None or theme is None:
        return None
    managed_here, level = desired_value("priority", assignment, theme, data.fields)
    want = to_native("priority", found[1], level)
    have = current_value(item, found[1]).value
    if managed_here and want != have:
        return f"priority is {have or 'empty'}, roadmap says {want} ({level} from theme {theme.id})"
    return None


def _priority_mismatch(data: DriftInput) -> Iterator[DriftFinding]:
    """Priorities off the roadmap, except where the ownership decision found a person's value:
    that priority differs because a person set it, its one finding is ``manual_override`` (design.md,
    "Managed fields and ownership"), not also a mismatch no plan fixes."""
    for item, assignment in data.open_items():
        if _set_by_hand(data, item, "priority"):
            continue
        why = _priority_off_roadmap(data, item, assignment)
        if why:
            yield DriftFinding("priority_mismatch", item.key, assignment.theme, why)


def _set_by_hand(data: DriftInput, item: Item, name: str) -> bool:
    """Whether the one ownership decision found a person's value in ``item``'s field ``name``."""
    return name in data.ownership.get(item.key, {})


def _manual_override(data: DriftInput) -> Iterator[DriftFinding]:
    for item, assignment in data.open_items():
        for detail in data.ownership.get(item.key, {}).values():
            yield DriftFinding("manual_override", item.key, assignment.theme, detail)


def _unknown_theme(data: DriftInput) -> Iterator[DriftFinding]:
    for item, assignment in data.open_items():
        if assignment.unknown_pin:
            yield DriftFinding(
                "unknown_theme",
                item.key,
                None,
                f"carries theme tag '{assignment.unknown_pin}' that the roadmap does not define",
            )


def _parent_mismatch(data: DriftInput) -> Iterator[DriftFinding]:
    for item, assignment in data.open_items():
        parent = data.assignments.get(item.parent or "")
        if assignment.step not in ("rule", "pin") or parent is None or parent.theme is None:
            continue
        if assignment.theme != parent.theme:
            yield DriftFinding(
                "parent_mismatch",
                item.key,
                assignment.theme,
                f"theme {assignment.theme} differs from its parent {item.parent}'s theme {parent.theme}",
            )


def _priority_level(data: DriftInput, item: Item) -> str | None:
    found = target_for(data.fields, "priority", item)
    if found is None:
        return None
    return to_roadmap("priority", found[1], current_value(item, found[1]).value)


def _cross_tracker(data: DriftInput) -> Iterator[DriftFinding]:
    """Linked open items that disagree in a way nothing else reports or the plan fixes.

    A linked pair converges to the roadmap item by item: each open item gets its own theme's
    priority where roadsync manages priority, so after a sync the pair agrees unless one side
    keeps a value the roadmap does not give it, and that side already has its own finding
    (``priority_mismatch`` or ``manual_override``). Such a disagreement is not reported again
    here: it would appear when a sync moves the other side to the roadmap, a finding of
    roadsync's own making. Closed items do not count: roadsync never writes them, and a done
    item keeps the priority it closed with.
    """
    by_key = {item.key: item for item in data.items}
    for item, assignment in data.open_items():
        for link in item.links:
            other = by_key.get(link)
            if other is None or other.source == item.source or not other.is_open:
                continue
            theirs = data.assignments[other.key]
            if assignment.theme and theirs.theme and assignment.theme != theirs.theme:
                yield DriftFinding(
                    "cross_tracker",
                    item.key,
                    assignment.theme,
                    f"theme {assignment.theme} here, {theirs.theme} on linked {other.key}",
                )
                continue
            mine, yours = _priority_level(data, item), _priority_level(data, other)
            levels = data.roadmap.levels
            if not (mine and yours and mine != yours and mine in levels and yours in levels):
                continue
            if _priority_explained(data, item, assignment) or _priority_explained(data, other, theirs):
                continue
            detail = f"priority {mine} here, {yours} on linked {other.key}"
            yield DriftFinding("cross_tracker", item.key, assignment.theme, detail)


def _priority_explained(data: DriftInput, item: Item, assignment: Assignment) -> bool:
    """The item's priority has its own finding: off the roadmap, or set by a person."""
    return bool(_priority_off_roadmap(data, item, assignment) or _set_by_hand(data, item, "priority"))


def theme_drift(
    items: Sequence[Countable], assignments: Mapping[str, Assignment], roadmap: Roadmap,
    rows: Iterable[ThemeCoverage] | None = None,
) -> Iterator[DriftFinding]:  # fmt: skip
    """``empty_theme`` and ``allocation`` over every item of the backlog (``items``: connector
    items or the report's entries for them). They measure a backlog: with no item at all (an
    empty mirror, before the first pull) there is nothing to measure, and the report says to pull.
    ``rows``: the backlog's :func:`coverage` rows when the caller already counted them (a
    planner that keeps the rows for the report counts the backlog once)."""
    if not items:
        return iter(())
    return _theme_findings(coverage(items, assignments, roadmap) if rows is None else rows, roadmap)


def _theme_findings(rows: Iterable[ThemeCoverage], roadmap: Roadmap) -> Iterator[DriftFinding]:
    tolerance = roadmap.allocation_tolerance
    for row in rows:
        theme = roadmap.resolve(row.id) if row.id else None
        if theme is None:
            continue
        if theme.status == "active" and theme.horizon == "now" and row.open_items == 0:
            yield DriftFinding(
                "empty_theme", None, theme.id, "active 'now' theme with no open work behind it"
            )
        target = theme.target_share
        if theme.status == "active" and target is not None and abs(row.share - target) > tolerance:
            yield DriftFinding(
                "allocation",
                None,
                theme.id,
                f"share of open work {row.share:.0%} vs target {target:.0%} (tolerance {tolerance:.0%})",
            )


def _theme_level(data: DriftInput) -> Iterator[DriftFinding]:
    return theme_drift(data.items, data.assignments, data.roadmap)


ITEM_RULES: tuple[Callable[[DriftInput], Iterator[DriftFinding]], ...] = (
    _unaligned,
    _theme_status,
    _priority_mismatch,
    _manual_override,
    _unknown_theme,
    _parent_mismatch,
    _cross_tracker,
)
RULES = (*ITEM_RULES, _theme_level)


def find_drift(data: DriftInput) -> list[DriftFinding]:
    """Every drift finding, in rule order (the plan sorts them)."""
    return [finding for rule in RULES for finding in rule(data)]


def item_drift(data: DriftInput, keys: Collection[str]) -> list[DriftFinding]:
    """The item-level findings about ``keys`` (``data.items`` holds them and every item their
    findings read: parents, linked items)."""
    return [finding for rule in ITEM_RULES for finding in rule(data) if finding.item in keys]
