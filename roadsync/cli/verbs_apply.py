"""``roadsync apply [PLAN]``: write a reviewed plan (or a fresh one, once a person says yes)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from roadsync.cli import cli
from roadsync.cli.common import CliState, emit, global_options, rebuild_state_option, state_of
from roadsync.errors import RoadsyncError, UsageError

if TYPE_CHECKING:
    from roadsync.config.load import Settings
    from roadsync.sync.model import Plan


class ApplyCancelled(RoadsyncError):
    """The person at the terminal did not answer yes; nothing was written."""

    exit_code = 1


@cli.command("apply")
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--max-changes", type=click.IntRange(min=0), help="Refuse a plan with more changes than this.")
@click.option("--force", is_flag=True, help="Apply even when the plan is larger than the change guard.")
@rebuild_state_option
@click.option(
    "--auto-approve", is_flag=True, help="Without PLAN_FILE, apply the fresh plan without asking (scripts)."
)
@global_options
@click.pass_context
def apply_command(ctx: click.Context, /, **options: Any) -> None:
    """Write a plan to the trackers; refuses stale or oversized plans.

    With PLAN_FILE (from 'roadsync plan --out'), applies exactly that reviewed plan, after
    checking that no item it touches changed since. Without it, plans afresh, shows the plan
    and asks for a 'yes' on the terminal; without a terminal it refuses unless --auto-approve
    ('roadsync sync' is the unattended verb). Values a person changed are never overwritten;
    one outcome per change; exit 1 if any failed, 5 if the change guard refused the plan.

    \b
    Example:
      roadsync plan --config roadsync.toml --out plan.json
      roadsync apply plan.json --config roadsync.toml
    """
    state = state_of(ctx, options)
    from roadsync.cli.session import execute, load
    from roadsync.logs import event
    from roadsync.sync.render import render
    from roadsync.sync.run import RunSpec, load_plan_file

    plan_file, ask = options["plan_file"], not options["auto_approve"]
    if plan_file is None and ask and not sys.stdin.isatty():
        raise UsageError(
            "apply without a plan file asks for a yes, and there is no terminal to ask on",
            hint="pass --auto-approve to apply a fresh plan unattended, apply a reviewed plan "
            "('roadsync plan --out plan.json', then 'roadsync apply plan.json'), or use 'roadsync sync'",
        )
    settings = load(state)
    reviewed = load_plan_file(plan_file) if plan_file else None
    rebuild = bool(options["rebuild_state"])
    if reviewed is None and ask:
        limits = {"max_changes": options["max_changes"], "force": options["force"]}
        reviewed = _approved_plan(state, settings, rebuild=rebuild, **limits)
        rebuild = False  # the planning run rebuilt the state; the writing run keeps it
    spec = RunSpec.for_apply(saved_plan=reviewed, max_changes=options["max_changes"], force=options["force"])
    result = execute(state, settings, replace(spec, rebuild=rebuild))
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


def _approved_plan(
    state: CliState, settings: Settings, *, max_changes: int | None, force: bool, rebuild: bool
) -> Plan:
    """Plan afresh, check the change guard, show the plan on the terminal and ask for a yes.

    The approved plan is then applied as a reviewed plan file would be: the run that writes
    pulls again and refuses it if an item it touches changed while the person read it.
    """
    from roadsync.cli.session import execute
    from roadsync.sync.guard import ChangeGuard
    from roadsync.sync.render.table import render_plan_table
    from roadsync.sync.run import RunSpec

    planned = execute(state, settings, replace(RunSpec.for_plan(), rebuild=rebuild))
    assert planned.plan is not None and planned.report is not None
    plan = planned.plan
    ChangeGuard.of(settings.model.run, planned.entries, max_changes=max_changes).check(plan, force=force)
    if not plan.changes:
        return plan
    click.echo(render_plan_table(planned.report, color=sys.stderr.isatty()), err=True)
    click.echo(
        f"roadsync will write these {len(plan.changes)} changes to the trackers.\n"
        "Only 'yes' will be accepted to approve.",
        err=True,
    )
    answer = click.prompt("Apply these changes?", default="", show_default=False,
                          prompt_suffix=" ", err=True)
    if answer.strip() != "yes":
        raise ApplyCancelled("apply cancelled: nothing was written")
    return plan
