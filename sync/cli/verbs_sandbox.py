"""``roadsync sandbox``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("sandbox")
@global_options
@click.pass_context
def sandbox_command(ctx: click.Context, /, **options: Any) -> None:
    """Serve the sandbox Jira and GitHub on loopback for people to explore.

    \b
    Example:
      roadsync sandbox --seed demo --write-config sandbox.toml --json
    """
    state_of(ctx, options)
    raise NotBuilt("sandbox")
