"""Jira's built-in priority: ``fields.priority = {"name": new}``.

Roadmap levels map to the site's priority names (``values``; default P0..P4 -> Highest..Lowest);
a name the site does not have at all (``/priority``) fails its change. Jira's priority cannot be
cleared. Each project has a priority scheme: Jira refuses a priority outside it with "The priority
selected is invalid." (research/jira.md §3), which makes that change ``unwritable`` (the writer
adds the scheme's names from editmeta); ``doctor`` checks every project's scheme per issue type
beforehand. Source: "Edit issue",
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

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
    missing,
)
from roadsync.targets.jira_screens import by_project, check_priority_screens

__all__ = ["JIRA_DEFAULT_PRIORITIES", "Priority"]

JIRA_DEFAULT_PRIORITIES: dict[str, str] = {
    "P0": "Highest",
    "P1": "High",
    "P2": "Medium",
    "P3": "Low",
    "P4": "Lowest",
}


class Priority(TargetKind):
    name = "priority"
    trackers = frozenset({"jira"})

    def values(self, target: FieldTarget) -> Mapping[str, str]:
        return target.values or JIRA_DEFAULT_PRIORITIES

    def current(self, item: Item, target: FieldTarget) -> Current:
        return Current(item.priority)

    def problems(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        if context.name != "priority":
            yield (("target",), "target `priority` (Jira's built-in priority) only fits "
                   "[fields.priority]; use `label` or `field`")  # fmt: skip
        yield from super().problems(target, context)

    def jira_edit(self, edit: JiraEdit, item: Item, change: FieldChange, target: FieldTarget,
                  site: JiraSite) -> bool:  # fmt: skip
        if change.new == item.priority:
            return False
        if change.new is None:
            raise Refused("Jira priority cannot be cleared")
        known = site.priorities()
        if change.new not in known:
            raise Refused(f"Jira has no priority '{change.new}' (known: {', '.join(known)})")
        edit.fields["priority"] = {"name": change.new}
        edit.changes.append(change)
        return True

    def doctor_jira(self, doctor: JiraDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Every name the plan may write exists (``/priority``), and for every issue type holding
        items in each project Priority is on the edit screen and the project's scheme has them."""
        probe = doctor.probe
        for name, target in targets:
            check = f"{name}: priorities"
            site = probe.guard(check, lambda: doctor.client.get("priority")) or []
            names = [str(p["name"]) for p in site if isinstance(p, dict) and p.get("name")]
            wanted = list(dict.fromkeys([*doctor.needed(name, target), *self.values(target).values()]))
            lacking = missing(wanted, names)
            if lacking:
                example = ", ".join(f'{lvl} = "{n}"' for lvl, n in zip(doctor.levels(), names, strict=False))
                probe.add(check, "fail", f"the site has no priority named {', '.join(lacking)} "
                          f"(it has: {', '.join(names)})",
                          f"map each level to an existing name in fields.{name}.jira.values, e.g. {example}")
                continue
            probe.add(check, "ok", f"{', '.join(wanted)} exist (from /priority)")
            check_priority_screens(probe, name, wanted, by_project(doctor.screens()))
