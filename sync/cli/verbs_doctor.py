"""``roadsync doctor``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("doctor")
@global_options
@click.pass_context
def doctor_command(ctx: click.Context, /, **options: Any) -> None:
    """Preflight: auth, permissions, managed fields and options, rate-limit budget.

    \b
    Example:
      roadsync doctor --config roadsync.toml --format json
    """
    state_of(ctx, options)
    raise NotBuilt("doctor")
