"""``roadsync report``: pull, map and report drift; nothing is written."""

from __future__ import annotations

from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import emit, global_options, state_of


@cli.command("report")
@click.option(
    "--fail-on",
    "fail_on",
    metavar="KINDS",
    help="Exit 3 when drift of these kinds is found (comma list, or 'all').",
)
@click.option("--offline", is_flag=True, help="Report from the local mirror, without pulling.")
@click.option("--only", "only", multiple=True, metavar="KEY", help="Report only these items (repeatable).")
@global_options
@click.pass_context
def report_command(ctx: click.Context, /, **options: Any) -> None:
    """Pull, map and report drift; nothing is written.

    \b
    Example:
      roadsync report --config roadsync.toml --fail-on unaligned,retired_theme --format markdown
    """
    state = state_of(ctx, options)
    from roadsync.cli.session import exit_code, fail_on_kinds, load, pull_progress, show_source_errors
    from roadsync.sync.render import render
    from roadsync.sync.runner import open_session

    settings = load(state)
    fail_on = fail_on_kinds(options["fail_on"], settings)
    offline = options["offline"]
    with open_session(settings, lock=not offline) as session:
        pulled = None
        if not offline:
            with pull_progress() as progress:
                pulled = session.pull(progress=progress)
            show_source_errors(pulled, state)
        report = session.report(session.plan(only=set(options["only"]) or None), pulled)
    emit(state, render(report, state.format, color=state.color))
    ctx.exit(exit_code(pulled, report, fail_on))
