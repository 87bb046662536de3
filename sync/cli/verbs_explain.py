"""``roadsync explain``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("explain")
@global_options
@click.pass_context
def explain_command(ctx: click.Context, /, **options: Any) -> None:
    """Why an item maps where it maps, from the local mirror.

    \b
    Example:
      roadsync explain PAY-123 --config roadsync.toml
    """
    state_of(ctx, options)
    raise NotBuilt("explain")
