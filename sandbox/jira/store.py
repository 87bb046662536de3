"""The Jira emulator's state: issues indexed by key, id and project, edits with changelog,
entity properties, moves, and JQL searches (cached per query and store version; Cloud's search
view and page tokens in :mod:`.index`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from roadsync.sandbox.fixture import JiraFixture

from .catalog import Catalog
from .edits import apply_values, plan_edit
from .errors import JiraApiError
from .index import SearchIndex
from .jql import parse_jql
from .jql_eval import EvalContext, compile_query
from .model import ChangeGroup, ChangeItem, EditResult, Flavor, JiraIssue, RemoteLink
from .properties import parse_properties
from .seed import issue_from_fixture
from .tasks import TaskQueue

__all__ = ["JiraStore"]

Clock = Callable[[], datetime]
_CACHE_SIZE = 32


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class JiraStore:
    """All issues of one emulated Jira site. Every method takes :attr:`lock` (an RLock), so
    tests may play "a person edits" from another thread while the server runs."""

    def __init__(self, catalog: Catalog, *, clock: Clock | None = None) -> None:
        self.catalog = catalog
        self.flavor: Flavor = catalog.flavor
        self.lock = threading.RLock()
        self.version = 0
        self._clock = clock or _utcnow
        self._last_time = datetime(1970, 1, 1, tzinfo=timezone.utc)
        self._issues: dict[str, JiraIssue] = {}
        self._by_id: dict[int, str] = {}
        self._by_project: dict[str, dict[str, None]] = {key: {} for key in catalog.projects}
        self._aliases: dict[str, str] = {}  # old key -> current key (after a move)
        self._next_id = 10000
        self._next_change = 100000
        self._next_link = 10000
        self._search_cache: OrderedDict[tuple[Any, ...], list[str]] = OrderedDict()
        self.index = SearchIndex()
        self.evaluations = 0  # JQL queries evaluated (a search's later pages evaluate none)
        self.tasks = TaskQueue()  # bulk edits and bulk property writes (Cloud)

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_fixture(cls, fixture: JiraFixture, *, flavor: Flavor, clock: Clock | None = None) -> JiraStore:
        """A store seeded from ``fixture``; ids are assigned in fixture order (deterministic)."""
        store = cls(Catalog.from_fixture(fixture, flavor), clock=clock)
        with store.lock:
            for raw in fixture.get("issues", []):
                issue = issue_from_fixture(raw, store.catalog, store._take_id, store._take_link, store._now)
                store._index(issue)
        return store

    # -- bookkeeping ----------------------------------------------------------------------------

    def _take_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _take_link(self) -> int:
        self._next_link += 1
        return self._next_link - 1

    def _now(self) -> datetime:
        """The clock, but strictly increasing (ms), so every change moves ``updated``."""
        now = self._clock().astimezone(timezone.utc)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if now <= self._last_time:
            now = self._last_time + timedelta(milliseconds=1)
        self._last_time = now
        return now

    def _index(self, issue: JiraIssue) -> None:
        self._issues[issue.key] = issue
        self._by_id[issue.id] = issue.key
        self._by_project.setdefault(issue.project, {})[issue.key] = None
        self._changed()

    def _changed(self) -> None:
        self.version += 1

    # -- reads ----------------------------------------------------------------------------------

    def issue_count(self) -> int:
        with self.lock:
            return len(self._issues)

    def find(self, ref: str) -> JiraIssue | None:
        """The issue with key (current or old) or numeric id ``ref``, or None."""
        with self.lock:
            if ref.isdigit():
                key = self._by_id.get(int(ref))
                return self._issues.get(key) if key else None
            key = ref.upper()
            return self._issues.get(self._aliases.get(key, key))

    def get(self, key: str) -> JiraIssue:
        """The stored issue (a live object: read it under :attr:`lock`); KeyError if absent."""
        found = self.find(key)
        if found is None:
            raise KeyError(key)
        return found

    def issues(self, projects: Iterable[str] | None = None) -> list[JiraIssue]:
        with self.lock:
            if projects is None:
                return list(self._issues.values())
            return [self._issues[k] for p in projects for k in self._by_project.get(p, {})]

    # -- writes ---------------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        with self.lock:
            issue = self.get(key)
            del self._issues[issue.key]
            del self._by_id[issue.id]
            del self._by_project[issue.project][issue.key]
            self._aliases = {old: new for old, new in self._aliases.items() if new != issue.key}
            self._changed()

    def move(self, key: str, new_project: str, *, author: str = "Pat Person") -> str:
        """Move an issue to another project; it keeps its id, gets a new key, and the old key keeps
        resolving to it (GET, PUT, bulk fetch, JQL ``key``). As in Jira, the move is a change:
        ``updated`` moves and the history records ``project`` (ids, names in the strings) and
        ``Key`` (``fromString`` old key, ``toString`` new key): research/ownership.md J3, J5
        (Jira Server's move code; getsentry/sentry#123198; mikebowler/jirametrics#72)."""
        with self.lock:
            issue = self.get(key)
            project = self.catalog.project(new_project)
            if project is None:
                raise KeyError(new_project)
            before = self.index.snapshot(issue)
            old_key, old_project = issue.key, self.catalog.projects[issue.project]
            del self._issues[old_key]
            del self._by_project[issue.project][old_key]
            issue.key, issue.project = f"{project.key}-{project.next_number}", project.key
            project.next_number += 1
            self._aliases[old_key] = issue.key
            for old, new in list(self._aliases.items()):
                if new == old_key:
                    self._aliases[old] = issue.key
            for other in self._issues.values():
                if other.parent == old_key:
                    other.parent = issue.key
            self._index(issue)
            now = self._now()
            issue.updated = now
            issue.changelog.append(
                ChangeGroup(
                    id=self._next_change,
                    author=author,
                    created=now,
                    items=(
                        ChangeItem(
                            "project",
                            "project",
                            "jira",
                            old_project.id,
                            old_project.name,
                            project.id,
                            project.name,
                        ),
                        ChangeItem("Key", "issuekey", "jira", None, old_key, None, issue.key),
                    ),
                )
            )
            self._next_change += 1
            self._changed()
            self.index.changed(issue, before)
            return issue.key

    def edit(self, key: str, body: Mapping[str, Any], *, api_version: str, author: str) -> EditResult:
        """Apply a ``PUT /issue`` body (``fields``, ``update``, ``properties``): one changelog
        entry for all changed fields, by ``author``. Raises :class:`JiraApiError` (400) without
        changing anything when any part of the body is invalid."""
        with self.lock:
            issue = self.get(key)
            values = plan_edit(body, issue, self.catalog, version=api_version, resolve=self.find)
            properties = parse_properties(body.get("properties"))
            before = self.index.snapshot(issue)
            group = self._apply(issue, values, author)
            wrote = any([self._put_property(issue, k, v) for k, v in properties]) or group is not None
            if wrote:
                self.index.changed(issue, before)
            recipients = tuple(w for w in issue.watchers if w != author) if group else ()
            return EditResult(wrote, group, recipients)

    def _apply(self, issue: JiraIssue, values: Mapping[str, Any], author: str) -> ChangeGroup | None:
        group = apply_values(
            issue, values, self.catalog, author=author, now=self._peek_now(), change_id=self._next_change
        )
        if group is not None:
            self._next_change += 1
            self._last_time = group.created
            self._changed()
        return group

    def _peek_now(self) -> datetime:
        now = self._clock().astimezone(timezone.utc)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        return max(now, self._last_time + timedelta(milliseconds=1))

    def edit_as_person(
        self,
        key: str,
        *,
        labels_add: Iterable[str] = (),
        labels_remove: Iterable[str] = (),
        fields: dict[str, Any] | None = None,
        priority: str | None = None,
        author: str = "Pat Person",
    ) -> bool:
        """A person edits in the Jira UI: labels, a priority name, custom fields by name or id
        (select by option value). Writes a changelog entry by ``author``; True when it changed."""
        with self.lock:
            update: dict[str, Any] = {}
            label_ops = [{"add": x} for x in labels_add] + [{"remove": x} for x in labels_remove]
            if label_ops:
                update["labels"] = label_ops
            body_fields: dict[str, Any] = {}
            if priority is not None:
                body_fields["priority"] = {"name": priority}
            for name, value in (fields or {}).items():
                custom = self.catalog.custom_field(name, self.get(key).project)
                fid = custom.id if custom else name
                select = custom is not None and custom.kind == "select" and value is not None
                body_fields[fid] = {"value": value} if select else value
            body = {"fields": body_fields, "update": update}
            return self.edit(key, body, api_version="2", author=author).wrote

    def create(self, fields: Mapping[str, Any], *, api_version: str, author: str) -> JiraIssue:
        """Create an issue from a ``POST /issue`` ``fields`` object (project, issuetype, summary
        required); the other fields go through the same validation as an edit."""
        with self.lock:
            project_ref = fields.get("project") or {}
            project = self.catalog.project(str(project_ref.get("key", ""))) or next(
                (p for p in self.catalog.projects.values() if p.id == str(project_ref.get("id"))), None
            )
            type_ref = fields.get("issuetype") or {}
            kind = self.catalog.issue_type(str(type_ref.get("name", ""))) or next(
                (t for t in self.catalog.issue_types if t.id == str(type_ref.get("id"))), None
            )
            errors = {}
            if project is None:
                errors["project"] = "Specify a valid project ID or key"
            if kind is None:
                errors["issuetype"] = "Specify an issue type"
            if not isinstance(fields.get("summary"), str) or not fields["summary"].strip():
                errors["summary"] = "You must specify a summary of the issue."
            if errors or project is None or kind is None:
                raise JiraApiError(400, [], errors)
            now = self._now()
            issue = JiraIssue(
                id=self._next_id,
                key=f"{project.key}-{project.next_number}",
                project=project.key,
                type=kind.name,
                summary=str(fields["summary"]),
                status=self.catalog.statuses[0].name,
                created=now,
                updated=now,
            )
            rest = {k: v for k, v in fields.items() if k not in ("project", "issuetype", "summary")}
            values = plan_edit({"fields": rest}, issue, self.catalog, version=api_version, resolve=self.find)
            self._take_id()
            project.next_number += 1
            for fid, value in values.items():
                apply_values(issue, {fid: value}, self.catalog, author=author, now=now, change_id=0)
            issue.changelog.clear()  # creation is not a change in Jira's history
            issue.updated = now
            self._index(issue)
            self.index.changed(issue, None, created=True)
            return issue

    def set_property(self, key: str, name: str, value: Any) -> bool:
        """Set an issue entity property; True when the value changed. Properties write no history
        and do not move ``updated`` (research/ownership.md J1). 400 for a key or value Jira refuses."""
        with self.lock:
            issue = self.get(key)
            ((name, value),) = parse_properties([{"key": name, "value": value}])
            before = self.index.snapshot(issue)
            changed = self._put_property(issue, name, value)
            if changed:
                self.index.changed(issue, before)
            return changed

    def delete_property(self, key: str, name: str) -> bool:
        """Remove an issue property; False when the issue has none by that key."""
        with self.lock:
            issue = self.get(key)
            if name not in issue.properties:
                return False
            before = self.index.snapshot(issue)
            del issue.properties[name]
            self._changed()
            self.index.changed(issue, before)
            return True

    def _put_property(self, issue: JiraIssue, name: str, value: Any) -> bool:
        if issue.properties.get(name, object()) == value:
            return False
        issue.properties[name] = value
        self._changed()
        return True

    def add_remote_link(
        self, key: str, url: str, title: str, *, global_id: str | None = None, relationship: str | None = None
    ) -> tuple[RemoteLink, bool]:
        """Add a remote link, or update the one with the same ``global_id``; (link, created)."""
        with self.lock:
            issue = self.get(key)
            for index, link in enumerate(issue.remote_links):
                if global_id is not None and link.global_id == global_id:
                    updated = RemoteLink(link.id, url, title, global_id, relationship)
                    issue.remote_links[index] = updated
                    self._changed()
                    return updated, False
            link = RemoteLink(self._take_link(), url, title, global_id, relationship)
            issue.remote_links.append(link)
            self._changed()
            return link, True

    # -- search ---------------------------------------------------------------------------------

    def search(
        self, jql: str, *, visible: Callable[[str], bool], lagged: bool = False, fresh: Iterable[int] = ()
    ) -> list[str]:
        """Keys of the issues matching ``jql`` that the caller can see, in query order.

        ``lagged`` searches (Cloud's ``/search/jql``) see issues as :meth:`searched` does, except
        the ids in ``fresh`` (``reconcileIssues``). Cached per (jql, visibility, version) while no
        change is pending in the search view."""
        with self.lock:
            projects = frozenset(p for p in self.catalog.projects if visible(p))
            fresh_ids = frozenset(fresh)
            if lagged and self.index.lagging():
                return self._run_query(jql, projects, lambda i: self.searched(i, fresh_ids))
            cache_key = (jql, projects, self.version)
            cached = self._search_cache.get(cache_key)
            if cached is not None:
                self._search_cache.move_to_end(cache_key)
                return cached
            keys = self._run_query(jql, projects, lambda i: i)
            self._search_cache[cache_key] = keys
            while len(self._search_cache) > _CACHE_SIZE:
                self._search_cache.popitem(last=False)
            return keys

    def searched(self, issue: JiraIssue, fresh: frozenset[int] = frozenset()) -> JiraIssue | None:
        """``issue`` as Cloud's search sees it now (None: not yet visible); fresh ids as stored."""
        return issue if issue.id in fresh else self.index.view(issue)

    def compile(self, jql: str, projects: frozenset[str]) -> Any:
        """Parse and compile ``jql`` for a caller who sees ``projects`` (raises JqlError)."""

        def resolve(ref: str) -> JiraIssue | None:
            found = self.find(ref)
            return found if found is not None and found.project in projects else None

        def visible(project: str) -> bool:
            return project in projects

        ctx = EvalContext(self.catalog, resolve, visible, self._clock())
        query = parse_jql(jql)
        return query, compile_query(query, ctx)

    def _run_query(
        self, jql: str, projects: frozenset[str], view: Callable[[JiraIssue], JiraIssue | None]
    ) -> list[str]:
        _query, compiled = self.compile(jql, projects)
        scope = projects if compiled.projects is None else projects & compiled.projects
        seen = (view(i) for i in self.issues(sorted(scope)))
        matches = compiled.order([i for i in seen if i is not None and compiled.predicate(i)])
        self.evaluations += 1
        return [self._by_id[i.id] for i in matches]
