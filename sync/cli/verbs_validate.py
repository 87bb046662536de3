"""``roadsync validate``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("validate")
@global_options
@click.pass_context
def validate_command(ctx: click.Context, **options: Any) -> None:
    """Check the config and roadmap; no network, no tokens needed.

    \b
    Example:
      roadsync validate --config roadsync.toml
    """
    state_of(ctx, options)
    raise NotBuilt("validate")
