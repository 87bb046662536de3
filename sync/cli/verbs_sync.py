"""``roadsync sync``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("sync")
@global_options
@click.pass_context
def sync_command(ctx: click.Context, **options: Any) -> None:
    """Pull, plan and apply in one go (for cron and the GitHub Action).

    \b
    Example:
      roadsync sync --config roadsync.toml --log-format json
    """
    state_of(ctx, options)
    raise NotBuilt("sync")
