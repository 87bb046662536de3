"""The config file's schema (pydantic, at the edge). Loading and error messages: ``roadsync.config.load``.

A config file looks like ``config.example.toml``. Unknown keys are errors (typos are the most
common config bug). Tokens never live in the file: ``token_env`` names an environment variable
and ``token_file`` a file that holds the token; a GitHub App's private key likewise
(``[github.app]`` ``private_key_env`` / ``private_key_file``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Policy = Literal["enforce", "fill", "report"]
# Above ten minutes a request is not slow but stuck; a bound also keeps socket timeouts finite.
MAX_TIMEOUT_S = 600

__all__ = [
    "AppCredentials",
    "FieldTarget",
    "FieldsConfig",
    "GithubAppConfig",
    "GithubConfig",
    "GithubProjectConfig",
    "JiraConfig",
    "ManagedField",
    "MatchModel",
    "Policy",
    "RoadmapFile",
    "RunConfig",
    "SettingsModel",
    "ThemeModel",
]


class Strict(BaseModel):
    # inf and nan pass ``gt=0`` and then overflow a timedelta or a socket timeout: refused.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MatchModel(Strict):
    labels: list[str] = []
    components: list[str] = []
    epics: list[str] = []
    parents: list[str] = []
    repos: list[str] = []
    projects: list[str] = []
    issue_types: list[str] = []
    title: str | None = None
    text: str | None = None
    keys: list[str] = []
    status: list[str] = []


class ThemeModel(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)
    name: str
    priority: str
    horizon: Literal["now", "next", "later"] = "now"
    status: Literal["active", "paused", "retired"] = "active"
    target_share: float | None = Field(default=None, ge=0.0, le=1.0)
    owner: str | None = None
    aliases: list[str] = []
    retire_after: date | None = None
    match: list[MatchModel] = []


class RoadmapFile(Strict):
    """A separate ``roadmap.toml``: the PM's file."""

    priority_levels: list[str] | None = None
    allocation_tolerance: float | None = Field(default=None, ge=0.0, le=1.0)
    themes: list[ThemeModel] = []


class JiraConfig(Strict):
    url: str
    flavor: Literal["auto", "cloud", "datacenter"] = "auto"
    api_version: Literal[2, 3] = 2
    auth: Literal["basic", "bearer"] = "basic"
    email: str | None = None
    token_env: str = "JIRA_API_TOKEN"
    token_file: str | None = None
    projects: list[str] = Field(min_length=1)
    jql: str | None = None
    include_subtasks: bool = True
    page_size: int = Field(default=100, ge=1, le=5000)
    key_pattern: str = r"\b[A-Z][A-Z0-9_]+-\d+\b"
    estimate_field: str | None = "Story Points"
    remote_links: bool = False
    epic_link_field: str | None = None
    write_concurrency: int = Field(default=8, ge=1, le=32)
    timeout_s: float = Field(default=30.0, gt=0, le=MAX_TIMEOUT_S)
    notify_users: bool = False
    shared_account: bool = False
    bulk_edit: bool = True


class GithubProjectConfig(Strict):
    owner: str
    # GraphQL Int is a signed 32-bit integer (https://spec.graphql.org/October2021/#sec-Int).
    number: int = Field(ge=1, le=2**31 - 1)
    owner_type: Literal["organization", "user"] = "organization"
    add_missing_items: bool = True
    marker_field: str = Field(default="roadsync", min_length=1, max_length=100)


class GithubAppConfig(Strict):
    """A GitHub App installation to authenticate as, instead of a token (cron, self-hosted runs).

    ``app_id`` is the App's numeric id or its client id (``Iv…``); the private key (PEM) comes from
    ``private_key_file`` or the variable named by ``private_key_env``.
    """

    app_id: int | str
    installation_id: int = Field(ge=1)
    private_key_file: str | None = None
    private_key_env: str = "GITHUB_APP_PRIVATE_KEY"


@dataclass(frozen=True)
class AppCredentials:
    """A GitHub App installation, as read for a run: app id (or client id), PEM key, installation id."""

    app_id: str
    private_key: str = field(repr=False)
    installation_id: int


class GithubConfig(Strict):
    url: str = "https://api.github.com"
    graphql_url: str | None = None
    token_env: str = "GITHUB_TOKEN"
    token_file: str | None = None
    app: GithubAppConfig | None = None
    repos: list[str] = []
    org: str | None = None
    include: list[str] = ["*"]
    exclude: list[str] = []
    state: Literal["open", "closed", "all"] = "all"
    labels: list[str] = []
    include_pull_requests: bool = False
    project: GithubProjectConfig | None = None
    estimate_field: str | None = "Estimate"
    key_pattern: str | None = None
    seconds_between_writes: float = Field(default=1.0, ge=0, le=60)
    timeout_s: float = Field(default=30.0, gt=0, le=MAX_TIMEOUT_S)
    shared_account: bool = False


class FieldTarget(Strict):
    """Where a managed field lives in one tracker.

    ``target``: ``priority`` (Jira built-in), ``label`` (labels that start with ``prefix``),
    ``field`` (Jira custom field named ``field``), ``project`` (GitHub Projects v2 field named
    ``field``), ``issue_type`` (GitHub issue type), ``components`` (Jira components named in
    ``values``). ``values`` maps roadmap values (``P1``, a theme id, ``aligned``) to
    tracker-native ones (``High``); unmapped values pass through (components: none of ours).
    Each name is a kind in :mod:`roadsync.targets`.
    """

    target: Literal["priority", "label", "field", "project", "issue_type", "components"]
    prefix: str | None = None
    field: str | None = None
    values: dict[str, str] = {}


class ManagedField(Strict):
    policy: Policy = "report"
    override: bool = False
    jira: FieldTarget | None = None
    github: FieldTarget | None = None


class FieldsConfig(Strict):
    priority: ManagedField | None = None
    theme: ManagedField | None = None
    alignment: ManagedField | None = None
    unaligned_priority: str | None = None


class RunConfig(Strict):
    state_dir: str = ".roadsync"
    max_changes: int | None = Field(default=None, ge=0)
    max_changes_share: float = Field(default=0.5, gt=0, le=1)
    full_refresh_hours: float = Field(default=24.0, gt=0, le=24 * 366)
    overlap_minutes: float = Field(default=5.0, ge=0, le=7 * 24 * 60)
    budget_reserve: int = Field(default=100, ge=0)
    # Multiplies every retry sleep (Retry-After, the secondary-limit minute, backoff) without
    # changing what is retried: a test knob (ROADSYNC_RUN__RETRY_SCALE); leave it at 1.
    retry_scale: float = Field(default=1.0, gt=0, le=1)
    # Before an item is written, it is read again when its last read is older than this (seconds):
    # a change whose old value no longer holds (a person changed it since) is dropped.
    reread_after_s: float = Field(default=60.0, gt=0, le=86400)
    allow_insecure_http: bool = False
    ca_bundle: str | None = None
    fail_on: list[str] = []


class SettingsModel(Strict):
    """The whole config file. ``roadmap`` names a separate roadmap file; else ``themes`` inline."""

    roadmap: str | None = None
    priority_levels: list[str] = ["P0", "P1", "P2", "P3", "P4"]
    allocation_tolerance: float = Field(default=0.10, ge=0.0, le=1.0)
    themes: list[ThemeModel] = []
    jira: JiraConfig | None = None
    github: GithubConfig | None = None
    fields: FieldsConfig = FieldsConfig()
    run: RunConfig = RunConfig()
