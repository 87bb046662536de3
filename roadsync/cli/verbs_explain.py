"""``roadsync explain KEY``: why an item maps where it maps, from the local mirror."""

from __future__ import annotations

from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import emit, global_options, state_of


@cli.command("explain")
@click.argument("key")
@global_options
@click.pass_context
def explain_command(ctx: click.Context, /, **options: Any) -> None:
    """Why an item maps where it maps, from the local mirror (no network).

    Shows the decision (pin > rule > parent > link > none), whether it is provisional (it passes
    through a theme tag whose history the mirror has not read), the inheritance chain, every theme
    whose match blocks matched or nearly matched, condition by condition, and whose value each
    managed field holds (roadsync's, a person's, nobody's) with the evidence that says so.

    \b
    Example:
      roadsync explain PAY-123 --config roadsync.toml
      roadsync explain acme/web#45 --format json
    """
    state = state_of(ctx, options)
    from dataclasses import replace

    from roadsync.cli.session import load
    from roadsync.mappings.engine import assign
    from roadsync.mappings.explain import explain
    from roadsync.sync.render.explain import render_explanation
    from roadsync.sync.run import read_backlog

    settings = load(state)
    backlog = read_backlog(settings)
    key, fields = options["key"], settings.model.fields
    assignments = assign(backlog.items, settings.roadmap, backlog.pins)
    explanation = explain(key, backlog.items, settings.roadmap, backlog.pins, assignments=assignments)
    explanation = replace(explanation, provisional=backlog.provisional(key, fields, assignments))
    owners = backlog.ownership(key, fields)
    if state.format == "json":
        emit(state, {**explanation.to_dict(), "ownership": owners})
    else:
        emit(state, render_explanation(explanation, state.format, ownership=owners))
