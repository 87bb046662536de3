"""``roadsync pull``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("pull")
@global_options
@click.pass_context
def pull_command(ctx: click.Context, /, **options: Any) -> None:
    """Refresh the local mirror from the trackers (incremental unless --full).

    \b
    Example:
      roadsync pull --config roadsync.toml --full
    """
    state_of(ctx, options)
    raise NotBuilt("pull")
