"""The fixture format that seeds the sandbox trackers (``roadsync sandbox --seed FILE``).

A fixture is one JSON document (``.json``) shaped as :class:`Fixture`. Times are ISO 8601 UTC
(``2026-11-02T09:30:00Z``). Everything optional has a sensible default; ids (Jira issue ids,
GitHub issue ids and node ids, Projects v2 ids) are assigned by the stores, deterministically.
:func:`load_fixture` reads one from a file and checks its shape (a missing, malformed or
shapeless file is a :class:`~roadsync.errors.ConfigError`).

A Jira site can be configured as real sites are (``roadsync.sandbox.demo_site`` is a complete
one): ``priority_schemes`` and a project's ``priority_scheme``; a project's edit ``screens`` per
issue type; ``team_managed`` projects with fields of their own (a custom field's ``project``);
custom field ``contexts`` with per-project options and several fields sharing a name; issue
``watchers``; the bot's rights (``user.site_admin``, ``user.project_admin``).

Example::

    {
      "jira": {
        "projects": [{"key": "PAY", "name": "Payments", "components": ["api", "checkout"]}],
        "custom_fields": [{"name": "Theme", "type": "select", "options": ["checkout"]},
                          {"name": "Story Points", "type": "number"}],
        "issues": [{"key": "PAY-1", "type": "Epic", "summary": "Checkout v2",
                    "status": "In Progress", "labels": ["checkout"], "priority": "High"},
                   {"key": "PAY-2", "type": "Story", "summary": "3DS flow", "parent": "PAY-1",
                    "fields": {"Story Points": 5},
                    "remote_links": ["https://github.com/acme/web/issues/4"]}]
      },
      "github": {
        "owner": "acme",
        "repos": [{"name": "web"}],
        "issue_types": ["Bug", "Feature", "Task"],
        "issues": [{"repo": "web", "number": 4, "title": "Pay button (PAY-2)", "labels": ["ui"],
                    "type": "Feature", "state": "open"},
                   {"repo": "web", "number": 5, "title": "Bump deps", "pull_request": true}],
        "project": {"number": 1, "title": "Roadmap",
                    "fields": [{"name": "Priority", "type": "single_select",
                                "options": ["P0", "P1", "P2", "P3", "P4"]},
                               {"name": "Estimate", "type": "number"}],
                    "items": [{"issue": "acme/web#4", "values": {"Priority": "P1", "Estimate": 3}}]}
      },
      "people": [{"name": "Pat Person", "github": {"login": "pat-person"},
                  "jira": {"email": "pat.person@example.com"}}],
      "themes": [{"id": "checkout", "name": "Checkout", "priority": "P1", "horizon": "now",
                  "match": [{"labels": ["checkout"]}]}]
    }

GitHub as it really behaves, from the fixture (see :mod:`roadsync.sandbox.github`):

* a repository's ``renamed_from`` names answer with redirects to ``/repositories/{id}/…``;
* ``deleted_issues`` numbers answer ``410 Gone``; an issue's ``transferred_from`` (``"repo#n"``)
  makes that old number answer ``301`` to it;
* an issue's ``events`` are its history (``labeled`` etc. by an ``actor``), oldest first;
* ``app`` describes the GitHub App installed on the organization (JWT auth, installation tokens);
* ``parent_issue_url: "null"`` sends ``null`` for issues without a parent (github.com, the default
  ``"omitted"``, leaves the key out);
* ``people`` are accounts of people (with write access, unless ``github.role`` says otherwise); a
  token is made for each unless given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

from roadsync.errors import ConfigError

__all__ = [
    "Fixture",
    "GithubAppFixture",
    "GithubFixture",
    "GithubIssueFixture",
    "JiraContextFixture",
    "JiraCustomFieldFixture",
    "JiraFixture",
    "JiraIssueFixture",
    "JiraOptionFixture",
    "JiraPrioritySchemeFixture",
    "JiraProjectFixture",
    "JiraUserFixture",
    "PersonFixture",
    "ProjectFixture",
    "load_fixture",
]


class JiraProjectFixture(TypedDict, total=False):
    key: str  # required
    name: str
    components: list[str]
    lead: str
    team_managed: bool  # Cloud: the project has fields of its own (default false)
    priority_scheme: str  # a priority_schemes name (default: the default scheme, every priority)
    # Edit screen per issue type name ("*": every other type): the field ids or names on it.
    # Without screens every field is on every screen. Names resolve in the project.
    screens: dict[str, list[str]]


class JiraOptionFixture(TypedDict, total=False):
    value: str  # required
    disabled: bool


class JiraContextFixture(TypedDict, total=False):
    name: str
    projects: list[str]  # project keys; absent: a global context
    issue_types: list[str]  # issue type names; absent: every issue type
    options: Sequence[str | JiraOptionFixture]


class JiraCustomFieldFixture(TypedDict, total=False):
    name: str  # required; several fields may share a name
    id: str  # "customfield_NNNNN" (default: assigned in order from customfield_10020)
    type: Literal["select", "text", "number", "labels"]
    options: Sequence[str | JiraOptionFixture]  # select only: the global context's options
    contexts: list[JiraContextFixture]  # instead of ``options``: contexts in precedence order
    project: str  # the team-managed project that owns this field (its ``scope``)


class JiraPrioritySchemeFixture(TypedDict, total=False):
    name: str  # required
    priorities: list[str]  # required: priority names in the scheme
    default: str  # default: the middle one


class JiraUserFixture(TypedDict, total=False):
    displayName: str
    emailAddress: str
    accountId: str
    site_admin: bool  # Administer Jira (default true)
    project_admin: bool  # Administer Projects in every project (default true)


class JiraIssueFixture(TypedDict, total=False):
    key: str  # required, e.g. "PAY-12"; issue keys of a project need not be contiguous
    type: str  # "Epic" | "Story" | "Task" | "Bug" | "Sub-task" (default "Task")
    summary: str  # required
    description: str
    status: str  # "To Do" | "In Progress" | "In Review" | "Done" (default "To Do")
    labels: list[str]
    components: list[str]
    priority: str | None  # a priority name, default "Medium"
    parent: str | None  # epic or parent key
    assignee: str | None  # a display name
    fields: dict[str, str | float | None]  # custom field values by field name
    remote_links: list[str]  # URLs (e.g. GitHub issues)
    watchers: list[str]  # display names of the people watching (they get the mails of edits)
    created: str
    updated: str


class JiraFixture(TypedDict, total=False):
    projects: list[JiraProjectFixture]
    priorities: list[str]  # default Highest, High, Medium, Low, Lowest
    priority_schemes: list[JiraPrioritySchemeFixture]  # beside the default scheme (every priority)
    custom_fields: list[JiraCustomFieldFixture]
    issues: list[JiraIssueFixture]
    user: JiraUserFixture  # the bot account (the sandbox's token)


class GithubIssueFixture(TypedDict, total=False):
    repo: str  # required: repository name (without owner)
    number: int  # required
    title: str  # required
    body: str
    state: Literal["open", "closed"]
    state_reason: str | None
    labels: list[str]
    assignees: list[str]
    type: str | None  # issue type name
    parent: int | None  # number of the parent issue in the same repository
    milestone: str | None
    pull_request: bool
    created_at: str
    updated_at: str
    transferred_from: str  # "repo#number" in the same owner: that old number redirects here
    events: list[GithubEventFixture]  # the issue's history, oldest first


class GithubEventFixture(TypedDict, total=False):
    event: str  # required: "labeled" | "unlabeled" | "renamed" | …
    actor: str  # required: login of who did it
    label: str  # labeled / unlabeled
    created_at: str


class ProjectFieldFixture(TypedDict, total=False):
    name: str
    type: Literal["single_select", "text", "number", "date"]
    options: list[str]


class ProjectItemFixture(TypedDict, total=False):
    issue: str  # "owner/repo#number"
    values: dict[str, str | float | None]
    updated_at: str  # when the item and its values were last changed (default: when seeded)


class ProjectFixture(TypedDict, total=False):
    number: int
    title: str
    owner: str  # defaults to the GitHub owner
    fields: list[ProjectFieldFixture]
    items: list[ProjectItemFixture]


class GithubRepoFixture(TypedDict, total=False):
    name: str
    private: bool
    labels: list[dict[str, str]]  # {"name", "color", "description"}
    renamed_from: list[str]  # old names (without owner) that redirect to this repository
    deleted_issues: list[int]  # numbers of deleted issues (410 Gone)


class GithubAppFixture(TypedDict, total=False):
    id: int
    slug: str
    name: str
    client_id: str
    installation_id: int
    permissions: dict[str, str]
    token_ttl_s: int  # lifetime of an installation token (GitHub: 3600)


class GithubFixture(TypedDict, total=False):
    owner: str  # organization login
    repos: list[GithubRepoFixture]
    issue_types: list[str]
    issues: list[GithubIssueFixture]
    project: ProjectFixture | None
    user: dict[str, str]  # the bot account: {"login", "name"}
    app: GithubAppFixture
    parent_issue_url: Literal["omitted", "null"]  # for issues without a parent (default: omitted)


class PersonGithubFixture(TypedDict, total=False):
    login: str  # required
    token: str
    role: Literal["read", "triage", "write", "maintain", "admin"]  # default "write"


class PersonJiraFixture(TypedDict, total=False):
    email: str  # required for a Jira account (write access to every project, no admin)
    account_id: str  # Cloud accountId (default: derived from the name)
    token: str


class PersonFixture(TypedDict, total=False):
    name: str  # required: display name
    github: PersonGithubFixture
    jira: PersonJiraFixture


class Fixture(TypedDict, total=False):
    jira: JiraFixture
    github: GithubFixture
    people: list[PersonFixture]  # default: one person, Pat Person (write access everywhere)
    themes: list[dict[str, Any]]
    """The roadmap ``--write-config`` writes for this company: ``[[themes]]`` tables as objects
    (``{"id", "name", "priority", "match": [{"labels": [...]}]}``); a config without themes maps
    nothing and does not validate."""


def load_fixture(path: Path) -> Fixture:
    """A fixture from a JSON file; a missing or malformed file is a :class:`ConfigError`."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"sandbox seed file {path} does not exist", hint="give --seed demo or a fixture JSON file"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            f"sandbox seed file {path} is not valid JSON: {exc}",
            hint="see sandbox/fixture.py for the format",
        ) from None
    problems = _fixture_problems(document)
    if problems:
        raise ConfigError(
            f"sandbox seed file {path} is not a fixture: {'; '.join(problems)}",
            hint="see sandbox/fixture.py for the format",
        )
    return document  # type: ignore[no-any-return]


