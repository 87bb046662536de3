"""The change guard: a run refuses to write a plan larger than its limit unless ``--force``.

The limit is, first that is set: ``--max-changes N``; ``run.max_changes``; else
``run.max_changes_share`` x the open items in the mirror, rounded up and never below
:data:`MIN_LIMIT` (so a small backlog's first sync is not refused). A refusal says which of
these set the limit and how it was computed, writes nothing, and exits :data:`EXIT_GUARD`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from roadsync.config.model import RunConfig
from roadsync.connectors.model import Item
from roadsync.sync.apply import PlanRefused
from roadsync.sync.model import Plan
from roadsync.sync.scope import Entry

__all__ = ["EXIT_GUARD", "MIN_LIMIT", "ChangeGuard", "ChangeGuardRefused"]

EXIT_GUARD = 5
"""A plan larger than the change guard allows was refused; nothing was written."""
MIN_LIMIT = 25
"""The share-based limit never goes below this many changes."""


class ChangeGuardRefused(PlanRefused):
    """The plan has more changes than the change guard allows (exit 5)."""

    exit_code = EXIT_GUARD


@dataclass(frozen=True)
class ChangeGuard:
    """How many changes one run may write, and why that many (``why`` names the setting)."""

    limit: int
    why: str

    @classmethod
    def of(
        cls, run: RunConfig, items: Iterable[Item | Entry], *, max_changes: int | None = None
    ) -> ChangeGuard:
        """The guard of a run over ``items`` (the mirror) with ``run``'s settings;
        ``max_changes`` is the command line's ``--max-changes``, which wins."""
        if max_changes is not None:
            return cls(max_changes, f"--max-changes {max_changes}")
        if run.max_changes is not None:
            return cls(run.max_changes, f"run.max_changes = {run.max_changes}")
        open_items = sum(1 for item in items if item.is_open)
        by_share = math.ceil(open_items * run.max_changes_share)
        why = f"run.max_changes_share {run.max_changes_share:g} x {open_items} open items = {by_share}"
        if by_share < MIN_LIMIT:
            return cls(MIN_LIMIT, f"{why}, raised to the minimum of {MIN_LIMIT}")
        return cls(by_share, why)

    def check(self, plan: Plan, *, force: bool) -> None:
        """Raise :class:`ChangeGuardRefused` when ``plan`` is over the limit and not ``force``."""
        if force or len(plan.changes) <= self.limit:
            return
        raise ChangeGuardRefused(
            f"the change guard refused the plan: {len(plan.changes)} changes, more than the "
            f"{self.limit} it allows ({self.why}); nothing was written",
            hint="review the plan with 'roadsync plan', then rerun with --force, or raise the limit "
            "with --max-changes N (or run.max_changes / run.max_changes_share in the config)",
        )
