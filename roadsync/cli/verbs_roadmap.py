"""``roadsync roadmap``: the roadmap with coverage per theme, from the local mirror."""

from __future__ import annotations

from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import emit, global_options, state_of


@cli.command("roadmap")
@global_options
@click.pass_context
def roadmap_command(ctx: click.Context, /, **options: Any) -> None:
    """Render the roadmap with coverage per theme (open items, estimate, share vs target).

    Reads the local mirror, so run 'roadsync pull' first for fresh figures; no network.

    \b
    Example:
      roadsync roadmap --config roadsync.toml
      roadsync roadmap --format json
    """
    state = state_of(ctx, options)
    from roadsync.cli.session import load
    from roadsync.mappings.coverage import coverage
    from roadsync.mappings.engine import assign
    from roadsync.sync.render.explain import render_roadmap
    from roadsync.sync.run import read_backlog

    settings = load(state)
    backlog = read_backlog(settings)
    items = backlog.items
    rows = coverage(items, assign(items, settings.roadmap, backlog.pins), settings.roadmap)
    if state.format == "json":
        emit(state, {"themes": [row.to_dict() for row in rows], "items": len(items)})
    else:
        emit(state, render_roadmap(rows, state.format))
