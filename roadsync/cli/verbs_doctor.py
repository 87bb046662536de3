"""``roadsync doctor``."""

from __future__ import annotations

from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import EXIT_ERROR, emit, global_options, state_of
from roadsync.config.load import find_config_path, load_settings
from roadsync.errors import ConfigError


@cli.command("doctor")
@global_options
@click.pass_context
def doctor_command(ctx: click.Context, /, **options: Any) -> None:
    """Preflight: auth, permissions, managed fields and options, rate-limit budget.

    Checks every configured source without writing anything: reachable and TLS, Jira Cloud or
    Data Center / GitHub.com or Enterprise, who the token is (the account that will appear in
    history), browse/edit permission on every project and write access to every repository,
    the Projects board, every managed field and the values the plan needs, and the rate-limit
    budget against an estimate of a full sync. Each failure says what to do.

    Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 78 the config is
    broken or a token variable is not set.

    \b
    Example:
      roadsync doctor --config roadsync.toml
      roadsync doctor --config roadsync.toml --format json
    """
    from roadsync.doctor.preflight import render_markdown, render_table, run_doctor

    state = state_of(ctx, options)
    try:
        settings = load_settings(find_config_path(state.config))
        report = run_doctor(settings)
    except ConfigError as exc:
        if state.format == "json":
            fix = exc.hint or "fix the config (see 'roadsync validate')"
            detail = "; ".join([exc.message, *exc.problems])
            emit(
                state,
                {
                    "ok": False,
                    "checks": [
                        {
                            "source": "config",
                            "check": "loaded",
                            "ok": False,
                            "detail": detail,
                            "level": "fail",
                            "fix": fix,
                        }
                    ],
                },
            )
        raise
    if state.format == "json":
        emit(state, report.to_json())
    elif state.format == "markdown":
        emit(state, render_markdown(report))
    elif state.format == "html":
        from roadsync.sync.render.page import html_page

        emit(state, html_page("roadsync doctor", render_table(report)))
    else:
        emit(state, render_table(report))
    ctx.exit(0 if report.ok else EXIT_ERROR)
