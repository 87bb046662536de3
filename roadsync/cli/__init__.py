"""The ``roadsync`` command line.

Each verb lives in its own module of this package and registers itself on :data:`cli`.
Shared options (``--config``, ``--format``, ``--output``, ``--debug``, ``--log-format``) are
accepted before the verb and after it. Errors become one line on stderr and the documented
exit code; a traceback only with ``--debug``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence

import click

from roadsync import __version__
from roadsync.cli.common import EXIT_USAGE, CliState, global_options
from roadsync.errors import RoadsyncError, scrub
from roadsync.escaping import one_line
from roadsync.heap import quick_exit

__all__ = ["cli", "main"]

VERBS = (
    "demo",
    "init",
    "validate",
    "doctor",
    "pull",
    "plan",
    "apply",
    "sync",
    "report",
    "explain",
    "roadmap",
    "sandbox",
)


class RoadsyncGroup(click.Group):
    """Lists verbs in the product's order rather than alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [v for v in VERBS if v in self.commands] + sorted(set(self.commands) - set(VERBS))


@click.group(
    cls=RoadsyncGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="roadsync")
@global_options
@click.pass_context
def cli(ctx: click.Context, /, **options: object) -> None:
    """Keep the roadmap (themes in TOML) and the Jira/GitHub backlog in step.

    \b
    Start here:
      roadsync demo                      try it against the built-in sandbox trackers
      roadsync validate --config roadsync.toml
      roadsync plan --config roadsync.toml --format json
    """
    ctx.obj = CliState().merged(options)


def _register() -> None:
    from roadsync.cli import (  # noqa: F401  (imported for their @cli.command side effect)
        verbs_apply,
        verbs_demo,
        verbs_doctor,
        verbs_explain,
        verbs_init,
        verbs_plan,
        verbs_pull,
        verbs_report,
        verbs_roadmap,
        verbs_sandbox,
        verbs_sync,
        verbs_validate,
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; never lets a traceback out unless ``--debug``."""
    _register()
    quick_exit()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    say = _error_line(json_lines=_log_format(args) == "json")
    try:
        code = cli.main(args=args, prog_name="roadsync", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        code = EXIT_USAGE
    except click.UsageError as exc:
        verb = f"{exc.ctx.info_name} " if exc.ctx and exc.ctx.parent else ""
        hint = f" (see 'roadsync {verb}--help')"
        code = say(f"usage error: {exc.format_message()}{hint}", EXIT_USAGE)
    except click.exceptions.Abort:
        code = say("aborted", 130)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except RoadsyncError as exc:
        if debug:
            raise
        code = say(exc.one_line(), exc.exit_code, [str(p) for p in getattr(exc, "problems", [])])
    except KeyboardInterrupt:
        code = say("interrupted", 130)
    except Exception as exc:  # the last line of defence: one line, no traceback
        if debug:
            raise
        code = say(
            f"unexpected error: {scrub(f'{type(exc).__name__}: {exc}')} "
            "(rerun with --debug for details, and please report it)",
            1,
        )
    sys.exit(code if isinstance(code, int) else 0)


def _log_format(args: list[str]) -> str:
    """The ``--log-format`` the command line asks for (the last one wins), before click parses it."""
    found = "text"
    for index, arg in enumerate(args):
        if arg == "--log-format" and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith("--log-format="):
            found = arg.split("=", 1)[1]
    return found


def _error_line(*, json_lines: bool) -> Callable[..., int]:
    """A function that reports a run's final error on stderr and returns its exit code: one text
    line (plus one per problem), or with ``--log-format json`` one ``run.failed`` JSON line, so
    that every stderr line of a cron run parses as JSON."""

    def say(message: str, code: int, problems: Sequence[str] = ()) -> int:
        if json_lines:
            from roadsync.logs import configure_logging, event

            configure_logging(log_format="json")
            kv: dict[str, object] = {"error": message, "exit_code": code}
            if problems:
                kv["problems"] = list(problems)
            event("run.failed", logging.ERROR, **kv)
        else:  # tracker text can sit in an error: never a control character on the terminal
            click.echo(f"roadsync: {one_line(message)}", err=True)
            for problem in problems:
                click.echo(f"  {one_line(problem)}", err=True)
        return code

    return say
