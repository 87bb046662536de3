"""``roadsync validate``: check the config and roadmap; no network, no tokens."""

from __future__ import annotations

from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import CliState, emit, global_options, state_of
from roadsync.config.load import Settings, find_config_path, load_settings
from roadsync.errors import ConfigError


@cli.command("validate")
@global_options
@click.pass_context
def validate_command(ctx: click.Context, /, **options: Any) -> None:
    """Check the config and roadmap; no network, no tokens needed.

    Reports every problem at once, one line each (file, line, key, fix), and exits 78 when
    there is any. Warnings (such as an active theme past its retire_after date) do not fail.

    \b
    Example:
      roadsync validate --config roadsync.toml
      roadsync validate --config roadsync.toml --format json
    """
    state = state_of(ctx, options, formats=("table", "json"))
    path = state.config
    try:
        path = find_config_path(state.config)
        settings = load_settings(path, require_themes=True)
    except ConfigError as exc:
        if state.format == "json":
            emit(state, _document(state, str(path or ""), None, exc))
        raise
    if state.format == "json":
        emit(state, _document(state, str(path), settings, None))
        return
    for warning in settings.warnings:
        click.echo(f"warning: {warning}", err=True)
    emit(state, summary_line(settings))


def summary_line(settings: Settings) -> str:
    """``ok: 6 themes, sources: jira (2 projects), github (3 repos)``."""
    model = settings.model
    sources = []
    if model.jira is not None:
        sources.append(f"jira ({_count(len(model.jira.projects), 'project')})")
    if model.github is not None:
        scope = [_count(len(model.github.repos), "repo")] if model.github.repos else []
        if model.github.org:
            scope.append(f"org {model.github.org}")
        sources.append(f"github ({', '.join(scope)})")
    themes = _count(len(settings.roadmap.themes), "theme")
    return f"ok: {themes}, sources: {', '.join(sources) or 'none'}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _document(
    state: CliState, path: str, settings: Settings | None, error: ConfigError | None
) -> dict[str, Any]:
    problems = (error.problems or [error.one_line()]) if error is not None else []
    return {
        "ok": error is None,
        "config": path,
        "themes": len(settings.roadmap.themes) if settings is not None else 0,
        "summary": summary_line(settings) if settings is not None else None,
        "warnings": list(settings.warnings) if settings is not None else [],
        "problems": problems,
    }
