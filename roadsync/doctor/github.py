"""The GitHub half of ``roadsync doctor``: reads only, one :class:`~roadsync.doctor.preflight.Check`
per finding.

Requests: one anonymous ``GET /meta`` (reachable/TLS/flavour), ``/user`` (who, classic token
scopes from ``x-oauth-scopes``) or, for a GitHub App, ``GET /app`` with its JWT and one installation
token (its permissions), per repository ``/repos/{o}/{r}`` (``permissions``; a renamed repository
answers a redirect, reported with its new name), one
``/issues?per_page=1`` (the ``link`` header's last page is the item count) and, for label
targets, one page of ``/labels``; one GraphQL query for the board (fields, options, item count);
``/rate_limit`` (free of the primary budget).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from roadsync.config.load import Settings
from roadsync.config.model import AppCredentials, FieldTarget, GithubProjectConfig
from roadsync.connectors.github.auth import AppIdentity, GithubAuth, app_identity
from roadsync.connectors.github.client import GithubClient, Response
from roadsync.connectors.github.graphql import BATCH_SIZE
from roadsync.connectors.github.reader import GithubReader
from roadsync.doctor.ownership import github_ownership
from roadsync.doctor.preflight import (
    DOCTOR_RETRY,
    Check,
    Level,
    Probe,
    field_targets,
    needed_values,
    probe_reachable,
    requests_for,
    writes_needed,
)
from roadsync.errors import AuthError, NotFoundError, RoadsyncError
from roadsync.targets import kind_of, kinds_on

__all__ = ["BOARD_QUERY", "board_query", "github_checks"]

_BOARD = """
projectV2(number: $number) {
  id title
  items(first: 1) { totalCount }
  fields(first: 100) {
    nodes {
      ... on ProjectV2FieldCommon { id name dataType }
      ... on ProjectV2SingleSelectField { options { id name } }
    }
  }
}
"""
BOARD_QUERY = {
    owner: f"query RoadsyncDoctorBoard($owner: String!, $number: Int!) {{\n"
    f"  {owner}(login: $owner) {{ {_BOARD} }}\n  rateLimit {{ limit remaining resetAt }}\n}}\n"
    for owner in ("organization", "user")
}
_LAST_PAGE = re.compile(r"[?&]page=(\d+)[^>]*>;\s*rel=\"last\"")
_PROJECTS_FIX = ("use a token that reaches Projects v2: a classic PAT with the `project` scope "
                 "(`read:project` for report-only), a fine-grained PAT or GitHub App with organization "
                 "permission Projects: read & write; the Actions GITHUB_TOKEN cannot reach projects")


@dataclass
class _Repo:
    name: str
    count: int | None = None


def board_query(project: GithubProjectConfig) -> str:
    """The doctor's board document for the project's owner type (a read: fields, options, count)."""
    return BOARD_QUERY["organization" if project.owner_type == "organization" else "user"]


def github_checks(settings: Settings, token: GithubAuth) -> list[Check]:
    """Reachable, flavour, token and scopes (or the App), repositories, labels, board, options, budget."""
    config = settings.model.github
    assert config is not None
    probe = Probe("github")
    base = config.url.rstrip("/")
    reached = probe_reachable(probe, f"{base}/meta", settings.tls_verify(), config.timeout_s)
    if reached is None:
        return probe.checks
    probe.add("flavour", "ok", _flavour(base, reached))
    account: dict[str, Any] | None = None
    if isinstance(token, AppCredentials):
        identity = _app(probe, settings, token)
        if identity is None:
            return probe.checks
        account = {"login": identity.bot, "type": "Bot"}
    client = GithubClient(config, token, verify=settings.tls_verify(), retry=DOCTOR_RETRY, budget_reserve=0)
    try:
        if isinstance(token, str):
            account = _user(probe, client, settings, token)
            if account is None:
                return probe.checks
        repos = _repositories(probe, client, settings, token)
        board = _board(probe, client, settings) if config.project else None
        github_ownership(probe, settings, account or {}, board[1] if board else None)
        _managed_fields(_Doctor(probe, client, settings, repos, board))
        _budget(probe, client, settings, repos, board[0] if board else None)
    finally:
        client.close()
    return probe.checks


def _user(probe: Probe, client: GithubClient, settings: Settings, token: str) -> dict[str, Any] | None:
    """The token's account (``GET /user``), or None when it cannot authenticate."""
    config = settings.model.github
    assert config is not None
    me = probe.guard("authenticated", lambda: client.rest("GET", "/user"),
                     fix=f"check {_token_where(config)}: the token is wrong, expired or revoked")
    if me is None:
        return None
    login = (me.data or {}).get("login", "unknown")
    probe.add("authenticated", "ok", f"as {login}: this account appears in issue history for every write")
    _scopes(probe, settings, token, me.headers.get("x-oauth-scopes"))
    return dict(me.data or {})


