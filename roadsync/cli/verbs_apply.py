"""``roadsync apply [PLAN]``: write a reviewed plan (or a fresh one) to the trackers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import emit, global_options, rebuild_state_option, state_of


@cli.command("apply")
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--max-changes", type=click.IntRange(min=0), help="Refuse a plan with more changes than this.")
@click.option("--force", is_flag=True, help="Apply even when the plan is larger than the change guard.")
@rebuild_state_option
@global_options
@click.pass_context
def apply_command(ctx: click.Context, /, **options: Any) -> None:
    """Write a plan to the trackers; refuses stale or oversized plans.

    With PLAN_FILE (from 'roadsync plan --out'), applies exactly that reviewed plan, after
    checking that no item it touches changed since. Without it, plans afresh and applies.
    Values a person changed are never overwritten; one outcome per change; exit 1 if any failed.

    \b
    Example:
      roadsync apply plan.json --config roadsync.toml
    """
    state = state_of(ctx, options)
    from roadsync.cli.session import execute, load
    from roadsync.logs import event
    from roadsync.sync.render import render
    from roadsync.sync.run import RunSpec, load_plan_file

    settings = load(state)
    reviewed = load_plan_file(options["plan_file"]) if options["plan_file"] else None
    spec = RunSpec.for_apply(saved_plan=reviewed, max_changes=options["max_changes"], force=options["force"])
    result = execute(state, settings, replace(spec, rebuild=options["rebuild_state"]))
    assert result.plan is not None and result.applied is not None and result.report is not None
    applied = result.applied
    event(
        "apply.done",
        applied=applied.count("applied"),
        failed=applied.failed,
        skipped=applied.count("skipped"),
        unwritable=applied.count("unwritable"),
    )
    document = applied.to_json() | {"checksum": result.plan.checksum, "sources": result.report.sources_json()}
    emit(state, render(result.report, state.format, json_document=document, color=state.color))
    ctx.exit(result.exit_code)
