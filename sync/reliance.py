"""Which planned changes rest on a tracker that could not be read this run. Pure.

A tracker whose pull failed gets no writes (apply skips its items: its copy may be stale). The
other tracker's items can still take their decision from it, and those decisions are no better
than what was (not) read: a theme inherited over a link into it, a parent chain through it, or
an item left unaligned only because the items that link to it could not be seen. Writing such a
change is how ``inherited`` became ``unaligned`` on a run with Jira down and went back on the
next good run. So they are held back with the reason, and the next run that reads both
trackers plans them again.

An item decided by its own pin or rule rests on nothing but itself and is written as usual.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from roadsync.connectors.model import Item
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.explain import decision_chain
from roadsync.sync.model import Plan

__all__ = ["held_back"]


def held_back(plan: Plan, items: Mapping[str, Item], failed: Collection[str]) -> dict[str, str]:
    """Item key -> why its changes are not written this run, for every item with planned
    changes, in a tracker that was read, whose assignment rests on a tracker in ``failed``.

    A link key absent from the mirror belongs to the other tracker than its item's (links are
    cross-tracker). A failed tracker with no item in the mirror was never read: any of its
    items might link to an unaligned item, so that item's changes are held too.
    """
    if not failed:
        return {}
    assignments = {a.item: a for a in plan.assignments}
    linked_from: dict[str, set[str]] = {}
    for linking in items.values():
        for link in linking.links:
            linked_from.setdefault(link, set()).add(linking.key)
    never_read = set(failed) - {each.source for each in items.values()}
    context = _Context(items, assignments, linked_from, set(failed), never_read)
    held: dict[str, str] = {}
    for key in sorted({change.item for change in plan.changes}):
        item, assignment = items.get(key), assignments.get(key)
        if item is None or assignment is None or item.source in failed:
            continue  # gone, or its own tracker failed: apply skips it with that reason
        why = context.rests_on(item, assignment)
        if why:
            held[key] = f"not written: {why}"
    return held


class _Context:
    """What :func:`held_back` looks decisions up in: the mirror, reverse links, the failed trackers."""

    def __init__(
        self,
        items: Mapping[str, Item],
        assignments: Mapping[str, Assignment],
        linked_from: Mapping[str, set[str]],
        failed: set[str],
        never_read: set[str],
    ) -> None:
        self.items, self.assignments, self.linked_from = items, assignments, linked_from
        self.failed, self.never_read = failed, never_read

    def source_of(self, key: str, beside: Item) -> str:
        """The tracker of ``key``: its item's, or for an unknown link key the other tracker."""
        found = self.items.get(key)
        if found is not None:
            return found.source
        return "github" if beside.source == "jira" else "jira"

    def rests_on(self, item: Item, assignment: Assignment) -> str | None:
        """Why ``item``'s assignment rests on a failed tracker, or None: an item on the way from
        it to the item that decided its theme (:func:`decision_chain`: the link followed, every
        parent passed) is in one."""
        if assignment.step == "none":
            return self._unaligned_for_want_of(item)
        if assignment.step not in ("link", "parent"):
            return None
        for key in decision_chain(item.key, self.items, self.assignments)[1:]:
            source = self.source_of(key, item)
            if source in self.failed:
                linked = assignment.step == "link" and assignment.rule == f"link:{key}"
                how = f"from linked {key}" if linked else f"through {key}"
                return f"its theme comes {how} in {source}, which could not be read this run"
        return None

    def _unaligned_for_want_of(self, item: Item) -> str | None:
        for other in sorted(set(item.links) | self.linked_from.get(item.key, set())):
            source = self.source_of(other, item)
            if source in self.failed:
                return (
                    f"it maps to no theme, but its linked {other} is in {source}, "
                    "which could not be read this run"
                )
        unseen = sorted(self.never_read - {item.source})
        if unseen:
            return f"it maps to no theme, and {unseen[0]}, which could not be read this run, may link to it"
        return None
