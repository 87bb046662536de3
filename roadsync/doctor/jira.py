"""The Jira half of ``roadsync doctor``: reads only, one :class:`~roadsync.doctor.preflight.Check`
per finding.

Requests (for a config with n projects): one anonymous ``serverInfo`` (reachable/TLS), the
client's ``serverInfo``, ``myself``, ``project`` (visible keys), per project ``project/{key}``,
``mypermissions``, a one-result search (a sample issue; on Data Center also the item count),
Cloud's read-only ``search/approximate-count`` POST, and ``issue/{key}/editmeta`` when a managed
field needs per-project values; then each target kind's reads (``priority`` and ``field`` once
each; ``project/{key}/components`` per project for a components target).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import requests

from roadsync.config.load import Settings
from roadsync.config.model import FieldTarget, JiraConfig
from roadsync.connectors.jira.client import JiraClient
from roadsync.connectors.jira.reader import jql_for
from roadsync.doctor.ownership import jira_ownership
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
from roadsync.errors import NotFoundError
from roadsync.targets import kind_of, kinds_on
from roadsync.targets.base import Screen

__all__ = ["jira_checks"]


@dataclass
class _Project:
    key: str
    count: int | None = None
    sample: str | None = None
    editmeta: Mapping[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    id: str = ""
    issue_types: list[str] = field(default_factory=list)


def jira_checks(settings: Settings, token: str) -> list[Check]:
    """Reachable, flavour, token, per-project permissions, managed fields and values, budget."""
    config = settings.model.jira
    assert config is not None
    probe = Probe("jira")
    site = config.url.rstrip("/")
    reached = probe_reachable(probe, f"{site}/rest/api/2/serverInfo", settings.tls_verify(), config.timeout_s)
    if reached is None:
        return probe.checks
    client = probe.guard("authenticated", lambda: JiraClient(config, token, verify=settings.tls_verify(),
                                                              retry=DOCTOR_RETRY), fix=_token_fix(config))
    if client is None:
        return probe.checks
    me = probe.guard("authenticated", lambda: _raw_get(client, "myself"), fix=_token_fix(config))
    if me is None:
        return probe.checks
    _whoami(probe, me.json())
    _flavour(probe, client, config)
    about = me.json()
    jira_ownership(probe, settings, about if isinstance(about, dict) else {}, client.flavor)
    projects = _projects(probe, client, config, settings)
    _managed_fields(probe, client, settings, projects)
    _estimate(probe, client, settings)
    _budget(probe, settings, projects, dict(me.headers))
    return probe.checks


def _token_fix(config: JiraConfig) -> str:
    if config.auth == "basic":
        return (f"check {_token_where(config)} (a Jira API token) and jira.email ({config.email}); "
                "on Data Center use a personal access token with jira.auth = \"bearer\"")
    return f"check {_token_where(config)} (a personal access token, sent as Bearer)"


def _raw_get(client: JiraClient, path: str, params: dict[str, Any] | None = None) -> requests.Response:
    """A GET whose headers we need (rate-limit); JiraClient.get returns only the JSON."""
    return client.send("GET", path, params=params)


def _flavour(probe: Probe, client: JiraClient, config: JiraConfig) -> None:
    info = probe.guard("flavour", lambda: client.get("serverInfo"))
    if not isinstance(info, dict):
        return
    cloud = info.get("deploymentType") == "Cloud"
    name = "Jira Cloud" if cloud else "Jira Data Center / Server"
    detail = f"{name} {info.get('version', '')}".strip()
    detected = "cloud" if cloud else "datacenter"
    if config.flavor not in ("auto", detected):
        probe.add("flavour", "fail", f"{detail}, but jira.flavor = \"{config.flavor}\"",
                  f"set jira.flavor = \"{detected}\" (or \"auto\")")
    else:
        probe.add("flavour", "ok", detail)


def _whoami(probe: Probe, me: Any) -> None:
    me = me if isinstance(me, dict) else {}
    who = str(me.get("displayName") or me.get("name") or "unknown")
    email = me.get("emailAddress")
    account = f"{who} <{email}>" if email else who
    probe.add("authenticated", "ok", f"as {account}: this account appears in issue history for every write")


# -- projects --------------------------------------------------------------------------------------


def _projects(probe: Probe, client: JiraClient, config: JiraConfig, settings: Settings) -> list[_Project]:
    visible = probe.guard("projects", lambda: client.get("project")) or []
    keys = sorted(str(p.get("key")) for p in visible if isinstance(p, dict))
    edit_level: Level = "fail" if writes_needed(settings, "jira") else "warn"
    found: list[_Project] = []
    for key in config.projects:
        check = f"project {key}"
        try:
            answer = client.get(f"project/{key}", scope=key)
        except NotFoundError:
            shown = ", ".join(keys[:10]) or "none"
            probe.add(check, "fail", f"project {key} does not exist or this token cannot see it",
                      f"fix jira.projects (visible to this token: {shown}), or grant Browse Projects")
            continue
        except Exception as exc:  # a roadsync error other than not-found: record and move on
            probe.failed(check, _as_error(exc))
            continue
        pid = str(answer.get("id") or "") if isinstance(answer, dict) else ""
        project = _Project(key, id=pid, issue_types=_issue_types(answer, config))
        _permissions(probe, client, project, edit_level, config)
        _sample(probe, client, config, project)
        found.append(project)
    return found


def _as_error(exc: Exception) -> Any:
    from roadsync.errors import RoadsyncError, TrackerError

    return exc if isinstance(exc, RoadsyncError) else TrackerError(f"{type(exc).__name__}", source="jira")


def _issue_types(answer: Any, config: JiraConfig) -> list[str]:
    """The project's issue type names (``GET /project/{key}``'s ``issueTypes``), sub-tasks only
    when the pull reads them."""
    types = answer.get("issueTypes") if isinstance(answer, dict) else None
    return [str(t.get("name")) for t in types or () if isinstance(t, dict) and t.get("name")
            and (config.include_subtasks or not t.get("subtask"))]  # fmt: skip


_PERMISSIONS = ("BROWSE_PROJECTS", "EDIT_ISSUES", "ADMINISTER_PROJECTS", "ADMINISTER", "BULK_CHANGE")


def _permissions(
    probe: Probe, client: JiraClient, project: _Project, edit_level: Level, config: JiraConfig
) -> None:
    check = f"project {project.key}"
    params = {"projectKey": project.key, "permissions": ",".join(_PERMISSIONS)}
    answer = probe.guard(check, lambda: client.get("mypermissions", params, scope=project.key))
    if answer is None:
        return
    have = {name: bool((answer.get("permissions") or {}).get(name, {}).get("havePermission"))
            for name in _PERMISSIONS}
    if not have["BROWSE_PROJECTS"]:
        probe.add(check, "fail", f"the token cannot browse {project.key}",
                  f"grant the bot account Browse Projects in {project.key}'s permission scheme")
    elif not have["EDIT_ISSUES"]:
        probe.add(check, edit_level,
                  f"the token can browse {project.key} but not edit its issues",
                  f"grant the bot account Edit Issues in {project.key}'s permission scheme "
                  "(or keep every managed field on policy \"report\")")
    else:
        probe.add(check, "ok", "browse and edit issues")
    _notifications(probe, project.key, have, config)
    _bulk_edit(probe, have, client.flavor)


def _notifications(probe: Probe, project: str, have: Mapping[str, bool], config: JiraConfig) -> None:
    """Whether roadsync's edits in ``project`` will mail the issues' watchers, and why: turning
    mails off (``notifyUsers=false``) needs Administer Jira or Administer Projects there
    (research/jira.md §6; asked per project, as a project permission asked site-wide is true when
    held anywhere)."""
    check = f"notifications in {project}"
    if config.notify_users:
        probe.add(check, "info", "on: every edit mails the issue's watchers (jira.notify_users = true)")
    elif have["ADMINISTER"] or have["ADMINISTER_PROJECTS"]:
        role = "a Jira admin" if have["ADMINISTER"] else f"an admin of {project}"
        probe.add(check, "ok", f"off: roadsync's edits send no mails (the token is {role}, so it may ask "
                  "Jira not to notify)")  # fmt: skip
    else:
        probe.add(check, "warn", f"on: every edit in {project} mails the issue's watchers, because turning "
                  f"mails off needs Administer Projects in {project}",
                  f"grant the bot account Administer Projects in {project}, or set jira.notify_users = true "
                  "to accept the mails")  # fmt: skip


def _bulk_edit(probe: Probe, have: Mapping[str, bool], flavor: str) -> None:
    """Whether roadsync's writes may use Jira Cloud's bulk edit (once per run of doctor): it needs
    the global Bulk change permission (submitBulkEdit, Cloud v3 OpenAPI) and is Cloud-only
    (research/jira.md §8); without it every value is one ``PUT`` per issue, which is correct,
    only slower on a large first sync (connectors/jira/bulk.py)."""
    check = "bulk edit"
    if any(c.check == check for c in probe.checks):
        return
    if flavor != "cloud":
        probe.add(check, "info", "not available on Data Center: one edit request per issue")
    elif have["BULK_CHANGE"]:
        probe.add(check, "ok", "available: values shared by 3 or more issues go in one bulk edit task")
    else:
        probe.add(check, "info", "not available: the token lacks the global Bulk change permission, so "
                  "every issue is one edit request", "grant the bot account Make bulk changes "
                  "(global permissions) for faster large syncs")  # fmt: skip


def _sample(probe: Probe, client: JiraClient, config: JiraConfig, project: _Project) -> None:
    """One result of the project's pull JQL (its key for editmeta) and the item count."""
    jql = jql_for(project.key, None, config.jql, subtasks=config.include_subtasks)
    check = f"project {project.key}"
    params = {"jql": jql, "maxResults": 1, "fields": "id"}
    if client.flavor == "cloud":
        page = probe.guard(check, lambda: client.get("search/jql", params, scope=project.key))
        where = jql.split(" ORDER BY")[0]
        # A read-only POST (Jira Cloud has no GET form of the count).
        url = client.api_url("search/approximate-count")
        count = probe.guard(check, lambda: client.call(
            lambda: client.session.post(url, json={"jql": where}).json(), scope=project.key))
        project.count = int(count.get("count", 0)) if isinstance(count, dict) else None
    else:
        page = probe.guard(check, lambda: client.get("search", params, scope=project.key))
        project.count = int(page.get("total", 0)) if isinstance(page, dict) else None
    issues = page.get("issues") if isinstance(page, dict) else None
    project.sample = str(issues[0]["key"]) if issues else None


