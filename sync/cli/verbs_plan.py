"""``roadsync plan``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("plan")
@global_options
@click.pass_context
def plan_command(ctx: click.Context, **options: Any) -> None:
    """Pull, map every item to a theme, compute the plan of field changes and the drift.

    \b
    Example:
      roadsync plan --config roadsync.toml --out plan.json --detailed-exitcode
    """
    state_of(ctx, options)
    raise NotBuilt("plan")
