"""``roadsync plan``: pull, map every item, compute the plan of field changes and the drift."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import emit, global_options, history_option, rebuild_state_option, state_of


@cli.command("plan")
@click.option(
    "--out", "out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the plan (JSON) here."
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
@click.option("--only", "only", multiple=True, metavar="KEY", help="Plan only these items (repeatable).")
@click.option("--offline", is_flag=True, help="Plan from the local mirror, without pulling.")
@history_option
@rebuild_state_option
@global_options
@click.pass_context
def plan_command(ctx: click.Context, /, **options: Any) -> None:
    """Pull, map every item to a theme, compute the plan of field changes and the drift.

    Nothing is written to the trackers. The plan's changes carry tracker-native values
    ("High", "priority/P1"); review it, then 'roadsync apply plan.json'.

    \b
    Example:
      roadsync plan --config roadsync.toml --out plan.json --detailed-exitcode
    """
    state = state_of(ctx, options)
    from roadsync.cli.session import execute, load
    from roadsync.escaping import json_text
    from roadsync.logs import event
    from roadsync.private import write_private
    from roadsync.sync.render import render
    from roadsync.sync.run import RunSpec

    settings = load(state)
    spec = RunSpec.for_plan(
        offline=options["offline"], only=options["only"], detailed_exitcode=options["detailed_exitcode"],
        history_file=options["history"],
    )  # fmt: skip
    result = execute(state, settings, replace(spec, rebuild=options["rebuild_state"]))
    assert result.plan is not None and result.report is not None
    plan = result.plan
    document = plan.to_json()
    document["sources"] = result.report.sources_json()
    if options["out"] is not None:
        text = json_text(json.dumps(plan.to_json(), indent=2, ensure_ascii=False)) + "\n"
        write_private(options["out"], text, option="--out")
    event("plan.computed", changes=len(plan.changes), drift=len(plan.drift), checksum=plan.checksum[:12])
    emit(state, render(result.report, state.format, json_document=document, color=state.color))
    ctx.exit(result.exit_code)
