"""``roadsync pull [--full]``: refresh the mirror; report per source fetched / total / requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import CliState, emit, global_options, rebuild_state_option, state_of
from roadsync.cli.session import execute, load
from roadsync.sync.pull import PullResult
from roadsync.sync.run import RunSpec

COLUMNS = ("source", "fetched", "total", "requests", "status")


@cli.command("pull")
@click.option(
    "--full", "full", is_flag=True, default=False, help="Re-read every item (also catches deletions)."
)
@rebuild_state_option
@global_options
@click.pass_context
def pull_command(ctx: click.Context, /, **options: Any) -> None:
    """Refresh the local mirror from the trackers (incremental unless --full).

    Reads only items updated since the last successful pull (with an overlap window), and
    everything on a full refresh (--full, or when the last one is older than
    run.full_refresh_hours). Prints, per source, the items fetched (new or changed), the items
    in the mirror, and the requests made. Exit 0 done, 4 incomplete (a source failed or ran out
    of budget: what was fetched is kept, the next run resumes), 1 error, 75 another run holds
    the lock, 78 config error.

    \b
    Example:
      roadsync pull --config roadsync.toml
      roadsync pull --config roadsync.toml --full --format json
    """
    full = bool(options.pop("full", False))
    rebuild = bool(options.pop("rebuild_state", False))
    state = state_of(ctx, options)
    result = execute(state, load(state), replace(RunSpec.for_pull(full=full), rebuild=rebuild))
    assert result.pulled is not None
    emit(state, render(result.pulled, state))
    if result.exit_code:
        ctx.exit(result.exit_code)


def render(result: PullResult, state: CliState) -> str | dict[str, Any]:
    """The one document for ``--format``: JSON object, text table, Markdown or HTML table."""
    if state.format == "json":
        return result.to_json()
    rows = [
        (
            name,
            str(s.fetched),
            str(s.total),
            str(s.requests),
            "failed" if s.failed else "full" if s.full else "ok",
        )
        for name, s in result.sources.items()
    ]
    if state.format == "markdown":
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    if state.format == "html":  # a whole page, as every verb's --format html is
        from roadsync.sync.render.page import html_page

        return html_page("roadsync pull", _text_table(rows, result))
    return _text_table(rows, result)


def _text_table(rows: Sequence[tuple[str, ...]], result: PullResult) -> str:
    widths = [max(len(c), *(len(row[i]) for row in rows)) if rows else len(c) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    if not rows:
        lines.append("no source configured")
    lines.append("pull complete" if result.complete else "pull incomplete: rerun to resume (nothing is lost)")
    return "\n".join(lines)
