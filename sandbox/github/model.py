"""The records the GitHub emulator keeps: repositories, issues, labels, types, Projects v2.

Plain mutable dataclasses guarded by :attr:`GithubStore.lock`; ids are assigned by the store,
deterministically, so the same fixture always gives the same ids.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "App",
    "Event",
    "Issue",
    "IssueType",
    "Label",
    "Project",
    "ProjectField",
    "ProjectItem",
    "Repo",
    "ValueMeta",
    "node_id",
    "now_iso",
    "option_id",
]


def now_iso() -> str:
    """The current UTC time, second precision, as GitHub writes it (``2026-11-02T09:30:00Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def node_id(prefix: str, number: int) -> str:
    """A global node id shaped like GitHub's (``I_kwDOABCD``, ``PVT_kwDO…``)."""
    raw = b"\x93\x00\xce" + number.to_bytes(6, "big")
    return f"{prefix}_kwDO" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def option_id(field_id: str, name: str) -> str:
    """A single-select option id: a short hex string, stable for a field and option name."""
    return hashlib.sha1(f"{field_id}\0{name}".encode()).hexdigest()[:8]


@dataclass
class App:
    """A GitHub App installed on the organization (all repositories): its identity and permissions.

    ``public_key_pem`` verifies the app's JWTs; ``token_ttl_s`` is an installation token's lifetime
    (GitHub: one hour [docs: "Generating an installation access token for a GitHub App"]).
    """

    id: int
    slug: str
    name: str
    client_id: str
    installation_id: int
    public_key_pem: str
    permissions: dict[str, str]
    token_ttl_s: int = 3600
    created_at: str = "2024-01-01T00:00:00Z"

    @property
    def bot_login(self) -> str:
        return f"{self.slug}[bot]"


@dataclass
class Label:
    id: int
    node_id: str
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class IssueType:
    id: int
    node_id: str
    name: str
    description: str | None = None
    color: str | None = None
    created_at: str = "2024-01-01T00:00:00Z"


@dataclass
class Event:
    """One issue event (``labeled``, ``unlabeled``, ``closed``, …) with the account that did it.

    ``app`` is the slug of the GitHub App whose installation token did it (``performed_via_github_app``);
    ``extra`` holds the event's own keys (``rename``, ``issue_type``, ``prev_issue_type``).
    """

    id: int
    event: str
    actor: str
    created_at: str
    label: tuple[str, str] | None = None  # (name, color)
    extra: dict[str, Any] = field(default_factory=dict)
    app: str | None = None


@dataclass
class Issue:
    id: int
    node_id: str
    repo: str
    number: int
    title: str
    created_at: str
    updated_at: str
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    type: str | None = None
    parent: int | None = None
    sub_issues: list[int] = field(default_factory=list)
    milestone: str | None = None
    pull_request: bool = False
    user: str = "octocat"
    events: list[Event] = field(default_factory=list)


@dataclass
class Repo:
    id: int
    node_id: str
    owner: str
    name: str
    private: bool = False
    created_at: str = "2020-01-01T00:00:00Z"
    labels: dict[str, Label] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    # (updated_at, number) kept sorted so `since` and sort=updated lists are a bisect away
    by_updated: list[tuple[str, int]] = field(default_factory=list)
    version: int = 0  # bumped on every change; keys the list cache
    deleted: set[int] = field(default_factory=set)  # numbers of deleted issues (answer 410)
    moved: dict[int, tuple[int, int]] = field(default_factory=dict)  # old number -> (repo id, number)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class ProjectField:
    id: str
    name: str
    data_type: str  # TEXT | NUMBER | DATE | SINGLE_SELECT | ITERATION | TITLE
    options: list[tuple[str, str]] = field(default_factory=list)  # (option id, name)
    created_at: str = "2024-01-01T00:00:00Z"

    @property
    def database_id(self) -> int:
        """The field's integer id: GraphQL's ``databaseId``, the REST ``fields`` id."""
        return int.from_bytes(self.id.encode()[-3:], "big")

    def option_by_name(self, name: str) -> str | None:
        return next((oid for oid, oname in self.options if oname == name), None)

    def option_name(self, oid: str) -> str | None:
        return next((oname for i, oname in self.options if i == oid), None)


@dataclass
class ValueMeta:
    """When a board field value was created and last updated, and who created it.

    GitHub's schema gives ``ProjectV2ItemFieldValueCommon`` ``createdAt``, ``updatedAt`` and
    ``creator`` ("The actor who created the item"). What ``creator`` says after someone else updates
    the value is not documented [research: ownership.md G8, unverified]; the emulator keeps the value
    record a set creates and an update changes in place, so ``creator`` is the first writer since the
    value was last empty and ``updatedAt`` moves on every change.
    """

    created_at: str
    updated_at: str
    creator: str


@dataclass
class ProjectItem:
    id: str
    database_id: int
    issue: Issue
    values: dict[str, Any] = field(default_factory=dict)  # field id -> value (option id for selects)
    created_at: str = "2024-01-01T00:00:00Z"
    updated_at: str = "2024-01-01T00:00:00Z"
    meta: dict[str, ValueMeta] = field(default_factory=dict)  # field id -> its value's record
    creator: str = "roadsync-bot"
    # every change of a value, oldest first: (field id, new value or None, actor, time); the
    # emulator's own record for tests (GitHub shows no such history outside Status changes)
    history: list[tuple[str, Any, str, str]] = field(default_factory=list)


@dataclass
class Project:
    id: str
    number: int
    title: str
    owner: str
    database_id: int
    fields: list[ProjectField] = field(default_factory=list)
    items: list[ProjectItem] = field(default_factory=list)
    by_issue: dict[str, ProjectItem] = field(default_factory=dict)  # issue node id -> item
    created_at: str = "2024-01-01T00:00:00Z"
    updated_at: str = "2024-01-01T00:00:00Z"

    def field_by_id(self, fid: str) -> ProjectField | None:
        return next((f for f in self.fields if f.id == fid), None)

    def field_by_name(self, name: str) -> ProjectField | None:
        return next((f for f in self.fields if f.name == name), None)