def _app(probe: Probe, settings: Settings, credentials: AppCredentials) -> AppIdentity | None:
    """The App (JWT) and its installation token: who writes, and whether it may write what is managed."""
    config = settings.model.github
    assert config is not None
    timeout = max(1, math.ceil(config.timeout_s))
    identity: AppIdentity | None = probe.guard("authenticated", lambda: app_identity(
        config.url.rstrip("/"), credentials, verify=settings.tls_verify(), timeout=timeout))
    if identity is None:
        return None
    probe.add("authenticated", "ok", f"as GitHub App \"{identity.name}\" ({identity.bot} appears in issue "
              f"history for every write); installation {credentials.installation_id}, repositories: "
              f"{identity.repository_selection}")
    granted = ", ".join(f"{k}: {v}" for k, v in sorted(identity.permissions.items())) or "none"
    needs = {"issues": "write"} if writes_needed(settings, "github") else {"issues": "read"}
    if config.project is not None:
        needs["organization_projects"] = needs["issues"]
    held = identity.permissions
    short = [f"{k}: {v}" for k, v in needs.items() if held.get(k) not in (v, "write", "admin")]
    if short:
        probe.add("app permissions", "fail", f"the installation has {granted}; missing {', '.join(short)}",
                  "grant those permissions in the App's settings, then accept them on the installation")
    else:
        probe.add("app permissions", "ok", granted)
    return identity


def _flavour(base: str, response: httpx.Response) -> str:
    host = httpx.URL(base).host
    version = response.headers.get("x-github-enterprise-version")
    if version is None and response.status_code == 200:
        try:
            version = (response.json() or {}).get("installed_version")
        except ValueError:
            version = None
    if version:
        return f"GitHub Enterprise Server {version}"
    if host == "api.github.com":
        return "GitHub.com"
    if host.endswith(".ghe.com"):
        return "GitHub Enterprise Cloud (data residency)"
    api = response.headers.get("x-github-api-version-selected", "unknown")
    return f"GitHub-compatible API at {host} (no Enterprise version header; API version {api})"


def _scopes(probe: Probe, settings: Settings, token: str, header: str | None) -> None:
    config = settings.model.github
    assert config is not None
    if header is None:
        kind = "an installation or Actions token (ghs_)" if token.startswith("ghs_") else \
            "a fine-grained PAT or GitHub App token"
        probe.add("token scopes", "info", f"{kind}: no x-oauth-scopes header; access is checked per "
                  "repository and on the board below")
        return
    scopes = {s.strip() for s in header.split(",") if s.strip()}
    shown = ", ".join(sorted(scopes)) or "none"
    if config.project is not None and not scopes & {"project", "read:project"}:
        probe.add("token scopes", "fail", f"classic token scopes: {shown}; no `project` scope for the board",
                  "add the `project` scope to the token (`read:project` if nothing is written to the board)")
    elif not scopes & {"repo", "public_repo"}:
        probe.add("token scopes", "warn", f"classic token scopes: {shown}; no `repo` scope",
                  "add the `repo` scope (or `public_repo` when every repository is public)")
    else:
        probe.add("token scopes", "ok", f"classic token scopes: {shown}")


# -- repositories ----------------------------------------------------------------------------------


def _scope_names(probe: Probe, settings: Settings, token: GithubAuth) -> list[str]:
    config = settings.model.github
    assert config is not None
    if config.repos:
        return list(config.repos)
    reader = GithubReader(config, token, verify=settings.tls_verify(), retry=DOCTOR_RETRY, budget_reserve=0)
    try:
        names: list[str] = probe.guard(f"org {config.org}", reader.scopes,
                                       fix="check github.org and that the token can list its repositories "
                                       "(classic tokens: read:org)") or []
    finally:
        reader.close()
    if names:
        probe.add(f"org {config.org}", "ok", f"{len(names)} repositories in scope")
    return names


def _repositories(probe: Probe, client: GithubClient, settings: Settings, token: GithubAuth) -> list[_Repo]:
    config = settings.model.github
    assert config is not None
    push_level: Level = "fail" if writes_needed(settings, "github") else "warn"
    types_managed = any(m.policy != "report" and t.target == "issue_type"
                        for _, m, t in field_targets(settings, "github"))
    found = []
    for name in _scope_names(probe, settings, token):
        check = f"repository {name}"
        answer = _get(probe, client, check, f"/repos/{name}",
                      f"fix github.repos, or grant the token access to {name}")
        if answer is None:
            continue
        permissions = (answer.data or {}).get("permissions") or {}
        if permissions.get("triage") and not permissions.get("push") and types_managed:
            probe.add(check, "warn", "the token can only triage here: GitHub answers 200 to an issue type "
                      "change and drops it (\"Without push access to the repository, type changes are "
                      "silently dropped\"); such changes are reported as unwritable",
                      f"give the token write (push) access to {name}, or stop managing the issue type")
        elif permissions.get("push") or permissions.get("triage"):
            granted = ", ".join(k for k, v in permissions.items() if v)
            probe.add(check, "ok", f"read and write ({granted})")
        else:
            probe.add(check, push_level, "the token can read but not write issues here",
                      f"give the token Issues: write (fine-grained) or push/triage access to {name}")
        found.append(_Repo(name, _count(probe, client, check, name, config.state)))
    return found