def _editmeta(probe: Probe, client: JiraClient, project: _Project) -> Mapping[str, Any] | None:
    if project.editmeta is None and project.sample:
        meta = probe.guard(f"project {project.key}", lambda: client.get(
            f"issue/{project.sample}/editmeta", item=project.sample))
        project.editmeta = (meta or {}).get("fields") or {}
    return project.editmeta


# -- managed fields --------------------------------------------------------------------------------


@dataclass
class _Doctor:
    """What a target kind's Jira preflight may use (:class:`roadsync.targets.base.JiraDoctor`)."""

    probe: Probe
    client: JiraClient
    settings: Settings
    projects: list[_Project]
    _screens: list[Screen] | None = None

    def needed(self, name: str, target: FieldTarget) -> list[str]:
        return needed_values(self.settings, name, target)

    def editmeta(self, project: _Project) -> Mapping[str, Any] | None:
        return _editmeta(self.probe, self.client, project)

    def screens(self) -> list[Screen]:
        """Every issue type holding items in scope, per project, with a sample's editmeta: one
        one-result search per issue type and one editmeta per type found (read once)."""
        if self._screens is None:
            config = self.settings.model.jira
            assert config is not None
            self._screens = [s for p in self.projects for s in _screens(self.probe, self.client, config, p)]
        return self._screens

    def levels(self) -> list[str]:
        return list(self.settings.roadmap.levels)


