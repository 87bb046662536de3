"""``doctor``'s per-project, per-issue-type checks of Jira targets, before any write.

A real site decides what an edit may set per project and issue type (research/jira.md §1-§4):
the edit screen, the field's context (its options there), the project's priority scheme, and which
of several same-named fields applies. The doctor reads one sample issue's editmeta for every issue
type that holds items in scope (:class:`~roadsync.targets.base.Screen`) and names each problem,
per project, with the issue types it hits and its fix. A problem found here would otherwise be an
``unwritable`` change on the first sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from roadsync.targets.base import DoctorProbe, Screen, allowed_values, missing

__all__ = ["by_project", "check_field_screens", "check_label_screens", "check_priority_screens"]


def by_project(screens: Iterable[Screen]) -> dict[str, list[Screen]]:
    """The screens grouped by project, in the order they come."""
    grouped: dict[str, list[Screen]] = {}
    for screen in screens:
        grouped.setdefault(screen.project, []).append(screen)
    return grouped


def _types(screens: Iterable[Screen]) -> str:
    return ", ".join(dict.fromkeys(s.issue_type for s in screens))


def _union(lists: Iterable[list[str]]) -> list[str]:
    return list(dict.fromkeys(value for values in lists for value in values))


def _unread(probe: DoctorProbe, check: str, project: str, screens: Sequence[Screen]) -> bool:
    """Record that ``project``'s editmeta could not be read (True), or that it holds no items."""
    if not screens:
        probe.add(check, "info", f"{project} holds no items in scope: nothing to check there")
        return True
    if all(s.meta is None for s in screens):
        probe.add(
            check,
            "warn",
            f"cannot read what an edit may set in {project} (editmeta of {screens[0].sample})",
            "grant the token Edit Issues there, then run doctor again",
        )
        return True
    return False


def check_priority_screens(
    probe: DoctorProbe, name: str, wanted: Sequence[str], screens: Mapping[str, list[Screen]]
) -> None:
    """Per project: Priority is on each issue type's edit screen and its scheme has ``wanted``."""
    for project, mine in screens.items():
        check = f"{name}: priorities in {project}"
        if _unread(probe, check, project, mine):
            continue
        read = [s for s in mine if s.meta is not None]
        off = [s for s in read if "priority" not in (s.meta or {})]
        on = [s for s in read if s not in off]
        allowed = _union(allowed_values(s.meta, "priority", "name") or [] for s in on)
        lacking = _union(missing(wanted, allowed_values(s.meta, "priority", "name") or wanted) for s in on)
        if off:
            probe.add(
                check,
                "fail",
                f"Priority is not on the edit screen of {_types(off)} in {project}",
                f"add Priority to the edit screen of {_types(off)} in {project}; until then those "
                "items' priority is reported as unwritable",
            )
        if lacking:
            probe.add(
                check,
                "fail",
                f"{project}'s priority scheme lacks {', '.join(lacking)} (it has {', '.join(allowed)})",
                f"add {', '.join(lacking)} to {project}'s priority scheme, or map the levels to names "
                f"every project has (fields.{name}.jira.values); until then those changes in "
                f"{project} are reported as unwritable",
            )
        if not off and not lacking:
            probe.add(check, "ok", f"{', '.join(wanted)} allowed for {_types(on)} (editmeta)")


def check_label_screens(probe: DoctorProbe, name: str, screens: Mapping[str, list[Screen]]) -> None:
    """Per project: Labels is on each issue type's edit screen."""
    for project, mine in screens.items():
        off = [s for s in mine if s.meta is not None and "labels" not in s.meta]
        if off:
            probe.add(
                f"{name}: labels in {project}",
                "fail",
                f"Labels is not on the edit screen of {_types(off)} in {project}",
                f"add Labels to the edit screen of {_types(off)} in {project}; until then those items' "
                f"{name} is reported as unwritable",
            )


def check_field_screens(
    probe: DoctorProbe,
    name: str,
    label: str,
    candidates: Sequence[Mapping[str, Any]],
    wanted: Sequence[str],
    screens: Mapping[str, list[Screen]],
    where: Mapping[str, str],
) -> None:
    """Per project: the field ``label`` (``candidates``: every field it may mean) resolves to one
    field on each issue type's edit screen (``where`` says where each candidate applies), and a
    select offers every value in ``wanted`` there."""
    for project, mine in screens.items():
        check = f"{name}: {label} in {project}"
        if _unread(probe, check, project, mine):
            continue
        read = [s for s in mine if s.meta is not None]
        on = {s: [c for c in candidates if str(c.get("id")) in (s.meta or {})] for s in read}
        off = [s for s, found in on.items() if not found]
        twice = [s for s, found in on.items() if len(found) > 1]
        if off:
            probe.add(
                check,
                "fail",
                f'"{label}" is not on the edit screen of {_types(off)} in {project}',
                f'add "{label}" to the edit screen of {_types(off)} in {project} (or give it a context '
                f"there); until then those items' {name} is reported as unwritable",
            )
        if twice:
            ids = list(
                dict.fromkeys(
                    f"{c.get('id')} ({where.get(str(c.get('id')), 'global')})" for s in twice for c in on[s]
                )
            )
            first = str(on[twice[0]][0].get("id"))
            probe.add(
                check,
                "fail",
                f'"{label}" is ambiguous in {project} ({_types(twice)}): {"; ".join(ids)}',
                f'name the field by its id in fields.{name}.jira.field (e.g. field = "{first}")',
            )
        lacking = _check_options(probe, check, name, label, wanted, project, on)
        if not off and not twice and not lacking:
            chosen = list(dict.fromkeys(str(found[0].get("id")) for found in on.values() if found))
            places = "; ".join(f"{i} ({where.get(i, 'global')})" for i in chosen)
            probe.add(check, "ok", f'"{label}" is {places} for {_types(read)}')


def _check_options(
    probe: DoctorProbe,
    check: str,
    name: str,
    label: str,
    wanted: Sequence[str],
    project: str,
    on: Mapping[Screen, list[Mapping[str, Any]]],
) -> bool:
    """A select's options in the field's context for the project lack none of ``wanted``; True
    when some are lacking (reported)."""
    lacking: list[str] = []
    allowed: list[str] = []
    hit: list[Screen] = []
    for screen, found in on.items():
        if len(found) != 1 or (found[0].get("schema") or {}).get("type") != "option":
            continue
        options = allowed_values(screen.meta, str(found[0].get("id")), "value")
        if options is None:
            continue
        allowed = _union([allowed, options])
        gone = missing(wanted, options)
        if gone:
            lacking, hit = _union([lacking, gone]), [*hit, screen]
    if lacking:
        probe.add(
            check,
            "fail",
            f'"{label}" in {project} ({_types(hit)}) lacks the options '
            f"{', '.join(lacking)} (it has {', '.join(allowed)})",
            f'add them to "{label}"\'s context for {project}, or map the values to options it has '
            f"(fields.{name}.jira.values); until then those changes are reported as unwritable",
        )
    return bool(lacking)
