"""``roadsync demo [--serve]``."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from roadsync.cli import cli
from roadsync.cli.common import EXIT_ERROR, EXIT_INCOMPLETE, CliState, emit, global_options, state_of

if TYPE_CHECKING:
    from roadsync.demo import DemoResult
    from roadsync.sandbox.server import Sandbox


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
@click.option(
    "--serve",
    is_flag=True,
    help="Afterwards keep the sandbox trackers serving the demo company, so the demo's config, "
    "state and report links keep working (Ctrl-C stops).",
)
@global_options
@click.pass_context
def demo_command(ctx: click.Context, /, **options: Any) -> None:
    """Run plan -> apply -> report against sandbox trackers seeded with a sample company.

    Prints where the HTML report is. Nothing leaves this machine: the trackers are loopback
    emulators, started here and stopped when the demo ends, or with --serve when you press
    Ctrl-C; meanwhile every verb works against them with the demo's config.

    \b
    Example:
      roadsync demo
      roadsync demo --serve
      roadsync demo --jira-flavor datacenter --format json
    """
    state = state_of(
        ctx, options, formats=("table", "json"),
        note=" (the demo writes its report as HTML, Markdown and JSON into its folder)",
    )  # fmt: skip
    from roadsync.demo import run_demo

    folder, flavor = options["folder"].resolve(), options["jira_flavor"]
    again = ["roadsync", "demo", "--serve"]
    if folder != Path("roadsync-demo").resolve():
        again += ["--dir", str(folder)]
    if flavor != "cloud":
        again += ["--jira-flavor", flavor]
    show = _Show(state, shlex.join(again))
    if options["serve"]:
        result = run_demo(folder, jira_flavor=flavor, then=show.serving)
    else:
        result = run_demo(folder, jira_flavor=flavor)
        show(result, None)
    ctx.exit(EXIT_ERROR if result.failed else EXIT_INCOMPLETE if result.errors else 0)


class _Show:
    """Shows the demo's result: what it did, then what to do next (``again`` keeps it serving)."""

    def __init__(self, state: CliState, again: str) -> None:
        self.state, self.again = state, again

    def serving(self, result: DemoResult, sandbox: Sandbox) -> None:
        """Show the result with how to reach the running sandbox, then serve until SIGINT/SIGTERM."""
        from roadsync.cli.serving import stop_on_signal

        with stop_on_signal() as stop:
            self(result, sandbox)
            while not stop.wait(0.2):
                pass
        click.echo("roadsync demo: sandbox stopped", err=True)

    def __call__(self, result: DemoResult, sandbox: Sandbox | None) -> None:
        if self.state.format == "json":
            document = result.to_json()
            document["serving"] = _serving_json(sandbox) if sandbox is not None else None
            emit(self.state, document)
        else:
            emit(self.state, "\n".join(_summary(result) + _next_steps(result, sandbox, self.again)))
        for error in result.errors:
            click.echo(f"roadsync demo: a source failed: {error}", err=True)


def _serving_json(sandbox: Sandbox) -> dict[str, Any]:
    info = sandbox.info()
    return {"jira": info["jira"]["url"], "github": info["github"]["url"], "control": info["control"],
            "env": info["env"]}  # fmt: skip


def _summary(result: DemoResult) -> list[str]:
    drift = ", ".join(f"{kind} {count}" for kind, count in result.drift_by_kind.items()) or "none"
    return [
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


def _trend(result: DemoResult) -> list[str]:
    """The trend of the demo's four weekly runs: its headline, then one answer per line."""
    if not result.trend:
        return []
    headline, *answers = result.trend
    return [f"  trend:   {headline}", *(f"           {answer}" for answer in answers),
            f"  history: {result.history} (one line per run; pass it to --history)"]  # fmt: skip


def _next_steps(result: DemoResult, sandbox: Sandbox | None, again: str) -> list[str]:
    config = shlex.quote(str(result.config))
    own = [
        "",
        "Your own Jira and GitHub (roadsync writes nothing until you switch a field to enforce):",
        "  roadsync init      writes roadsync.toml and a draft roadmap.toml from what your tokens can see",
        "  roadsync doctor    checks tokens, permissions and fields before anything is written",
    ]
    if sandbox is None:
        return [
            "",
            "The sandbox trackers stopped with the demo: the config's URLs and the report's links",
            "point at ports that no longer answer. To run the demo again and keep them serving the",
            "demo company, with this config, until Ctrl-C:",
            f"  {again}",
            *own,
        ]
    exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in sandbox.env().items())
    return [
        "",
        "The sandbox trackers keep serving the demo company (Ctrl-C stops them); the report's links",
        "work meanwhile. In another terminal, with the sandbox's tokens:",
        f"  export {exports}",
        f"  roadsync plan --config {config}",
        f"  roadsync report --config {config} --format html --output report.html",
        *own,
    ]
