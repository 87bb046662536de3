"""``roadsync sync``: pull, plan and apply in one go (cron and the GitHub Action)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import emit, global_options, history_option, rebuild_state_option, state_of


@cli.command("sync")
@click.option("--max-changes", type=click.IntRange(min=0), help="Refuse a plan with more changes than this.")
@click.option("--force", is_flag=True, help="Apply even when the plan is larger than the change guard.")
@click.option("--full", is_flag=True, help="Full pull instead of incremental.")
@click.option("--only", "only", multiple=True, metavar="KEY", help="Sync only these items (repeatable).")
@click.option("--fail-on", "fail_on", metavar="KINDS", help="Exit 3 when drift of these kinds remains.")
@history_option
@rebuild_state_option
@global_options
@click.pass_context
def sync_command(ctx: click.Context, /, **options: Any) -> None:
    """Pull, plan and apply in one go (for cron and the GitHub Action).

    Prints the report of the run (drift found before apply, changes applied).

    \b
    Example:
      roadsync sync --config roadsync.toml --log-format json --format json
    """
    state = state_of(ctx, options)
    from roadsync.cli.session import execute, fail_on_kinds, load
    from roadsync.logs import event
    from roadsync.sync.render import render
    from roadsync.sync.run import RunSpec

    settings = load(state)
    spec = RunSpec.for_sync(
        full=options["full"],
        only=options["only"],
        max_changes=options["max_changes"],
        force=options["force"],
        fail_on=fail_on_kinds(options["fail_on"], settings),
        history_file=options["history"],
    )
    result = execute(state, settings, replace(spec, rebuild=options["rebuild_state"]))
    assert result.plan is not None and result.applied is not None and result.report is not None
    plan, applied = result.plan, result.applied
    event(
        "sync.done",
        changes=len(plan.changes),
        applied=applied.count("applied"),
        failed=applied.failed,
        unwritable=applied.count("unwritable"),
        drift=len(plan.drift),
    )
    emit(state, render(result.report, state.format, color=state.color))
    ctx.exit(result.exit_code)
