"""``roadsync demo``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("demo")
@global_options
@click.pass_context
def demo_command(ctx: click.Context, /, **options: Any) -> None:
    """Start the sandbox trackers with a sample company, run plan -> apply -> report.

    Prints where the HTML report is.

    \b
    Example:
      roadsync demo
    """
    state_of(ctx, options)
    raise NotBuilt("demo")
