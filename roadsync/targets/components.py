"""Jira components as a managed field's target (``[fields.theme.jira] target = "components"``).

Components are multi-valued like labels. ``values`` maps roadmap values (theme ids) to component
names, and only components named there count as roadsync's: an item keeps every other component
people gave it. roadsync owns at most one of its components per item; several are ambiguous
(reported, never written). A roadmap value with no component in ``values`` means "none of ours".

A change removes ``old`` and adds ``new`` one at a time with ``update.components`` operations
(``{"remove": {"name": old}}``, ``{"add": {"name": new}}``) in the issue's one PUT, never replacing
the set. Sources (Atlassian, Jira Cloud REST v3; Data Center's v2 is the same):

- "Edit issue": ``update`` operations, a component by ``name`` or ``id``
  (developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/
  #api-rest-api-3-issue-issueidorkey-put);
- "Get project components" (developer.atlassian.com/cloud/jira/platform/rest/v3/
  api-group-project-components/#api-rest-api-3-project-projectidorkey-components-get).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget
from roadsync.connectors.model import Item
from roadsync.targets.base import (
    Current,
    JiraDoctor,
    JiraEdit,
    JiraSite,
    Problem,
    TargetContext,
    TargetKind,
    missing,
)

__all__ = ["Components"]


class Components(TargetKind):
    name = "components"
    trackers = frozenset({"jira"})

    def to_native(self, target: FieldTarget, value: str | None) -> str | None:
        return None if value is None else target.values.get(value)

    def to_roadmap(self, target: FieldTarget, native: str | None) -> str | None:
        return {v: k for k, v in target.values.items()}.get(native or "")

    def current(self, item: Item, target: FieldTarget) -> Current:
        ours = set(target.values.values())
        found = tuple(sorted(c for c in item.components if c in ours))
        if len(found) > 1:
            return Current(None, ambiguous=found)
        return Current(found[0] if found else None)

    def problems(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        if not target.values:
            example = (list(context.theme_ids) or ["checkout"])[0]
            yield (("values",), "target `components` needs `values` naming a component per "
                   f'{context.name} value (e.g. values = {{ {example} = "Checkout" }})')  # fmt: skip
        if context.name == "theme":
            for key in target.values:
                if key not in context.theme_ids:
                    ids = ", ".join(context.theme_ids)
                    yield (("values", key), f"`{key}` is not a theme id; use one of {ids}")
        yield from super().problems(target, context)

    def jira_edit(self, edit: JiraEdit, item: Item, change: FieldChange, target: FieldTarget,
                  site: JiraSite) -> bool:  # fmt: skip
        removes = change.old is not None and change.old != change.new and change.old in item.components
        adds = change.new is not None and change.new not in item.components
        if not (removes or adds):
            return False
        if removes:
            edit.operation("components", "remove", {"name": change.old})
        if adds:
            edit.operation("components", "add", {"name": change.new})
        edit.changes.append(change)
        return True

    def doctor_jira(self, doctor: JiraDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Every component named in ``values`` exists in every project (one
        ``GET /project/{key}/components`` per project)."""
        probe = doctor.probe
        for project in doctor.projects:
            check = f"components of {project.key}"
            path = f"project/{project.key}/components"
            answer = probe.guard(check, partial(doctor.client.get, path, scope=project.key))
            if answer is None:
                continue
            have = [str(c.get("name")) for c in answer if isinstance(c, dict)]
            for name, target in targets:
                wanted = list(dict.fromkeys(target.values.values()))
                lacking = missing(wanted, have)
                if lacking:
                    probe.add(f"{name}: {check}", "fail",
                              f"{project.key} has no component named {', '.join(lacking)} "
                              f"(it has: {', '.join(have) or 'none'})",
                              f"create them in {project.key} (Project settings > Components), or fix "
                              f"fields.{name}.jira.values")  # fmt: skip
                else:
                    probe.add(f"{name}: {check}", "ok", f"{len(wanted)} components present")
