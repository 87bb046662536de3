"""What a run is asked and what it answers: :class:`RunSpec` (one named constructor per verb),
the :class:`Watch` that observes it (:class:`Quiet` for the demo and the bench), and
:class:`RunResult` with the run's one exit code (:attr:`RunResult.exit_code`). The sequence
itself is :class:`roadsync.sync.run.Run`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from roadsync.connectors.model import Item
from roadsync.sync.apply import ApplyResult
from roadsync.sync.model import Plan
from roadsync.sync.pull import Progress, PullResult
from roadsync.sync.report import Report
from roadsync.sync.scope import Entry, Scope

__all__ = [
    "EXIT_DRIFT",
    "EXIT_ERROR",
    "EXIT_PENDING",
    "ApplyProgress",
    "Quiet",
    "RunResult",
    "RunSpec",
    "Watch",
]

EXIT_ERROR = 1
"""A change failed to write (or nothing could be read: :attr:`PullResult.exit_code`)."""
EXIT_PENDING = 2
"""``plan --detailed-exitcode``: the plan has changes."""
EXIT_DRIFT = 3
"""Drift of a kind named by ``--fail-on`` / ``run.fail_on`` was found."""

ApplyProgress = Callable[[int], None]
"""``progress(changes_written_since_last_call)``, called as outcomes come back."""


@dataclass(frozen=True)
class RunSpec:
    """What one verb asks of a run: which steps, and their options.

    Build one with the named constructors (one per verb); the fields are the knobs they set.
    ``saved_plan`` replaces planning and turns on the staleness check; ``only`` restricts the
    plan's writes and item drift to those keys.
    """

    pull: bool = True
    full: bool = False
    stop_after_pull: bool = False
    saved_plan: Plan | None = None
    only: frozenset[str] | None = None
    apply: bool = False
    max_changes: int | None = None
    force: bool = False
    report: bool = True
    fail_on: frozenset[str] = frozenset()
    detailed_exitcode: bool = False
    lock: bool = True
    rebuild: bool = False  # --rebuild-state: move the state file (and a damaged journal) aside first
    history_file: Path | None = None  # --history: read, and appended to when the run records
    since: datetime | timedelta | None = None  # report --since: a moment, or a span back from now

    @classmethod
    def for_pull(cls, *, full: bool = False) -> RunSpec:
        """``roadsync pull``: refresh the mirror, nothing else."""
        return cls(full=full, stop_after_pull=True, report=False)

    @classmethod
    def for_plan(
        cls,
        *,
        offline: bool = False,
        only: Collection[str] = (),
        detailed_exitcode: bool = False,
        history_file: Path | None = None,
    ) -> RunSpec:
        """``roadsync plan``: pull (unless offline), plan, report; nothing written to trackers."""
        return cls(pull=not offline, only=_keys(only), detailed_exitcode=detailed_exitcode,
                   history_file=history_file)  # fmt: skip

    @classmethod
    def for_report(
        cls,
        *,
        offline: bool = False,
        only: Collection[str] = (),
        fail_on: Collection[str] = (),
        history_file: Path | None = None,
        since: datetime | timedelta | None = None,
    ) -> RunSpec:
        """``roadsync report``: like plan; offline it reads the mirror without taking the lock."""
        return cls(pull=not offline, only=_keys(only), fail_on=frozenset(fail_on), lock=not offline,
                   history_file=history_file, since=since)  # fmt: skip

    @classmethod
    def for_apply(
        cls, *, saved_plan: Plan | None = None, max_changes: int | None = None, force: bool = False
    ) -> RunSpec:
        """``roadsync apply [PLAN]``: the reviewed plan (checked for staleness), or a fresh one."""
        return cls(saved_plan=saved_plan, apply=True, max_changes=max_changes, force=force)

    @classmethod
    def for_sync(
        cls,
        *,
        full: bool = False,
        only: Collection[str] = (),
        max_changes: int | None = None,
        force: bool = False,
        fail_on: Collection[str] = (),
        report: bool = True,
        history_file: Path | None = None,
    ) -> RunSpec:
        """``roadsync sync`` (cron, the Action, the demo, the benchmark): every step."""
        return cls(full=full, only=_keys(only), apply=True, max_changes=max_changes, force=force,
                   fail_on=frozenset(fail_on), report=report, history_file=history_file)  # fmt: skip


def _keys(only: Collection[str]) -> frozenset[str] | None:
    return frozenset(only) or None


class Watch(Protocol):
    """Who watches a run: progress while it pulls and applies, and the pull's outcome at once
    (a failed source is told before the run goes on, so a refused plan does not hide it)."""

    def pulling(self) -> AbstractContextManager[Progress | None]: ...

    def pulled(self, result: PullResult) -> None: ...

    def applying(self, total: int) -> AbstractContextManager[ApplyProgress | None]: ...


class Quiet:
    """A :class:`Watch` that shows nothing (the demo, the benchmark, tests)."""

    def pulling(self) -> AbstractContextManager[Progress | None]:
        return nullcontext(None)

    def pulled(self, result: PullResult) -> None:
        return None

    def applying(self, total: int) -> AbstractContextManager[ApplyProgress | None]:
        return nullcontext(None)


@dataclass(frozen=True)
class RunResult:
    """What a run did, step by step (``None`` for a step it did not take), and its exit code."""

    spec: RunSpec
    pulled: PullResult | None = None
    items: Sequence[Item] = ()
    """The items the run loaded from the mirror; after an apply with every tracker read, only
    those its plan changes (every item is still in :attr:`entries`)."""
    plan: Plan | None = None
    applied: ApplyResult | None = None
    report: Report | None = None
    recovered: int = 0
    scope: Scope | None = None
    """What the run loaded and planned afresh (``scope.items``, ``scope.dirty``) and kept."""
    notices: tuple[str, ...] = ()
    """What the user should hear about the state folder, one sentence each: a state file made
    afresh, a journal not the one the state last read. No decision depends on them."""

    @property
    def entries(self) -> Sequence[Entry | Item]:
        """Every item of the mirror as the report counts it (``items`` are only those loaded)."""
        return self.scope.entries() if self.scope is not None else self.items

    @property
    def exit_code(self) -> int:
        """The one place a run's exit code is decided (design.md, "Exit codes"), first match wins:
        1 when a change failed to write (a change the tracker refuses for a reason of its
        configuration is ``unwritable`` drift, not a failure); the pull's own code when a source
        failed (1 every source, 4 some, or a spent budget); 3 when drift of a ``fail_on`` kind was
        found; 2 when ``detailed_exitcode`` and the plan has changes; else 0."""
        if self.applied is not None and self.applied.failed:
            return EXIT_ERROR
        if self.pulled is not None and self.pulled.exit_code:
            return self.pulled.exit_code
        drift = self.plan.drift if self.plan is not None else ()
        if self.spec.fail_on and any(finding.kind in self.spec.fail_on for finding in drift):
            return EXIT_DRIFT
        if self.spec.detailed_exitcode and self.plan is not None and self.plan.changes:
            return EXIT_PENDING
        return 0
