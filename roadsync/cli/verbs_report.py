"""``roadsync report``: pull, map and report drift; nothing is written."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import (
    emit,
    global_options,
    history_option,
    rebuild_state_option,
    since_option,
    state_of,
)


@cli.command("report")
@click.option(
    "--fail-on",
    "fail_on",
    metavar="KINDS",
    help="Exit 3 when drift of these kinds is found (comma list, or 'all').",
)
@click.option("--offline", is_flag=True, help="Report from the local mirror, without pulling.")
@click.option("--only", "only", multiple=True, metavar="KEY", help="Report only these items (repeatable).")
@history_option
@since_option
@rebuild_state_option
@global_options
@click.pass_context
def report_command(ctx: click.Context, /, **options: Any) -> None:
    """Pull, map and report drift; nothing is written.

    \b
    Example:
      roadsync report --config roadsync.toml --fail-on unaligned,retired_theme --format markdown
      roadsync report --offline --history roadsync-history.jsonl --since 12w --format html --output trend.html

    Every report shows the trend: the snapshots earlier runs kept (plan, sync and report runs
    that pulled keep one each), downsampled to a point per day and then per week as they age.
    """
    state = state_of(ctx, options)
    from roadsync.cli.session import execute, fail_on_kinds, load
    from roadsync.sync.render import render
    from roadsync.sync.run import RunSpec

    settings = load(state)
    spec = RunSpec.for_report(
        offline=options["offline"], only=options["only"], fail_on=fail_on_kinds(options["fail_on"], settings),
        history_file=options["history"], since=options["since"],
    )  # fmt: skip
    if options["offline"] and options["rebuild_state"]:
        from roadsync.errors import UsageError

        raise UsageError("--rebuild-state re-reads the trackers, --offline does not", hint="drop one of them")
    result = execute(state, settings, replace(spec, rebuild=options["rebuild_state"]))
    assert result.report is not None
    emit(state, render(result.report, state.format, color=state.color))
    ctx.exit(result.exit_code)
