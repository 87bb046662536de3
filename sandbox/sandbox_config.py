"""The roadsync config (TOML text) that points at a running sandbox.

Tokens are not in the file: ``token_env`` names ``ROADSYNC_SANDBOX_JIRA_TOKEN`` and
``ROADSYNC_SANDBOX_GITHUB_TOKEN`` (``Sandbox.env()`` gives their values). Loopback URLs need no
``allow_insecure_http``. With the demo roadmap it also manages priority, theme and alignment on
both trackers with policy ``enforce`` and no override.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

__all__ = ["DEMO_FIELDS_TOML", "config_toml"]

DEMO_FIELDS_TOML = """\
[fields.priority]
policy = "enforce"
override = false
github = { target = "project", field = "Priority" }

[fields.priority.jira]
target = "priority"
values = { P0 = "Highest", P1 = "High", P2 = "Medium", P3 = "Low", P4 = "Lowest" }

[fields.theme]
policy = "enforce"
override = false
jira = { target = "label", prefix = "theme:" }
github = { target = "label", prefix = "theme/" }

[fields.alignment]
policy = "enforce"
override = false
jira = { target = "field", field = "Alignment" }
github = { target = "project", field = "Alignment" }
"""


class SandboxLike(Protocol):
    jira_flavor: str
    jira_email: str

    @property
    def jira_url(self) -> str: ...
    @property
    def github_url(self) -> str: ...
    @property
    def graphql_url(self) -> str: ...
    @property
    def jira_projects(self) -> list[str]: ...
    @property
    def github_repos(self) -> list[str]: ...
    @property
    def github_project(self) -> dict[str, Any] | None: ...
    @property
    def themes(self) -> list[dict[str, Any]]: ...


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def fixture_roadmap(themes: list[dict[str, Any]]) -> list[str]:
    """Config lines of a fixture's ``themes`` (``[[themes]]`` tables; JSON scalars and lists of
    strings are valid TOML values), or, for a fixture that has none, why the config has none and
    what to add (``roadsync validate`` fails until a theme is there: a roadmap without themes
    maps nothing)."""
    if not themes:
        return [
            "# This seed carries no roadmap (its fixture has no \"themes\"), so this config has no",
            "# themes yet and `roadsync validate` says what to add. For example:",
            "# [[themes]]",
            '# id = "checkout"',
            '# name = "Checkout conversion"',
            '# priority = "P1"',
            "# [[themes.match]]",
            '# labels = ["checkout"]',
            "",
        ]
    lines = ["# The fixture's roadmap.", ""]
    for theme in themes:
        scalars = {key: value for key, value in theme.items() if key != "match"}
        lines += ["[[themes]]", *(f"{key} = {json.dumps(value)}" for key, value in scalars.items())]
        for block in theme.get("match") or ():
            lines += ["[[themes.match]]", *(f"{key} = {json.dumps(value)}" for key, value in block.items())]
        lines.append("")
    return lines


def config_toml(sandbox: SandboxLike, *, roadmap: str | None) -> str:
    """The config text; ``roadmap`` (``"demo"`` or ``"configured-site"``) adds that seed's
    roadmap and managed fields, ``"fixture"`` the fixture's themes (:func:`fixture_roadmap`)."""
    from roadsync.sandbox.demo import demo_roadmap_toml
    from roadsync.sandbox.demo_site import SITE_FIELDS_TOML, configured_site_roadmap_toml
    from roadsync.sandbox.server import GITHUB_TOKEN_ENV, JIRA_TOKEN_ENV

    roadmaps = {"demo": demo_roadmap_toml, "configured-site": configured_site_roadmap_toml}
    fields = {"demo": DEMO_FIELDS_TOML, "configured-site": SITE_FIELDS_TOML}

    parts = [
        "# roadsync config for the sandbox trackers (written by `roadsync sandbox --write-config`).",
        f"# Tokens come from the environment: {JIRA_TOKEN_ENV}, {GITHUB_TOKEN_ENV}.",
        "",
    ]
    if roadmap in roadmaps:
        parts += [roadmaps[roadmap]().rstrip(), ""]
    elif roadmap == "fixture":
        parts += fixture_roadmap(sandbox.themes)
    if sandbox.jira_projects:
        auth = "bearer" if sandbox.jira_flavor == "datacenter" else "basic"
        parts += [
            "[jira]",
            f"url = {_q(sandbox.jira_url)}",
            f"flavor = {_q(sandbox.jira_flavor)}",
            f"auth = {_q(auth)}",
            f"email = {_q(sandbox.jira_email)}",
            f"token_env = {_q(JIRA_TOKEN_ENV)}",
            f"projects = {_list(sandbox.jira_projects)}",
            "",
        ]
    if sandbox.github_repos:
        parts += [
            "[github]",
            f"url = {_q(sandbox.github_url)}",
            f"graphql_url = {_q(sandbox.graphql_url)}",
            f"token_env = {_q(GITHUB_TOKEN_ENV)}",
            f"repos = {_list(sandbox.github_repos)}",
            "# the sandbox has no secondary limits unless faults ask for them",
            "seconds_between_writes = 0",
            "",
        ]
        project = sandbox.github_project
        if project:
            parts += [
                "[github.project]",
                f"owner = {_q(str(project['owner']))}",
                f"number = {int(project['number'])}",
                "",
            ]
    if roadmap in fields:
        parts += [fields[roadmap]]
    parts += ["[run]", 'state_dir = ".roadsync"', ""]
    return "\n".join(parts)
