"""``roadsync sandbox``: serve the sandbox Jira and GitHub on loopback until interrupted."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import click
import httpx

from roadsync.cli import cli
from roadsync.cli.common import global_options, state_of
from roadsync.cli.serving import stop_on_signal
from roadsync.errors import RoadsyncError


@cli.command("sandbox")
@global_options
@click.option(
    "--seed",
    "seed",
    default="demo",
    show_default=True,
    help="'demo', 'configured-site' (a Jira configured as real sites are) or a fixture JSON file.",
)
@click.option(
    "--jira-flavor",
    "jira_flavor",
    type=click.Choice(["cloud", "datacenter"]),
    default="cloud",
    show_default=True,
)
@click.option(
    "--latency-ms", "latency_ms", type=click.IntRange(min=0), default=0, help="Added to every request."
)
@click.option(
    "--fault-rate",
    "fault_rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of 429/502/503 answers.",
)
@click.option("--fault-seed", "fault_seed", type=click.IntRange(min=0), default=0, help="Seed of the faults.")
@click.option("--jira-token", "jira_token", default=None, help="Jira token to accept (default: random).")
@click.option(
    "--github-token", "github_token", default=None, help="GitHub token to accept (default: random)."
)
@click.option(
    "--write-config",
    "write_config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write a roadsync config for this sandbox here.",
)
@click.option("--json", "as_json", is_flag=True, default=False, help="Print one JSON line when ready.")
@click.option(
    "--jira-port", "jira_port", type=click.IntRange(0, 65535), default=0, help="Default: ephemeral."
)
@click.option(
    "--github-port", "github_port", type=click.IntRange(0, 65535), default=0, help="Default: ephemeral."
)
@click.pass_context
def sandbox_command(ctx: click.Context, /, **options: Any) -> None:
    """Serve the sandbox Jira and GitHub on loopback for people to explore.

    Runs until SIGTERM or Ctrl-C. With --json it prints one JSON line once both trackers
    answer and the --write-config file is written: the URLs, tokens, the control API and
    the environment variables the written config expects.

    \b
    Example:
      roadsync sandbox --seed demo --write-config sandbox.toml --json
    """
    state = state_of(ctx, options, formats=("table", "json"))
    as_json = bool(options.pop("as_json")) or state.format == "json"
    config_path: Path | None = options.pop("write_config")
    with stop_on_signal() as stop:
        sandbox = _start(options)
        try:
            _serve(sandbox, config_path, as_json, stop)
        finally:
            sandbox.stop()


def _start(options: dict[str, Any]) -> Any:
    from roadsync.sandbox.server import start_sandbox

    seed = options.pop("seed")
    try:
        return start_sandbox(seed if seed in ("demo", "configured-site") else Path(seed), **options)
    except OSError as exc:
        raise RoadsyncError(
            f"the sandbox cannot listen: {exc.strerror or exc}", hint="choose other ports or leave them out"
        ) from None


def _serve(sandbox: Any, config_path: Path | None, as_json: bool, stop: threading.Event) -> None:
    if config_path is not None:
        sandbox.write_config(config_path)
    _wait_until_answering([sandbox.jira_url, sandbox.github_url])
    info = sandbox.info()
    if as_json:
        sys.stdout.write(json.dumps(info, separators=(",", ":")) + "\n")
    else:
        sys.stdout.write(_summary(info))
    sys.stdout.flush()
    while not stop.wait(0.2):
        pass
    if not as_json:
        click.echo("roadsync: sandbox stopped", err=True)


def _wait_until_answering(urls: list[str]) -> None:
    """Each server answers its health check (proves both listen and route)."""
    with httpx.Client(timeout=5.0) as client:
        for url in urls:
            response = client.get(url + "/_sandbox/health")
            if response.status_code != 200:
                raise RoadsyncError(f"the sandbox at {url} does not answer (HTTP {response.status_code})")


def _summary(info: dict[str, Any]) -> str:
    jira, github = info["jira"], info["github"]
    project = github["project"]
    board = f"{project['owner']} #{project['number']}" if project else "none"
    lines = [
        "roadsync sandbox is running (Ctrl-C to stop)",
        "",
        f"  Jira ({jira['flavor']}):  {jira['url']}",
        f"    email {jira['email']}  token {jira['token']}",
        f"    projects: {', '.join(jira['projects']) or 'none'}",
        f"  GitHub:        {github['url']}  (GraphQL {github['graphql_url']})",
        f"    token {github['token']}",
        f"    repos: {', '.join(github['repos']) or 'none'}; project board: {board}",
        f"  Control API:   {info['control']}  (GET /stats, POST /faults)",
    ]
    if info["config"]:
        exports = " ".join(f"{k}={v}" for k, v in info["env"].items())
        lines += ["", f"  Config: {info['config']}", f"    export {exports}"]
    for person in info.get("people", []):
        if "jira" in person:
            lines.append(
                f"  Person {person['name']}: Jira {person['jira']['email']} token {person['jira']['token']}"
            )
    login = (
        f"-H 'Authorization: Bearer {jira['token']}'"
        if jira["flavor"] == "datacenter"
        else f"-u {jira['email']}:{jira['token']}"
    )
    lines += [
        "",
        "Try:",
        f"  curl {login} {jira['url']}/rest/api/2/serverInfo",
        f"  curl -H 'Authorization: Bearer {github['token']}' {github['url']}/user",
        "",
    ]
    return "\n".join(lines)
