"""``roadsync report``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("report")
@global_options
@click.pass_context
def report_command(ctx: click.Context, **options: Any) -> None:
    """Pull, map and report drift; nothing is written.

    \b
    Example:
      roadsync report --config roadsync.toml --fail-on unaligned,retired_theme
    """
    state_of(ctx, options)
    raise NotBuilt("report")
