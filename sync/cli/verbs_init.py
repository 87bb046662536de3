"""``roadsync init``."""

from __future__ import annotations

from typing import Any

import click

from sync.cli import cli
from sync.cli.common import NotBuilt, global_options, state_of


@cli.command("init")
@global_options
@click.pass_context
def init_command(ctx: click.Context, /, **options: Any) -> None:
    """Write a starter config and roadmap by discovering your Jira and GitHub.

    \b
    Example:
      roadsync init --non-interactive --jira-url https://acme.atlassian.net --github-repo acme/web
    """
    state_of(ctx, options)
    raise NotBuilt("init")