def _fixture_problems(document: object) -> list[str]:
    """What makes ``document`` no fixture (at most five problems), or nothing."""
    if not isinstance(document, dict):
        return ["the top level must be an object with 'jira' and/or 'github'"]
    problems = [f"unknown top-level key {k!r}" for k in document
                if k not in ("jira", "github", "people", "themes")]  # fmt: skip
    themes = document.get("themes", [])
    if not isinstance(themes, list) or not all(isinstance(t, dict) and isinstance(t.get("id"), str)
                                               for t in themes):  # fmt: skip
        problems.append("'themes' must be a list of objects, each with an 'id'")
    people = document.get("people", [])
    if not isinstance(people, list):
        problems.append("'people' must be a list")
    else:
        problems += [f"people[{i}] lacks name" for i, p in enumerate(people)
                     if not isinstance(p, dict) or not isinstance(p.get("name"), str)]  # fmt: skip
    for part, required in (("jira", ("key", "summary")), ("github", ("repo", "number", "title"))):
        section = document.get(part, {})
        if not isinstance(section, dict):
            problems.append(f"'{part}' must be an object")
            continue
        issues = section.get("issues", [])
        if not isinstance(issues, list):
            problems.append(f"'{part}.issues' must be a list")
            continue
        for i, issue in enumerate(issues):
            missing = [k for k in required if not isinstance(issue, dict) or k not in issue]
            if missing:
                problems.append(f"{part}.issues[{i}] lacks {', '.join(missing)}")
    for i, project in enumerate(
        document.get("jira", {}).get("projects", []) if isinstance(document.get("jira", {}), dict) else []
    ):
        if not isinstance(project, dict) or "key" not in project:
            problems.append(f"jira.projects[{i}] lacks key")
    return problems[:5]
