"""A Jira emulator issue from the fixture format (:mod:`roadsync.sandbox.fixture`): defaults,
custom field values by name (per project), watchers and remote links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from roadsync.sandbox.fixture import JiraIssueFixture

from .catalog import Catalog
from .model import JiraIssue, RemoteLink, parse_time

__all__ = ["issue_from_fixture"]


def issue_from_fixture(
    raw: JiraIssueFixture,
    catalog: Catalog,
    take_id: Callable[[], int],
    take_link: Callable[[], int],
    now: Callable[[], datetime],
) -> JiraIssue:
    """The issue ``raw`` describes, with ids from ``take_id`` / ``take_link``; its project's next
    number moves past it. Raises ValueError for an unknown project or custom field."""
    key = raw["key"].upper()
    project_key = key.rsplit("-", 1)[0]
    project = catalog.project(project_key)
    if project is None:
        raise ValueError(f"issue {key}: project {project_key} is not in the fixture")
    stamp = now()
    created = parse_time(raw["created"]) if "created" in raw else stamp
    issue = JiraIssue(
        id=take_id(),
        key=key,
        project=project.key,
        type=raw.get("type", "Task"),
        summary=raw["summary"],
        status=catalog.status(raw.get("status", "To Do")).name,
        created=created,
        updated=parse_time(raw["updated"]) if "updated" in raw else created,
        description=raw.get("description"),
        labels=sorted(set(raw.get("labels", []))),
        components=sorted(set(raw.get("components", []))),
        priority=raw.get("priority", "Medium"),
        parent=(raw.get("parent") or "").upper() or None,
        assignee=raw.get("assignee"),
    )
    for name, value in (raw.get("fields") or {}).items():
        custom = catalog.custom_field(name, project.key)
        if custom is None:
            raise ValueError(f"issue {key}: unknown custom field {name!r}")
        if value is not None:
            issue.custom[custom.id] = float(value) if custom.kind == "number" else value
    issue.watchers = list(dict.fromkeys(raw.get("watchers", [])))
    for url in raw.get("remote_links", []):
        issue.remote_links.append(RemoteLink(take_link(), url, url))
    project.next_number = max(project.next_number, issue.number + 1)
    return issue
