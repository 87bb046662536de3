"""The Jira half of ``roadsync doctor``: reads only, one :class:`~roadsync.doctor.preflight.Check`
per finding.

Requests (for a config with n projects): one anonymous ``serverInfo`` (reachable/TLS), the
client's ``serverInfo``, ``myself``, ``project`` (visible keys), per project ``project/{key}``,
``mypermissions``, a one-result search (a sample issue; on Data Center also the item count),
Cloud's read-only ``search/approximate-count`` POST, and ``issue/{key}/editmeta`` when a managed
field needs per-project values; then ``priority`` and ``field`` once each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from roadsync.config.load import Settings
from roadsync.config.model import FieldTarget, JiraConfig
from roadsync.connectors.jira.client import JiraClient
from roadsync.connectors.jira.reader import jql_for
from roadsync.doctor.preflight import (
    DOCTOR_RETRY,
    Check,
    Level,
    Probe,
    field_targets,
    missing,
    needed_values,
    probe_reachable,
    requests_for,
    writes_needed,
)
from roadsync.errors import NotFoundError

__all__ = ["jira_checks"]

_SETTABLE = {"option", "number", "string"}


@dataclass
class _Project:
    key: str
    count: int | None = None
    sample: str | None = None
    editmeta: Mapping[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


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
    projects = _projects(probe, client, config, settings)
    _priorities(probe, client, settings, projects)
    _custom_fields(probe, client, settings, projects)
    _labels_and_estimate(probe, client, settings)
    _budget(probe, settings, projects, dict(me.headers))
    return probe.checks


def _token_fix(config: JiraConfig) -> str:
    if config.auth == "basic":
        return (f"check ${config.token_env} (a Jira API token) and jira.email ({config.email}); "
                "on Data Center use a personal access token with jira.auth = \"bearer\"")
    return f"check ${config.token_env} (a personal access token, sent as Bearer)"


def _raw_get(client: JiraClient, path: str, params: dict[str, Any] | None = None) -> requests.Response:
    """A GET whose headers we need (rate-limit); JiraClient.get returns only the JSON."""
    url = client.api_url(path)
    response: requests.Response = client.call(lambda: client.jira._session.get(url, params=params))
    return response


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
            client.get(f"project/{key}", scope=key)
        except NotFoundError:
            shown = ", ".join(keys[:10]) or "none"
            probe.add(check, "fail", f"project {key} does not exist or this token cannot see it",
                      f"fix jira.projects (visible to this token: {shown}), or grant Browse Projects")
            continue
        except Exception as exc:  # a roadsync error other than not-found: record and move on
            probe.failed(check, _as_error(exc))
            continue
        project = _Project(key)
        _permissions(probe, client, project, edit_level)
        _sample(probe, client, config, project)
        found.append(project)
    return found


def _as_error(exc: Exception) -> Any:
    from roadsync.errors import RoadsyncError, TrackerError

    return exc if isinstance(exc, RoadsyncError) else TrackerError(f"{type(exc).__name__}", source="jira")


def _permissions(probe: Probe, client: JiraClient, project: _Project, edit_level: Level) -> None:
    check = f"project {project.key}"
    params = {"projectKey": project.key, "permissions": "BROWSE_PROJECTS,EDIT_ISSUES"}
    answer = probe.guard(check, lambda: client.get("mypermissions", params, scope=project.key))
    if answer is None:
        return
    have = {name: bool((answer.get("permissions") or {}).get(name, {}).get("havePermission"))
            for name in ("BROWSE_PROJECTS", "EDIT_ISSUES")}
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


def _sample(probe: Probe, client: JiraClient, config: JiraConfig, project: _Project) -> None:
    """One result of the project's pull JQL (its key for editmeta) and the item count."""
    jql = jql_for(project.key, None, config.jql, subtasks=config.include_subtasks)
    check = f"project {project.key}"
    params = {"jql": jql, "maxResults": 1, "fields": "id"}
    if client.flavor == "cloud":
        page = probe.guard(check, lambda: client.get("search/jql", params, scope=project.key))
        where = jql.split(" ORDER BY")[0]
        url = client.api_url("search/approximate-count")
        # A read-only POST (Jira Cloud has no GET form of the count).
        count = probe.guard(check, lambda: client.call(
            lambda: client.jira._session.post(url, json={"jql": where}).json(), scope=project.key))
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