def _screens(probe: Probe, client: JiraClient, config: JiraConfig, project: _Project) -> list[Screen]:
    """One sample issue per issue type of ``project`` that holds items of the pull's JQL, with its
    editmeta (what an edit may set for that type there)."""
    where = jql_for(project.key, None, config.jql, subtasks=config.include_subtasks).split(" ORDER BY")[0]
    path = "search/jql" if client.flavor == "cloud" else "search"
    check = f"project {project.key}"
    found = []
    for name in project.issue_types:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        params = {"jql": f'{where} AND issuetype = "{quoted}"', "maxResults": 1, "fields": "id"}
        page = probe.guard(check, partial(client.get, path, params, scope=project.key))
        issues = page.get("issues") if isinstance(page, dict) else None
        if not issues:
            continue
        sample = str(issues[0]["key"])
        meta = probe.guard(check, partial(client.get, f"issue/{sample}/editmeta", item=sample))
        fields = meta.get("fields") if isinstance(meta, dict) else None
        # Without Edit Issues Jira answers an empty editmeta: unreadable, not "nothing on screen".
        readable = fields if isinstance(fields, dict) and fields else None
        found.append(Screen(project.key, name, sample, readable))
    return found


def _managed_fields(probe: Probe, client: JiraClient, settings: Settings, projects: list[_Project]) -> None:
    """Each target kind checks its targets, kinds in registry order (priority, custom fields, labels...)."""
    doctor = _Doctor(probe, client, settings, projects)
    targets = field_targets(settings, "jira")
    for kind in kinds_on("jira"):
        mine = [(name, target) for name, _, target in targets if kind_of(target) is kind]
        if mine:
            kind.doctor_jira(doctor, mine)


