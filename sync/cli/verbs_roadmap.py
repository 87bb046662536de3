"""``roadsync roadmap``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("roadmap")
@global_options
@click.pass_context
def roadmap_command(ctx: click.Context, /, **options: Any) -> None:
    """Render the roadmap with coverage per theme.

    \b
    Example:
      roadsync roadmap --config roadsync.toml
    """
    state_of(ctx, options)
    raise NotBuilt("roadmap")