def _priorities(probe: Probe, client: JiraClient, settings: Settings, projects: list[_Project]) -> None:
    for name, _, target in field_targets(settings, "jira"):
        if target.target != "priority":
            continue
        site = probe.guard(f"{name}: priorities", lambda: client.get("priority")) or []
        names = [str(p["name"]) for p in site if isinstance(p, dict) and p.get("name")]
        wanted = needed_values(settings, name, target)
        lacking = missing(wanted, names)
        check = f"{name}: priorities"
        if lacking:
            probe.add(check, "fail", f"the site has no priority named {', '.join(lacking)} "
                      f"(it has: {', '.join(names)})",
                      f"map each level to an existing name in fields.{name}.jira.values, e.g. "
                      + ", ".join(f'{lvl} = "{n}"' for lvl, n in zip(settings.roadmap.levels, names,
                                                                       strict=False)))
            continue
        probe.add(check, "ok", f"{', '.join(wanted)} exist (from /priority)")
        for project in projects:
            allowed = _allowed(_editmeta(probe, client, project), "priority", "name")
            if allowed is not None and missing(wanted, allowed):
                probe.add(f"{name}: priorities in {project.key}", "fail",
                          f"{project.key}'s priority scheme lacks {', '.join(missing(wanted, allowed))} "
                          f"(editmeta of {project.sample})",
                          f"add them to {project.key}'s priority scheme, or map to names it has: "
                          f"{', '.join(allowed)}")


def _allowed(meta: Mapping[str, Any] | None, field_id: str, key: str) -> list[str] | None:
    entry = (meta or {}).get(field_id)
    if not isinstance(entry, dict) or "allowedValues" not in entry:
        return None
    return [str(v.get(key)) for v in entry["allowedValues"] if isinstance(v, dict) and v.get(key)]


def _custom_fields(probe: Probe, client: JiraClient, settings: Settings, projects: list[_Project]) -> None:
    wanted_fields = [(n, t) for n, _, t in field_targets(settings, "jira") if t.target == "field"]
    if not wanted_fields:
        return
    catalog = probe.guard("fields", lambda: client.get("field")) or []
    by_name = {str(f.get("name")): f for f in catalog if isinstance(f, dict)}
    for name, target in wanted_fields:
        _custom_field(probe, client, settings, projects, name, target, by_name)


def _custom_field(probe: Probe, client: JiraClient, settings: Settings, projects: list[_Project],
                  name: str, target: FieldTarget, by_name: Mapping[str, Any]) -> None:
    label = target.field or name
    check = f"{name}: field {label}"
    meta = by_name.get(label)
    if meta is None:
        close = [n for n in by_name if n.lower() == label.lower() or label.lower() in n.lower()][:3]
        probe.add(check, "fail", f"the site has no field named \"{label}\""
                  + (f" (close: {', '.join(close)})" if close else ""),
                  f"create a select field \"{label}\" in Jira, or name an existing one in "
                  f"fields.{name}.jira.field")
        return
    kind = str((meta.get("schema") or {}).get("type"))
    if kind not in _SETTABLE:
        probe.add(check, "fail", f"\"{label}\" ({meta.get('id')}) has type {kind}, which roadsync cannot set",
                  "use a single-select, text or number field")
        return
    probe.add(check, "ok", f"\"{label}\" is {meta.get('id')} ({kind})")
    if kind != "option":
        return
    wanted = needed_values(settings, name, target)
    for project in projects:
        allowed = _allowed(_editmeta(probe, client, project), str(meta.get("id")), "value")
        opt_check = f"{name}: options of {label} in {project.key}"
        if allowed is None:
            probe.add(opt_check, "warn", f"cannot read the options: {project.key} has no issue to read "
                      "editmeta from, or the field is not on its edit screen",
                      f"add \"{label}\" to {project.key}'s edit screen; options needed: {', '.join(wanted)}")
        elif lacking := missing(wanted, allowed):
            probe.add(opt_check, "fail",
                      f"missing options {', '.join(lacking)} (editmeta of {project.sample})",
                      f"add the options to \"{label}\" (its context for {project.key}), or map values "
                      f"in fields.{name}.jira.values to existing ones: {', '.join(allowed)}")
        else:
            probe.add(opt_check, "ok", f"{len(wanted)} options present (editmeta of {project.sample})")


def _labels_and_estimate(probe: Probe, client: JiraClient, settings: Settings) -> None:
    for name, _, target in field_targets(settings, "jira"):
        if target.target == "label":
            probe.add(f"{name}: labels {target.prefix or ''}", "info",
                      f"labels like \"{(needed_values(settings, name, target) or [''])[0]}\"; Jira creates a "
                      "label on first use, nothing to set up")
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
