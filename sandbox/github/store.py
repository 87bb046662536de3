"""The GitHub emulator's state: repositories, issues (pull requests included), labels, types, a board.

All reads and writes go through :class:`GithubStore` under :attr:`GithubStore.lock` (an RLock), so
tests may play "a person edits" from another thread while the server answers. ``updated_at`` moves
only when something changed. Issues are indexed per repository and by ``updated_at`` so that a
``since`` list is a bisect and a page costs O(page) once the filtered list is cached.

Labels are in :mod:`~roadsync.sandbox.github.labels`, renamed repositories and transferred or
deleted issues in :mod:`~roadsync.sandbox.github.moves`, the board in
:mod:`~roadsync.sandbox.github.projects`. Ids (issue ids, event ids) only grow, and an issue number
is never given twice in a repository, as on GitHub.

Every change is attributed to an account (``actor``): issue events carry it, as GitHub's
``actor``; an actor ``<slug>[bot]`` is a GitHub App's installation and its events carry
``performed_via_github_app``.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from roadsync.sandbox.fixture import GithubFixture, GithubIssueFixture
from roadsync.sandbox.github.app_identity import new_app
from roadsync.sandbox.github.labels import LabelBook, StoreError
from roadsync.sandbox.github.model import (
    App,
    Event,
    Issue,
    IssueType,
    Label,
    Project,
    Repo,
    node_id,
    now_iso,
)
from roadsync.sandbox.github.moves import IssueMoves
from roadsync.sandbox.github.projects import ProjectBoard

__all__ = ["GithubStore", "StoreError"]

TYPE_COLORS = {"Bug": "red", "Feature": "blue", "Task": "yellow"}
TYPE_DOCS = "https://docs.github.com/rest/issues/issues#update-an-issue"


class GithubStore(LabelBook, IssueMoves, ProjectBoard):
    """Every repository of one organization, their issues, labels and types, and a Projects v2 board."""

    def __init__(self, owner: str = "acme", user: dict[str, str] | None = None) -> None:
        self.lock = threading.RLock()
        self.owner = owner
        self.user_login = (user or {}).get("login", "roadsync-bot")
        self.user_name = (user or {}).get("name", "roadsync bot")
        self.repos: dict[str, Repo] = {}
        self.issue_types: list[IssueType] = []
        self.projects: list[Project] = []
        self._by_id: dict[int, Issue] = {}
        self._by_node: dict[str, Issue] = {}
        self._counter = 0
        self._last_issue_id = 1_000_000
        self._list_cache: dict[tuple[Any, ...], list[Issue]] = {}
        self.renamed: dict[str, int] = {}  # old repository name (lower case) -> repository id
        self.people: dict[str, str] = {}  # login -> display name of the people who have accounts
        self.apps: list[App] = []
        self._events_cache: dict[str, tuple[int, list[tuple[Event, Issue]]]] = {}
        # github.com leaves ``parent_issue_url`` out of an issue without a parent [research github.md §7]
        self.null_parent_issue_url = False

    # -- construction ------------------------------------------------------------------------------

    @classmethod
    def from_fixture(cls, fixture: GithubFixture) -> GithubStore:
        """A store seeded from a :class:`GithubFixture`; ids are assigned in fixture order."""
        store = cls(fixture.get("owner", "acme"), fixture.get("user"))
        store.null_parent_issue_url = fixture.get("parent_issue_url") == "null"
        store.apps = [new_app(dict(fixture.get("app", {})))]
        for repo_fx in fixture.get("repos", []):
            repo = store.add_repo(repo_fx["name"], private=repo_fx.get("private", False))
            for lab in repo_fx.get("labels", []):
                store.create_label(repo, lab["name"], lab.get("color", "ededed"), lab.get("description"))
            for old in repo_fx.get("renamed_from", []):
                store.renamed[old.lower()] = repo.id
            repo.deleted.update(repo_fx.get("deleted_issues", []))
        for name in fixture.get("issue_types", []):
            store.add_issue_type(name)
        for issue_fx in fixture.get("issues", []):
            store._seed_issue(issue_fx)
        for issue_fx in fixture.get("issues", []):
            parent_number = issue_fx.get("parent")
            if parent_number:
                parent = store.repos[issue_fx["repo"]].issues[parent_number]
                child = store.repos[issue_fx["repo"]].issues[issue_fx["number"]]
                parent.sub_issues.append(child.number)
                child.parent = parent.number
        project = fixture.get("project")
        if project:
            store.seed_project(project)
        return store

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def add_repo(self, name: str, *, private: bool = False) -> Repo:
        with self.lock:
            rid = 100 + len(self.repos) + 1
            repo = Repo(rid, node_id("R", rid), self.owner, name, private)
            self.repos[name] = repo
            return repo

    def add_issue_type(self, name: str, description: str | None = None) -> IssueType:
        with self.lock:
            tid = 700 + len(self.issue_types) + 1
            itype = IssueType(tid, node_id("IT", tid), name, description, TYPE_COLORS.get(name, "gray"))
            self.issue_types.append(itype)
            return itype

    def _seed_issue(self, fx: GithubIssueFixture) -> Issue:
        repo = self.repos[fx["repo"]]
        created = fx.get("created_at", "2024-01-01T00:00:00Z")
        issue = self._new_issue(repo, fx["number"], fx["title"], created, fx.get("updated_at", created))
        issue.body = fx.get("body")
        issue.state = fx.get("state", "open")
        issue.state_reason = fx.get("state_reason", "completed" if issue.state == "closed" else None)
        issue.closed_at = issue.updated_at if issue.state == "closed" else None
        issue.assignees = list(fx.get("assignees", []))
        issue.type = fx.get("type")
        issue.milestone = fx.get("milestone")
        issue.pull_request = fx.get("pull_request", False)
        for name in fx.get("labels", []):
            issue.labels.append(self.ensure_label(repo, name).name)
        for event_fx in fx.get("events", []):
            label = self.find_label(repo, event_fx["label"]) if event_fx.get("label") else None
            issue.events.append(Event(5_000_000 + self._next(), event_fx["event"], event_fx["actor"],
                                      event_fx.get("created_at", created),
                                      (label.name, label.color) if label else None))
        if fx.get("transferred_from"):
            old_repo, _, old_number = fx["transferred_from"].partition("#")
            self.repos[old_repo].moved[int(old_number)] = (repo.id, issue.number)
        return issue

    def new_issue_id(self) -> int:
        """The next issue id (database id); ids only grow, as on GitHub."""
        self._last_issue_id += 1
        return self._last_issue_id

    def next_number(self, repo: Repo) -> int:
        """The number a new issue of ``repo`` gets: never one an issue had before (deleted, moved)."""
        return max([*repo.issues, *repo.deleted, *repo.moved], default=0) + 1

    def _new_issue(self, repo: Repo, number: int, title: str, created: str, updated: str) -> Issue:
        iid = self.new_issue_id()
        issue = Issue(iid, node_id("I", iid), repo.name, number, title, created, updated)
        issue.user = self.user_login
        repo.issues[number] = issue
        bisect.insort(repo.by_updated, (updated, number))
        repo.version += 1
        self._by_id[iid] = issue
        self._by_node[issue.node_id] = issue
        return issue

    # -- lookups ------------------------------------------------------------------------------------

    def issue_count(self) -> int:
        """How many issues all repositories hold, pull requests excluded."""
        with self.lock:
            return sum(1 for r in self.repos.values() for i in r.issues.values() if not i.pull_request)

    def repo(self, name: str) -> Repo | None:
        """The repository by ``name`` or ``owner/name`` (case-insensitive, as GitHub)."""
        owner, _, short = name.rpartition("/")
        if owner and owner.lower() != self.owner.lower():
            return None
        return next((r for r in self.repos.values() if r.name.lower() == short.lower()), None)

    def get(self, full_key: str) -> Issue | None:
        """The issue (or pull request) ``owner/repo#n``, or None."""
        with self.lock:
            path, _, number = full_key.partition("#")
            repo = self.repo(path)
            return repo.issues.get(int(number)) if repo and number.isdigit() else None

    def issue_by_id(self, iid: int) -> Issue | None:
        return self._by_id.get(iid)

    def issue_by_node(self, nid: str) -> Issue | None:
        return self._by_node.get(nid)

    def display_name(self, login: str) -> str:
        return self.people.get(login, login)

    def app(self, slug: str) -> App | None:
        return next((a for a in self.apps if a.slug == slug), None)

    def owner_has_issue_types(self) -> bool:
        """Whether issue types exist for the owner (without them GitHub ignores ``type``)."""
        return bool(self.issue_types)

    def repo_events(self, repo: Repo) -> list[tuple[Event, Issue]]:
        """Every event of the repository's issues, newest first (cached per repository version)."""
        with self.lock:
            cached = self._events_cache.get(repo.name)
            if cached is not None and cached[0] == repo.version:
                return cached[1]
            pairs = [(e, i) for i in repo.issues.values() for e in i.events]
            pairs.sort(key=lambda pair: (pair[0].created_at, pair[0].id), reverse=True)
            self._events_cache[repo.name] = (repo.version, pairs)
            return pairs

    def issue_type(self, name: str) -> IssueType | None:
        return next((t for t in self.issue_types if t.name.lower() == name.lower()), None)

    def list_issues(
        self, repo: Repo, *, state: str = "open", since: str | None = None,
        labels: Sequence[str] = (), sort: str = "created", direction: str = "desc",
    ) -> list[Issue]:
        """The filtered, sorted issues of ``repo``; cached per repository version and filter."""
        with self.lock:
            key = (repo.name, repo.version, state, since, tuple(labels), sort, direction)
            cached = self._list_cache.get(key)
            if cached is not None:
                return cached
            if sort == "updated" or since:
                start = bisect.bisect_left(repo.by_updated, (since, 0)) if since else 0
                pool = [repo.issues[n] for _, n in repo.by_updated[start:]]
            else:
                pool = list(repo.issues.values())
            wanted = {n.lower() for n in labels}  # label names match in any case, as everywhere
            found = [
                i for i in pool
                if (state == "all" or i.state == state)
                and (not wanted or wanted.issubset({n.lower() for n in i.labels}))
            ]
            sort_key = {"updated": lambda i: (i.updated_at, i.number),
                        "comments": lambda i: (0, i.number)}.get(sort, lambda i: (i.created_at, i.number))
            found.sort(key=sort_key, reverse=direction != "asc")
            if len(self._list_cache) > 64:
                self._list_cache.clear()
            self._list_cache[key] = found
            return found

    # -- changes ------------------------------------------------------------------------------------

    def touch(self, issue: Issue) -> None:
        """Record that ``issue`` changed now: move ``updated_at`` and its place in the index."""
        repo = self.repos[issue.repo]
        old = (issue.updated_at, issue.number)
        at = bisect.bisect_left(repo.by_updated, old)
        if at < len(repo.by_updated) and repo.by_updated[at] == old:
            del repo.by_updated[at]
        issue.updated_at = max(now_iso(), issue.updated_at)
        bisect.insort(repo.by_updated, (issue.updated_at, issue.number))
        repo.version += 1

    def event(self, issue: Issue, kind: str, actor: str, label: Label | None = None, **extra: Any) -> None:
        """Record an issue event by ``actor`` now (``extra``: the event's own keys, e.g. ``rename``)."""
        app = actor[: -len("[bot]")] if actor.endswith("[bot]") else None
        issue.events.append(Event(
            5_000_000 + self._next(), kind, actor, now_iso(), (label.name, label.color) if label else None,
            extra, app,
        ))
        self.repos[issue.repo].version += 1

    def create_issue(self, repo: Repo, fields: dict[str, Any], actor: str) -> Issue:
        """A new issue numbered after the repository's highest number."""
        with self.lock:
            number = self.next_number(repo)
            now = now_iso()
            issue = self._new_issue(repo, number, str(fields["title"]), now, now)
            issue.user = actor
            issue.body = fields.get("body")
            self.update_issue(issue, {k: v for k, v in fields.items() if k not in ("title", "body")}, actor)
            return issue

    def update_issue(self, issue: Issue, fields: dict[str, Any], actor: str) -> bool:
        """Apply a PATCH body; True when anything changed. Unknown types raise 422."""
        with self.lock:
            changed = False
            for name in ("title", "body", "milestone"):
                if name in fields and getattr(issue, name) != fields[name]:
                    if name == "title":
                        self.event(issue, "renamed", actor, rename={"from": issue.title, "to": fields[name]})
                    setattr(issue, name, fields[name])
                    changed = True
            if "type" in fields:
                changed |= self.set_type(issue, fields["type"], actor)
            if "state" in fields and fields["state"] != issue.state:
                self._set_state(issue, str(fields["state"]), fields.get("state_reason"), actor)
                changed = True
            if "assignees" in fields and list(fields["assignees"]) != issue.assignees:
                issue.assignees = list(fields["assignees"])
                changed = True
            if "labels" in fields:
                names = [lab if isinstance(lab, str) else lab["name"] for lab in fields["labels"]]
                changed |= self.set_labels(issue, names, actor, touch=False)
            if changed:
                self.touch(issue)
            return changed

    def set_type(self, issue: Issue, name: Any, actor: str) -> bool:
        """Set (or clear, ``None``) the issue type; 422 for an unknown type.

        Emits ``issue_type_added``, ``issue_type_changed`` (with ``prev_issue_type``) or
        ``issue_type_removed`` [spec: the ``issue-type-*-issue-event`` schemas of GitHub's OpenAPI].
        """
        if name is None:
            new = None
        else:
            itype = self.issue_type(str(name))
            if itype is None:
                raise StoreError(422, "Validation Failed", docs=TYPE_DOCS, errors=[
                    {"resource": "Issue", "field": "type", "code": "invalid", "value": name}])
            new = itype.name
        if new == issue.type:
            return False
        old, issue.type = issue.type, new
        if old is None:
            self.event(issue, "issue_type_added", actor, issue_type=new)
        elif new is None:
            self.event(issue, "issue_type_removed", actor, issue_type=old)
        else:
            self.event(issue, "issue_type_changed", actor, issue_type=new, prev_issue_type=old)
        return True

    def _set_state(self, issue: Issue, state: str, reason: Any, actor: str) -> None:
        if state not in ("open", "closed"):
            raise StoreError(422, "Validation Failed")
        issue.state = state
        issue.closed_at = now_iso() if state == "closed" else None
        issue.state_reason = (reason or "completed") if state == "closed" else "reopened"
        self.event(issue, "closed" if state == "closed" else "reopened", actor)

    # -- sub-issues ---------------------------------------------------------------------------------

    def add_sub_issue(self, parent: Issue, child: Issue, *, replace_parent: bool, actor: str) -> None:
        """Make ``child`` a sub-issue of ``parent`` (same owner); 422 when it already has a parent."""
        with self.lock:
            if child is parent or (child.number in parent.sub_issues and child.repo == parent.repo):
                raise StoreError(422, "Validation Failed")
            if child.parent is not None and not replace_parent:
                raise StoreError(422, "Validation Failed")
            if child.parent is not None:
                old = self.repos[child.repo].issues[child.parent]
                old.sub_issues.remove(child.number)
                self.touch(old)
            parent.sub_issues.append(child.number)
            child.parent = parent.number
            self.event(parent, "sub_issue_added", actor)
            self.event(child, "parent_issue_added", actor)
            self.touch(parent)
            self.touch(child)

    def remove_sub_issue(self, parent: Issue, child: Issue, actor: str) -> None:
        with self.lock:
            if child.parent != parent.number or child.repo != parent.repo:
                raise StoreError(404, "Not Found")
            parent.sub_issues.remove(child.number)
            child.parent = None
            self.event(parent, "sub_issue_removed", actor)
            self.event(child, "parent_issue_removed", actor)
            self.touch(parent)
            self.touch(child)

    # -- what tests do as "a person" ----------------------------------------------------------------

    def edit_as_person(
        self, full_key: str, *, labels_add: Iterable[str] = (), labels_remove: Iterable[str] = (),
        project_values: dict[str, Any] | None = None, title: str | None = None, actor: str = "pat-person",
        issue_type: str | None = None,
    ) -> Issue:
        """Change an issue as a person would in the web UI; events and board values carry ``actor``.

        ``issue_type``: a type name to set, or ``""`` to clear it.
        """
        with self.lock:
            issue = self.get(full_key)
            if issue is None:
                raise KeyError(full_key)
            changed = self.add_labels(issue, labels_add, actor, touch=False)
            for name in labels_remove:
                changed |= self.remove_label(issue, name, actor, touch=False)
            if title is not None and title != issue.title:
                self.event(issue, "renamed", actor, rename={"from": issue.title, "to": title})
                issue.title = title
                changed = True
            if issue_type is not None:
                changed |= self.set_type(issue, issue_type or None, actor)
            if changed:
                self.touch(issue)
            for name, value in (project_values or {}).items():
                self.set_value_by_name(issue, name, value, actor)
            return issue
