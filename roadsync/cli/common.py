"""What every verb shares: global options, the CLI state, output and exit codes."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from roadsync.escaping import json_text
from roadsync.private import write_private

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_PENDING = 2
EXIT_DRIFT = 3
EXIT_INCOMPLETE = 4
EXIT_USAGE = 64
EXIT_LOCKED = 75
EXIT_CONFIG = 78

FORMATS = ("table", "json", "markdown", "html")

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "EXIT_CONFIG",
    "EXIT_DRIFT",
    "EXIT_ERROR",
    "EXIT_INCOMPLETE",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_PENDING",
    "EXIT_USAGE",
    "FORMATS",
    "CliState",
    "emit",
    "global_options",
    "history_option",
    "rebuild_state_option",
    "since_option",
    "state_of",
]


@dataclass(frozen=True)
class CliState:
    """Options given before or after the verb; the later one wins."""

    config: Path | None = None
    format: str = "table"
    output: Path | None = None
    debug: bool = False
    log_format: str = "text"

    @property
    def color(self) -> bool:
        """Colour and links only for a person at a terminal, never into a file or a pipe."""
        return self.output is None and sys.stdout.isatty()

    def merged(self, options: dict[str, object]) -> CliState:
        changes: dict[str, Any] = {k: v for k, v in options.items() if v is not None and v is not False}
        if options.get("debug"):
            changes["debug"] = True
        known = {f.name for f in dataclasses.fields(self)}
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if k in known})


def global_options(func: F) -> F:
    """Add the shared options; used on the group and on every verb."""
    decorators = [
        click.option(
            "--config",
            "config",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Config file (else $ROADSYNC_CONFIG, else ./roadsync.toml).",
        ),
        click.option(
            "--format",
            "format",
            type=click.Choice(FORMATS),
            default=None,
            help="Output format: table (people), json (machines), markdown, html.",
        ),
        click.option(
            "--output",
            "output",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Write the document to this file instead of stdout.",
        ),
        click.option("--debug", "debug", is_flag=True, default=False, help="Show tracebacks and debug logs."),
        click.option(
            "--log-format",
            "log_format",
            type=click.Choice(["text", "json"]),
            default=None,
            help="Logs on stderr as text or JSON lines.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


GLOBAL_OPTION_NAMES = ("config", "format", "output", "debug", "log_format")

rebuild_state_option = click.option(
    "--rebuild-state",
    "rebuild_state",
    is_flag=True,
    help="Move the state file (and a damaged journal) aside as *.damaged-<time> and re-read the "
    "trackers: the recovery for a damaged state file, which is only a cache.",
)

history_option = click.option(
    "--history",
    "history",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Also append this run's snapshot to FILE (JSON lines), and show the trend from it with the "
    "state's own history: keep FILE in your repository or as a CI artifact, and a lost state folder "
    "keeps its trend.",
)


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    if value is None:
        return None
    from roadsync.sync.history import parse_since

    try:
        return parse_since(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


since_option = click.option(
    "--since",
    "since",
    metavar="WHEN",
    callback=_since,
    help="Show the trend from WHEN on: a span back from now (30d, 12w, 48h) or a date (2024-05-01).",
)


def state_of(
    ctx: click.Context, options: dict[str, Any], *, formats: tuple[str, ...] = FORMATS, note: str = ""
) -> CliState:
    """The CLI state with this verb's own copies of the global options merged in.

    Pops the global options out of ``options`` so the verb sees only its own. ``formats`` are
    the ``--format`` values the verb renders; any other (given before or after the verb) is a
    usage error naming them (``note`` says where else to look), never silently a table.
    """
    base: CliState = ctx.find_object(CliState) or CliState()
    mine = {name: options.pop(name, None) for name in GLOBAL_OPTION_NAMES}
    state = base.merged(mine)
    if state.format not in formats:
        from roadsync.errors import UsageError

        raise UsageError(
            f"roadsync {ctx.info_name} has no {state.format} output",
            hint=f"use --format {' or '.join(formats)}{note}",
        )
    from roadsync.logs import configure_logging

    configure_logging(debug=state.debug, log_format=state.log_format)
    return state


def emit(state: CliState, document: str | dict[str, Any]) -> None:
    """Write exactly one document to stdout, or to ``--output``."""
    if isinstance(document, str):
        text = document
    else:
        text = json_text(json.dumps(document, indent=2, ensure_ascii=False))
    if not text.endswith("\n"):
        text += "\n"
    if state.output is not None:
        write_private(state.output, text, option="--output")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
