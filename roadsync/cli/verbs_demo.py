"""``roadsync demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from roadsync.cli import cli
from roadsync.cli.common import EXIT_ERROR, EXIT_INCOMPLETE, emit, global_options, state_of

if TYPE_CHECKING:
    from roadsync.demo import DemoResult


@cli.command("demo")
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("roadsync-demo"),
    show_default=True,
    help="Folder for the demo's config, state and reports (replaced each run).",
)
@click.option("--jira-flavor", type=click.Choice(["cloud", "datacenter"]), default="cloud", show_default=True)
@global_options
@click.pass_context
def demo_command(ctx: click.Context, /, **options: Any) -> None:
    """Run plan -> apply -> report against sandbox trackers seeded with a sample company.

    Prints where the HTML report is. Nothing leaves this machine: the trackers are
    loopback emulators, started and stopped here.

    \b
    Example:
      roadsync demo
      roadsync demo --jira-flavor datacenter --format json
    """
    state = state_of(ctx, options)
    from roadsync.demo import run_demo

    result = run_demo(options["folder"].resolve(), jira_flavor=options["jira_flavor"])
    if state.format == "json":
        emit(state, result.to_json())
    else:
        drift = ", ".join(f"{kind} {count}" for kind, count in result.drift_by_kind.items()) or "none"
        emit(
            state,
            "\n".join(
                [
                    f"roadsync demo: {result.items} items in the sandbox's demo company (Jira + GitHub)",
                    f"  plan:    {result.changes_planned} field changes (priority, theme, alignment)",
                    f"  apply:   {result.applied} applied, {result.failed} failed",
                    f"  drift:   {sum(result.drift_by_kind.values())} findings ({drift})",
                    f"  person:  {result.person_edit or 'no edit'} (kept, reported as manual_override)",
                    f"  re-plan: {result.second_plan_changes} changes pending after the sync (converged)"
                    if result.second_plan_changes == 0
                    else f"  re-plan: {result.second_plan_changes} changes still pending",
                    *_trend(result),
                    f"  config:  {result.config}",
                    f"  report:  {result.html}",
                    f"           {result.markdown}",
                ]
            ),
        )
    for error in result.errors:
        click.echo(f"roadsync demo: a source failed: {error}", err=True)
    ctx.exit(EXIT_ERROR if result.failed else EXIT_INCOMPLETE if result.errors else 0)


def _trend(result: DemoResult) -> list[str]:
    """The trend of the demo's four weekly runs: its headline, then one answer per line."""
    if not result.trend:
        return []
    headline, *answers = result.trend
    return [f"  trend:   {headline}", *(f"           {answer}" for answer in answers),
            f"  history: {result.history} (one line per run; pass it to --history)"]  # fmt: skip