def _estimate(probe: Probe, client: JiraClient, settings: Settings) -> None:
    config = settings.model.jira
    assert config is not None
    if not config.estimate_field or "estimate_field" not in config.model_fields_set:
        return
    catalog = probe.guard("estimate field", lambda: client.get("field")) or []
    if any(isinstance(f, dict) and f.get("name") == config.estimate_field for f in catalog):
        probe.add("estimate field", "ok", f"\"{config.estimate_field}\" exists")
    else:
        probe.add("estimate field", "fail", f"the site has no field named \"{config.estimate_field}\"",
                  "fix jira.estimate_field, or remove it (allocation then counts items)")


# -- budget ----------------------------------------------------------------------------------------


def _budget(probe: Probe, settings: Settings, projects: list[_Project], headers: Mapping[str, str]) -> None:
    counts = {p.key: p.count for p in projects if p.count is not None}
    items = sum(counts.values())
    reads = requests_for(counts.values())
    writes = items if writes_needed(settings, "jira") else 0
    scope = ", ".join(f"{k} ~{v}" for k, v in counts.items()) or "no project counted"
    detail = (f"{scope} items: a full pull is ~{reads} search requests; a first sync sends up to "
              f"{writes} edits (one PUT per item)")
    lowered = {k.lower(): v for k, v in headers.items()}
    remaining = lowered.get("x-ratelimit-remaining")
    if remaining is not None:
        detail += f"; X-RateLimit-Remaining {remaining} of {lowered.get('x-ratelimit-limit', '?')}"
        if remaining.isdigit() and int(remaining) == 0:
            probe.add("rate-limit budget", "warn", detail, "wait for the limit to refill before syncing")
            return
    else:
        detail += "; no rate-limit headers (API-token traffic has burst limits only)"
    probe.add("rate-limit budget", "ok", detail)


def _token_where(config: Any) -> str:
    """Where the token came from, for a hint: the variable's name or the token_file key."""
    return "the file jira.token_file names" if config.token_file else f"${config.token_env}"
