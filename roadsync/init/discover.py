"""``roadsync init``: discover a Jira site and GitHub repositories, propose a config and a draft roadmap.

:func:`discover` reads (never writes) what a first config needs: the Jira flavour, visible
projects, priorities (in the site's order) and custom fields; the GitHub repositories, the
Projects boards and the chosen board's fields and options; and a sample of open items per scope
(at most :data:`SAMPLE` each) from which :func:`propose_themes` ranks the most used labels,
components and epics. :mod:`roadsync.init.render` turns a :class:`Discovery` into TOML text;
:func:`write_files` writes it, refusing to replace existing files without ``force``.
Tokens are read from the named environment variables and never written anywhere.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from roadsync.config.model import GithubConfig, GithubProjectConfig, JiraConfig
from roadsync.connectors.github.client import GithubClient
from roadsync.connectors.github.reader import GithubReader
from roadsync.connectors.jira.client import JiraClient
from roadsync.connectors.jira.reader import JiraReader
from roadsync.connectors.model import Item
from roadsync.doctor.github import board_query
from roadsync.doctor.preflight import DOCTOR_RETRY
from roadsync.errors import ConfigError, NotFoundError, RoadsyncError, UsageError, register_secret

__all__ = [
    "BOARDS_QUERY",
    "SAMPLE",
    "Board",
    "Discovery",
    "GithubFound",
    "InitOptions",
    "JiraFound",
    "ThemeDraft",
    "discover",
    "propose_themes",
    "refuse_overwrite",
    "write_files",
]

SAMPLE = 300
MAX_THEMES = 6
# GitHub's default labels describe kinds of work, not strategy; they make poor themes.
_GENERIC_LABELS = {"bug", "documentation", "duplicate", "enhancement", "good first issue", "help wanted",
                   "invalid", "question", "wontfix", "dependencies", "chore", "task", "feature"}
BOARDS_QUERY = """
query RoadsyncInitBoards($owner: String!) {
  organization(login: $owner) { projectsV2(first: 20) { nodes { number title } } }
}
"""


@dataclass(frozen=True)
class InitOptions:
    """What the person told ``roadsync init`` (flags or answers to prompts)."""

    config_path: Path
    roadmap_path: Path
    jira_url: str | None = None
    jira_email: str | None = None
    jira_flavor: Literal["auto", "cloud", "datacenter"] = "auto"
    jira_token_env: str = "JIRA_API_TOKEN"
    jira_projects: tuple[str, ...] = ()
    github_url: str = "https://api.github.com"
    github_org: str | None = None
    github_repos: tuple[str, ...] = ()
    github_token_env: str = "GITHUB_TOKEN"
    project_owner: str | None = None
    project_number: int | None = None
    force: bool = False

    @property
    def wants_github(self) -> bool:
        return bool(self.github_org or self.github_repos)


@dataclass
class JiraFound:
    url: str
    flavor: Literal["cloud", "datacenter"]
    email: str | None
    token_env: str
    projects: list[str]
    visible: list[str]
    priorities: list[str]
    fields: dict[str, str]  # custom field name -> schema type
    estimate_field: str | None = None


@dataclass
class Board:
    owner: str
    number: int
    owner_type: Literal["organization", "user"]
    title: str
    fields: dict[str, list[str] | None]  # field name -> single-select options (None: not a select)


@dataclass
class GithubFound:
    url: str
    token_env: str
    org: str | None
    repos: list[str]
    listed_repos: bool
    board: Board | None = None
    boards: list[tuple[int, str]] = field(default_factory=list)
    board_problem: str | None = None
    board_owner: str | None = None


@dataclass(frozen=True)
class ThemeDraft:
    """A proposed theme: id, name, what it matches (``labels`` / ``components`` / ``epics``), open items."""

    id: str
    name: str
    kind: Literal["labels", "components", "epics"]
    value: str
    count: int


@dataclass
class Discovery:
    jira: JiraFound | None
    github: GithubFound | None
    themes: list[ThemeDraft]
    sampled: int = 0


def refuse_overwrite(options: InitOptions) -> None:
    """A UsageError (exit 64) when the config or roadmap exists and ``force`` is off."""
    if options.force:
        return
    for path in (options.config_path, options.roadmap_path):
        if path.exists():
            raise UsageError(f"{path} already exists; roadsync init will not overwrite it",
                             hint="pass --force to replace it, or choose another --config / --roadmap path")


def _token(name: str, what: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is not set", hint=f"export {name}=<{what}> and rerun "
                          "roadsync init (the token is read from it, never written to a file)")
    register_secret(value)
    return value


def discover(options: InitOptions) -> Discovery:
    """Read everything the first config needs from the trackers named in ``options``."""
    if not options.jira_url and not options.wants_github:
        raise UsageError("nothing to set up: give --jira-url and/or --github-org / --github-repo")
    items: list[Item] = []
    jira = _discover_jira(options, items) if options.jira_url else None
    github = _discover_github(options, items) if options.wants_github else None
    return Discovery(jira, github, propose_themes(items), len(items))


# -- Jira ----------------------------------------------------------------------------------------


def _discover_jira(options: InitOptions, items: list[Item]) -> JiraFound:
    assert options.jira_url
    token = _token(options.jira_token_env, "a Jira API token or personal access token")
    config = JiraConfig(url=options.jira_url, flavor=options.jira_flavor,
                        auth="basic" if options.jira_email else "bearer", email=options.jira_email,
                        token_env=options.jira_token_env, projects=list(options.jira_projects) or ["_"])
    client = JiraClient(config, token, retry=DOCTOR_RETRY)
    visible = [str(p["key"]) for p in client.get("project") or () if isinstance(p, dict) and p.get("key")]
    projects = list(options.jira_projects) or visible
    if not projects:
        raise NotFoundError("the Jira token sees no project", source="jira",
                            hint="grant the bot Browse Projects, or name projects with --jira-project")
    answer = client.get("priority") or ()
    priorities = [str(p["name"]) for p in answer if isinstance(p, dict) and p.get("name")]
    catalog = [f for f in client.get("field") or () if isinstance(f, dict) and f.get("custom")]
    fields = {str(f["name"]): str((f.get("schema") or {}).get("type")) for f in catalog if f.get("name")}
    found = JiraFound(options.jira_url, client.flavor, options.jira_email, options.jira_token_env,
                      projects, visible, priorities, fields)
    found.estimate_field = next((n for n in ("Story Points", "Story point estimate") if n in fields), None)
    reader_config = config.model_copy(update={"projects": projects, "flavor": client.flavor,
                                              "estimate_field": found.estimate_field})
    reader = JiraReader(reader_config, token, retry=DOCTOR_RETRY, remote_links=False)
    for project in projects:
        items += [i for i in itertools.islice(reader.fetch_items(project, None), SAMPLE) if i.is_open]
    return found


# -- GitHub --------------------------------------------------------------------------------------


def _discover_github(options: InitOptions, items: list[Item]) -> GithubFound:
    token = _token(options.github_token_env, "a GitHub token")
    config = GithubConfig(url=options.github_url, token_env=options.github_token_env,
                          repos=list(options.github_repos), org=options.github_org, state="open")
    reader = GithubReader(config, token, retry=DOCTOR_RETRY, budget_reserve=0)
    try:
        repos = reader.scopes()
        found = GithubFound(options.github_url, options.github_token_env, options.github_org, repos,
                            listed_repos=bool(options.github_repos))
        for repo in repos:
            items += list(itertools.islice(reader.fetch_items(repo, None), SAMPLE))
        owner = options.project_owner or options.github_org or (repos[0].split("/")[0] if repos else None)
        if owner:
            _discover_boards(reader.client, found, owner, options.project_number)
    finally:
        reader.close()
    return found


def _discover_boards(client: GithubClient, found: GithubFound, owner: str, number: int | None) -> None:
    found.board_owner = owner
    try:
        listing = client.graphql(BOARDS_QUERY, {"owner": owner})
        nodes = ((listing.data.get("organization") or {}).get("projectsV2") or {}).get("nodes") or ()
        found.boards = [(int(n["number"]), str(n.get("title") or "")) for n in nodes if n]
    except RoadsyncError as exc:
        found.board_problem = exc.message
    if number is not None:
        found.board = _read_board(client, owner, number)


def _read_board(client: GithubClient, owner: str, number: int) -> Board:
    last: RoadsyncError | None = None
    for owner_type in ("organization", "user"):
        project = GithubProjectConfig(owner=owner, number=number, owner_type=owner_type)  # type: ignore[arg-type]
        try:
            result = client.graphql(board_query(project), {"owner": owner, "number": number})
        except NotFoundError as exc:
            last = exc
            continue
        board = (result.data.get(owner_type) or {}).get("projectV2") or {}
        fields: dict[str, list[str] | None] = {}
        for node in (board.get("fields") or {}).get("nodes") or ():
            if node and node.get("name"):
                select = node.get("dataType") == "SINGLE_SELECT"
                options = [str(o["name"]) for o in node.get("options") or ()]
                fields[str(node["name"])] = options if select else None
        return Board(owner, number, owner_type, str(board.get("title") or ""), fields)  # type: ignore[arg-type]
    assert last is not None
    raise last


# -- themes ----------------------------------------------------------------------------------------


def slug(text: str) -> str:
    """A theme id from a label, component or epic title: lower case, ``[a-z0-9_.-]``, at most 40."""
    value = re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-._")
    return value[:40].rstrip("-._") or "theme"


def propose_themes(items: Iterable[Item], limit: int = MAX_THEMES) -> list[ThemeDraft]:
    """The most used labels, components and epics among open items, by open item count (ties by name)."""
    pool = [item for item in items if item.is_open]
    labels = Counter(lab for item in pool for lab in item.labels
                     if lab.lower() not in _GENERIC_LABELS and ":" not in lab and "/" not in lab)
    components = Counter(c for item in pool for c in item.components)
    epics = {item.key: item.title for item in pool if item.kind == "epic"}
    children = Counter(item.parent for item in pool if item.parent in epics)
    ranked: list[tuple[int, str, Literal["labels", "components", "epics"], str]] = [
        *((n, name, "labels", name) for name, n in labels.items()),
        *((n, name, "components", name) for name, n in components.items()),
        *((n, epics[key], "epics", key) for key, n in children.items() if key),
    ]
    ranked.sort(key=lambda r: (-r[0], r[1].lower()))
    drafts: list[ThemeDraft] = []
    seen: set[str] = set()
    for count, name, kind, value in ranked:
        theme_id = slug(name)
        if theme_id in seen:
            continue
        seen.add(theme_id)
        drafts.append(ThemeDraft(theme_id, name, kind, value, count))
        if len(drafts) == limit:
            break
    return drafts


def write_files(options: InitOptions, config_text: str, roadmap_text: str) -> None:
    """Write both files (after :func:`refuse_overwrite`), creating the folders they live in."""
    refuse_overwrite(options)
    for path, text in ((options.config_path, config_text), (options.roadmap_path, roadmap_text)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def summary(discovery: Discovery) -> Mapping[str, Any]:
    """What init found, for ``--format json`` and the closing lines."""
    jira, github = discovery.jira, discovery.github
    return {
        "jira": {"flavor": jira.flavor, "projects": jira.projects, "priorities": jira.priorities}
        if jira else None,
        "github": {"repos": github.repos, "board": github.board.number if github.board else None,
                   "boards": [n for n, _ in github.boards]} if github else None,
        "themes": [t.id for t in discovery.themes],
        "sampled_items": discovery.sampled,
    }
