"""``roadsync apply``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("apply")
@global_options
@click.pass_context
def apply_command(ctx: click.Context, **options: Any) -> None:
    """Write a plan to the trackers; refuses stale or oversized plans.

    \b
    Example:
      roadsync apply plan.json --config roadsync.toml
    """
    state_of(ctx, options)
    raise NotBuilt("apply")