def _get(probe: Probe, client: GithubClient, check: str, path: str, fix: str | None,
         params: Mapping[str, Any] | None = None) -> Response | None:
    try:
        return client.rest("GET", path, params=params, item=check.split(" ", 1)[-1])
    except NotFoundError as exc:
        probe.add(check, "fail", f"{exc.message}: not found, or the token cannot see it", fix or exc.hint)
    except RoadsyncError as exc:
        probe.failed(check, exc, fix)
    return None


def _count(probe: Probe, client: GithubClient, check: str, name: str, state: str) -> int | None:
    """Issues and pull requests in scope: the last page number at ``per_page=1``."""
    page = _get(probe, client, check, f"/repos/{name}/issues", None, {"state": state, "per_page": 1})
    if page is None:
        return None
    last = _LAST_PAGE.search(page.headers.get("link", ""))
    return int(last.group(1)) if last else len(page.data or [])


# -- the Projects v2 board -------------------------------------------------------------------------


def _board(probe: Probe, client: GithubClient, settings: Settings) -> tuple[int, dict[str, Any]] | None:
    """The board's item count and its fields by name (one GraphQL read), or None when unreadable."""
    config = settings.model.github
    assert config is not None and config.project is not None
    project = config.project
    check = f"project board {project.owner} #{project.number}"
    variables = {"owner": project.owner, "number": project.number}
    try:
        result = client.graphql(board_query(project), variables, item=check)
    except AuthError as exc:
        probe.add(check, "fail", f"the token cannot reach Projects v2: {exc.message}", _PROJECTS_FIX)
        return None
    except NotFoundError as exc:
        probe.add(check, "fail", exc.message, "check github.project owner, number and owner_type "
                  "(organization or user), and that the token can see the board")
        return None
    except RoadsyncError as exc:
        probe.failed(check, exc)
        return None
    owner_key = "organization" if project.owner_type == "organization" else "user"
    board = (result.data.get(owner_key) or {}).get("projectV2") or {}
    total = int(((board.get("items") or {}).get("totalCount")) or 0)
    probe.add(check, "ok", f"\"{board.get('title')}\" readable, {total} items")
    nodes = (board.get("fields") or {}).get("nodes") or ()
    return total, {str(n["name"]): n for n in nodes if n and n.get("name")}


@dataclass
class _Doctor:
    """What a target kind's GitHub preflight may use (:class:`roadsync.targets.base.GithubDoctor`)."""

    probe: Probe
    client: GithubClient
    settings: Settings
    repos: list[_Repo]
    board: tuple[int, dict[str, Any]] | None

    def needed(self, name: str, target: FieldTarget) -> list[str]:
        return needed_values(self.settings, name, target)

    def board_fields(self) -> Mapping[str, Any] | None:
        return self.board[1] if self.board is not None else None

    def get(self, check: str, path: str, params: Mapping[str, Any] | None = None) -> Response | None:
        return _get(self.probe, self.client, check, path, None, params)


def _managed_fields(doctor: _Doctor) -> None:
    """Each target kind checks its targets, kinds in registry order (labels, board fields, types)."""
    targets = field_targets(doctor.settings, "github")
    for kind in kinds_on("github"):
        mine = [(name, target) for name, _, target in targets if kind_of(target) is kind]
        if mine:
            kind.doctor_github(doctor, mine)


# -- budget ----------------------------------------------------------------------------------------


def _budget(probe: Probe, client: GithubClient, settings: Settings, repos: list[_Repo],
            board_items: int | None) -> None:
    answer = probe.guard("rate-limit budget", lambda: client.rest("GET", "/rate_limit"))
    if answer is None:
        return
    resources = (answer.data or {}).get("resources") or {}
    items = sum(repo.count or 0 for repo in repos)
    targets = [t for _, m, t in field_targets(settings, "github") if m.policy != "report"]
    budgets = [kind_of(t).github_budget for t in targets]
    rest_writes = items * budgets.count("core")
    batched = budgets.count("graphql")  # label and board values: aliased, BATCH_SIZE a document
    board_adds = items if any(t.target == "project" for t in targets) else 0
    need = {
        "core": requests_for(repo.count or 0 for repo in repos) + rest_writes,
        "graphql": (requests_for([board_items]) if board_items is not None else 0)
        + math.ceil(items * batched / BATCH_SIZE) + board_adds,
    }
    parts, short = [], []
    for resource, estimate in need.items():
        left = (resources.get(resource) or {}).get("remaining")
        limit = (resources.get(resource) or {}).get("limit")
        parts.append(f"{resource} {left}/{limit} left, a full sync needs up to ~{estimate}")
        if isinstance(left, int) and left < estimate:
            short.append(resource)
    detail = f"~{items} issues and PRs in scope; " + "; ".join(parts)
    if short:
        probe.add("rate-limit budget", "warn", detail, f"the {', '.join(short)} budget may run out: the sync "
                  "stops cleanly (exit 4) and resumes after the reset; or narrow the scope")
    else:
        probe.add("rate-limit budget", "ok", detail)


def _token_where(config: Any) -> str:
    """Where the token came from, for a hint: the variable's name or the token_file key."""
    return "the file github.token_file names" if config.token_file else f"${config.token_env}"
