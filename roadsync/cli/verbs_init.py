"""``roadsync init``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from roadsync.cli import cli
from roadsync.cli.common import emit, global_options, state_of


@cli.command("init")
@click.option("--non-interactive", is_flag=True, help="Take everything from flags; never prompt.")
@click.option("--jira-url", default=None, help="Jira base URL (https://acme.atlassian.net).")
@click.option(
    "--jira-email",
    default=None,
    help="Account email for Jira Cloud (basic auth); omit for a Data Center personal access token (bearer).",
)
@click.option(
    "--jira-flavor",
    type=click.Choice(["auto", "cloud", "datacenter"]),
    default="auto",
    show_default=True,
    help="Jira Cloud or Data Center; auto asks serverInfo.",
)
@click.option(
    "--jira-token-env",
    default="JIRA_API_TOKEN",
    show_default=True,
    help="Environment variable holding the Jira token (the token itself is never written).",
)
@click.option(
    "--jira-project",
    "jira_projects",
    multiple=True,
    help="Jira project key (repeatable); default: every project the token can see.",
)
@click.option(
    "--github-url",
    default="https://api.github.com",
    show_default=True,
    help="GitHub API URL (GitHub Enterprise: https://ghe.example.com/api/v3).",
)
@click.option("--github-org", default=None, help="GitHub organization: every repository in it is in scope.")
@click.option("--github-repo", "github_repos", multiple=True, help="owner/name (repeatable).")
@click.option(
    "--github-token-env",
    default="GITHUB_TOKEN",
    show_default=True,
    help="Environment variable holding the GitHub token.",
)
@click.option("--project-owner", default=None, help="Owner of the Projects v2 board (default: the org).")
@click.option("--project-number", type=int, default=None, help="Number of the Projects v2 board.")
@click.option(
    "--roadmap",
    "roadmap",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the draft roadmap (default: roadmap.toml beside the config).",
)
@click.option("--force", is_flag=True, help="Replace an existing config or roadmap file.")
@global_options
@click.pass_context
def init_command(ctx: click.Context, /, **options: Any) -> None:
    """Write a starter config and roadmap by discovering your Jira and GitHub.

    Reads (never writes) the trackers: Jira projects, priorities and custom fields; GitHub
    repositories and Projects boards; and the most used labels, components and epics, which
    become a DRAFT roadmap for the PM to edit. Every managed field starts on policy "report",
    so nothing is written until you switch it to "enforce". Tokens are read from the named
    environment variables and never written. Refuses to replace existing files without --force
    (exit 64). Asks for what the flags leave open on a terminal; without one, it needs
    --non-interactive (exit 64 otherwise).

    \b
    Example:
      roadsync init --non-interactive --jira-url https://acme.atlassian.net \\
        --jira-email bot@acme.com --github-org acme --project-number 5
    """
    from roadsync.config.load import load_settings
    from roadsync.init.discover import discover, refuse_overwrite, summary, write_files
    from roadsync.init.render import config_text, roadmap_text

    state = state_of(ctx, options, formats=("table", "json"))
    if not options.pop("non_interactive"):
        if not sys.stdin.isatty():
            from roadsync.errors import UsageError

            raise UsageError(
                "roadsync init asks its questions on a terminal, and there is none",
                hint="pass --non-interactive with the answers as flags, e.g. --non-interactive "
                "--jira-url https://acme.atlassian.net --jira-email bot@acme.com --github-org acme "
                "(see 'roadsync init --help')",
            )
        _ask(options)
    init = _init_options(state.config, options)
    refuse_overwrite(init)  # before any network: fail fast
    found = discover(init)
    write_files(init, config_text(found, init), roadmap_text(found))
    settings = load_settings(init.config_path)  # what we wrote must validate; ConfigError otherwise
    document = {"config": str(init.config_path), "roadmap": str(init.roadmap_path), **summary(found)}
    if state.format == "json":
        emit(state, document)
        return
    emit(
        state,
        "\n".join(
            [
                f'wrote {init.config_path} (every managed field on policy "report": nothing is written yet)',
                f"wrote {init.roadmap_path} (DRAFT: {len(settings.roadmap.themes)} themes from "
                f"{found.sampled} open items; edit it)",
                'next: roadsync doctor, then roadsync plan; switch fields to policy = "enforce" '
                "when the plan looks right",
            ]
        ),
    )


def _init_options(config: Path | None, options: dict[str, Any]) -> Any:
    from roadsync.init.discover import InitOptions

    config_path = Path(config) if config is not None else Path("roadsync.toml")
    roadmap = options.pop("roadmap") or config_path.parent / "roadmap.toml"
    return InitOptions(
        config_path=config_path,
        roadmap_path=Path(roadmap),
        jira_url=options["jira_url"] or None,
        jira_email=options["jira_email"] or None,
        jira_flavor=options["jira_flavor"],
        jira_token_env=options["jira_token_env"],
        jira_projects=tuple(p.strip().upper() for p in options["jira_projects"] if p.strip()),
        github_url=options["github_url"],
        github_org=options["github_org"] or None,
        github_repos=tuple(r.strip() for r in options["github_repos"] if r.strip()),
        github_token_env=options["github_token_env"],
        project_owner=options["project_owner"] or None,
        project_number=options["project_number"],
        force=bool(options["force"]),
    )


def _ask(options: dict[str, Any]) -> None:
    """Prompt for what the flags left open (on a terminal)."""
    options["jira_url"] = click.prompt(
        "Jira URL (blank to skip Jira)", default=options["jira_url"] or "", show_default=False
    ).strip()
    if options["jira_url"]:
        options["jira_email"] = click.prompt(
            "Jira account email (blank for a Data Center PAT)",
            default=options["jira_email"] or "",
            show_default=False,
        ).strip()
        options["jira_token_env"] = click.prompt(
            "Variable holding the Jira token", default=options["jira_token_env"]
        )
        if not options["jira_projects"]:
            keys = click.prompt(
                "Jira project keys, comma separated (blank: every visible project)",
                default="",
                show_default=False,
            )
            options["jira_projects"] = tuple(k for k in keys.split(",") if k.strip())
    options["github_org"] = click.prompt(
        "GitHub organization (blank to list repositories instead)",
        default=options["github_org"] or "",
        show_default=False,
    ).strip()
    if not options["github_org"] and not options["github_repos"]:
        repos = click.prompt(
            "GitHub repositories owner/name, comma separated (blank to skip GitHub)",
            default="",
            show_default=False,
        )
        options["github_repos"] = tuple(r for r in repos.split(",") if r.strip())
    if options["github_org"] or options["github_repos"]:
        options["github_url"] = click.prompt("GitHub API URL", default=options["github_url"])
        options["github_token_env"] = click.prompt(
            "Variable holding the GitHub token", default=options["github_token_env"]
        )
        if options["project_number"] is None:
            number = click.prompt("Projects v2 board number (blank for none)", default="", show_default=False)
            options["project_number"] = int(number) if number.strip().isdigit() else None
