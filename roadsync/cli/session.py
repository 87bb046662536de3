"""What the tracker-facing verbs share: load settings, run (:class:`roadsync.sync.run.Run`), show progress."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import click

from roadsync.cli.common import CliState
from roadsync.config.load import Settings, find_config_path, load_settings
from roadsync.escaping import one_line
from roadsync.logs import event
from roadsync.sync.model import DRIFT_KINDS
from roadsync.sync.pull import Progress, PullResult
from roadsync.sync.run import EXIT_DRIFT, EXIT_PENDING, ApplyProgress, Run, RunResult, RunSpec

__all__ = [
    "CliWatch",
    "apply_progress",
    "execute",
    "fail_on_kinds",
    "load",
    "pull_progress",
    "show_source_errors",
]


def load(state: CliState) -> Settings:
    """The validated settings of ``--config`` (or the default); warnings go to the log."""
    settings = load_settings(find_config_path(state.config))
    for warning in settings.warnings:
        event("config.warning", logging.WARNING, detail=warning)
    return settings


def fail_on_kinds(value: str | None, settings: Settings | None = None) -> set[str]:
    """Parse ``--fail-on unaligned,retired_theme`` (``all`` = every kind); unknown kinds are usage errors."""
    from roadsync.errors import UsageError

    raw = value if value is not None else ",".join(settings.model.run.fail_on) if settings else ""
    kinds = {part.strip() for part in raw.split(",") if part.strip()}
    if "all" in kinds:
        return set(DRIFT_KINDS)
    unknown = sorted(kinds - set(DRIFT_KINDS))
    if unknown:
        raise UsageError(
            f"unknown drift kind(s) for --fail-on: {', '.join(unknown)}",
            hint=f"use any of: {', '.join(DRIFT_KINDS)}, or all",
        )
    return kinds


def show_source_errors(pulled: PullResult | None, state: CliState) -> None:
    """One line per failed source on stderr: what happened, where, what to do (a JSON line
    with ``--log-format json``, so every stderr line of a cron run parses); before it, one line
    per source read in full because what its reads must contain changed (its read basis)."""
    for name, source in pulled.sources.items() if pulled else ():
        if source.reread is not None:
            if state.log_format == "json":
                event("pull.reread", logging.WARNING, source=name, why=source.reread)
            else:
                click.echo(f"roadsync: {name}: reading every item again, the config changed what a read "
                           f"must hold ({one_line(source.reread)})", err=True)  # fmt: skip
        if not source.error:
            continue
        if state.log_format == "json":
            event("source.failed", logging.ERROR, source=name, error=source.error)
        else:
            click.echo(f"roadsync: {name}: {one_line(source.error)}", err=True)  # tracker text


@contextmanager
def pull_progress() -> Iterator[Progress | None]:
    """A rich display of items read per scope on stderr while a terminal watches; None when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} items"))
    with Bar(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        tasks: dict[tuple[str, str], Any] = {}

        def update(source: str, scope: str, read: int) -> None:
            key = (source, scope)
            if key not in tasks:
                tasks[key] = bar.add_task(f"{source} {scope}", total=None)
            bar.update(tasks[key], completed=read)

        yield update


@contextmanager
def apply_progress(total: int) -> Iterator[ApplyProgress | None]:
    """A rich bar of changes written on stderr while a terminal watches; None when piped."""
    if not sys.stderr.isatty() or not total:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("applying", total=total)
        yield lambda done: bar.advance(task, done)


class CliWatch:
    """The CLI's :class:`~roadsync.sync.run.Watch`: rich progress at a terminal, one stderr line
    per failed source as soon as the pull is done."""

    def __init__(self, state: CliState) -> None:
        self.state = state

    def pulling(self) -> AbstractContextManager[Progress | None]:
        return pull_progress()

    def pulled(self, result: PullResult) -> None:
        show_source_errors(result, self.state)

    def applying(self, total: int) -> AbstractContextManager[ApplyProgress | None]:
        return apply_progress(total)


def execute(state: CliState, settings: Settings, spec: RunSpec) -> RunResult:
    """Run ``spec`` over ``settings``, watched by the CLI; a tracker that refused the run's
    writes is told on stderr (:func:`show_refusals`) before the verb prints its report."""
    result = Run(settings, spec, watch=CliWatch(state)).execute()
    show_notices(result, state)
    show_refusals(result, state)
    return result


def show_notices(result: RunResult, state: CliState) -> None:
    """One stderr line per notice about the state folder (:attr:`RunResult.notices`): ``roadsync:
    note: ...`` (a JSON line with ``--log-format json``); stdout keeps only the verb's document.
    Only a run that did its job says them: a failed run's error stays its one line."""
    if result.exit_code not in (0, EXIT_PENDING, EXIT_DRIFT):
        return
    for notice in result.notices:
        if state.log_format == "json":
            event("state.notice", logging.WARNING, detail=notice)
        else:
            click.echo(f"roadsync: note: {one_line(notice)}", err=True)


def show_refusals(result: RunResult, state: CliState) -> None:
    """One stderr line per tracker that refused roadsync's writes (401/403): which tracker, how many
    of its changes were not written and in which projects or repositories, that the other trackers'
    writes went on, and the first refused request with what to do (the error's hint); a JSON line
    with ``--log-format json``."""
    applied = result.applied
    if applied is None or not applied.refused:
        return
    where = {item.key: (item.source, item.scope) for item in result.items}
    for source, why in applied.refused:
        missed_in = (where.get(o.change.item) for o in applied.outcomes if o.status != "applied")
        scopes = Counter(found[1] for found in missed_in if found is not None and found[0] == source)
        missed = sum(scopes.values())
        if state.log_format == "json":
            event("apply.refused", logging.ERROR, source=source, error=why, not_written=missed,
                  scopes=dict(sorted(scopes.items())))  # fmt: skip
            continue
        spread = ", ".join(f"{scope} {n}" for scope, n in sorted(scopes.items()))
        click.echo(f"roadsync: {source}: writes refused, {missed} change(s) not written ({spread}; listed in "
                   f"the report; the other trackers' writes went on); first refused request: {one_line(why)}",
                   err=True)  # fmt: skip
