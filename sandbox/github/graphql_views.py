"""GraphQL object views over the store: each attribute or method answers the schema field of the same name.

graphql-core's default resolver reads attributes and calls methods with ``(info, **arguments)``;
every view carries ``typename`` for the abstract types (``Node``, the Projects v2 unions).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

from roadsync.sandbox.github.graphql_history import ActorView, LabelView, timeline
from roadsync.sandbox.github.model import Issue, Project, ProjectField, ProjectItem, Repo
from roadsync.sandbox.github.store import GithubStore

__all__ = ["GqlContext", "GqlError", "IssueView", "ItemView", "OwnerView", "ProjectView", "RepoView",
           "connection"]

Info = GraphQLResolveInfo


class GqlError(Exception):
    """A GitHub GraphQL error: ``type`` (NOT_FOUND, FORBIDDEN, …) and ``message``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class GqlContext:
    store: GithubStore
    base: str
    projects: bool
    scopes: str | None
    can_read: Any  # Callable[[Repo], bool]
    can_write: Any
    rate: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    actor: str = "roadsync-bot"  # the account the token acts as
    grant: Any = None  # its TokenGrant (roles, App)

    def check_projects(self, field_name: str) -> None:
        """Refuse Projects v2 to a token that cannot reach them, as GitHub answers."""
        if self.projects:
            return
        if self.scopes is None:
            raise GqlError("FORBIDDEN", "Resource not accessible by integration")
        raise GqlError("INSUFFICIENT_SCOPES", (
            f"Your token has not been granted the required scopes to execute this query. The '{field_name}' "
            f"field requires one of the following scopes: ['read:project'], but your token has only been "
            f"granted the: [{', '.join(repr(s.strip()) for s in self.scopes.split(','))}] scopes. "
            "Please modify your token's scopes at: https://github.com/settings/tokens."))


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _index(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(base64.b64decode(cursor).decode().split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        message = f"`{cursor}` does not appear to be a valid cursor."
        raise GqlError("INVALID_CURSOR_ARGUMENTS", message) from None


def connection(items: Sequence[Any], name: str, first: int | None = None, after: str | None = None,
               last: int | None = None, before: str | None = None, **_: Any) -> dict[str, Any]:
    """A Relay connection page; ``first`` or ``last`` is required, 1..100, as GitHub enforces."""
    if first is None and last is None:
        raise GqlError("MISSING_PAGINATION_BOUNDARIES", "You must provide a `first` or `last` value "
                       f"to properly paginate the `{name}` connection.")
    for arg, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= 100:
            raise GqlError("EXCESSIVE_PAGINATION", f"Requesting {value} records on the `{name}` connection "
                           f"exceeds the `{arg}` limit of 100 records.")
    start = (_index(after) or -1) + 1 if after else 0
    stop = _index(before) if before else len(items)
    assert stop is not None
    window = list(range(start, min(stop, len(items))))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    return {
        "nodes": [items[i] for i in window],
        "totalCount": len(items),
        "pageInfo": {"hasNextPage": bool(window) and window[-1] < min(stop, len(items)) - 1,
                     "hasPreviousPage": bool(window) and window[0] > start,
                     "startCursor": _cursor(window[0]) if window else None,
                     "endCursor": _cursor(window[-1]) if window else None},
    }


class _Views(Sequence[Any]):
    """The views of a page's elements only, made when the page reads them: a board's connection
    answers 100 items of thousands (the same answer as views made for every element)."""

    def __init__(self, elements: Sequence[Any], view: Callable[[int], Any]) -> None:
        self._elements, self._view = elements, view

    def __len__(self) -> int:
        return len(self._elements)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._view(i) for i in range(len(self._elements))[index]]
        return self._view(range(len(self._elements))[index])


class RepoView:
    typename = "Repository"

    def __init__(self, ctx: GqlContext, repo: Repo) -> None:
        self.ctx, self.repo = ctx, repo
        self.id, self.name, self.nameWithOwner = repo.node_id, repo.name, repo.full_name
        self.databaseId, self.isPrivate, self.url = repo.id, repo.private, f"{ctx.base}/{repo.full_name}"

    def issue(self, info: Info, number: int) -> IssueView:
        found = self.repo.issues.get(number)
        if found is None or found.pull_request:
            raise GqlError("NOT_FOUND", f"Could not resolve to an Issue with the number of {number}.")
        return IssueView(self.ctx, found)

    def label(self, info: Info, name: str) -> LabelView | None:
        """Exact case, unlike REST [community: git-bug#176]."""
        found = self.repo.labels.get(name)
        return LabelView(self.ctx, self.repo, found) if found else None

    def labels(self, info: Info, query: str | None = None, orderBy: Any = None,
               **page: Any) -> dict[str, Any]:
        """``query`` "searches labels by name and description" [spec: ``Repository.labels``], in any case."""
        def hit(lab: Any) -> bool:
            return not query or query.lower() in f"{lab.name}\n{lab.description or ''}".lower()

        found = [lab for lab in self.repo.labels.values() if hit(lab)]
        return connection([LabelView(self.ctx, self.repo, lab) for lab in found], "labels", **page)

    def viewerPermission(self, info: Info) -> str | None:
        """The token's role; null for a GitHub App [spec: "null if authenticated as a GitHub App"]."""
        grant = self.ctx.grant
        if grant is None or grant.app is not None:
            return None
        role = grant.role_on(self.repo)
        return str(role).upper() if role else None


class IssueView:
    def __init__(self, ctx: GqlContext, issue: Issue) -> None:
        self.ctx, self.issue_ = ctx, issue
        self.typename = "PullRequest" if issue.pull_request else "Issue"
        self.id, self.number, self.title = issue.node_id, issue.number, issue.title
        self.databaseId, self.fullDatabaseId = issue.id, str(issue.id)
        self.createdAt, self.updatedAt = issue.created_at, issue.updated_at
        self.closed = issue.state == "closed"
        self.state = issue.state.upper()
        kind = "pull" if issue.pull_request else "issues"
        self.url = f"{ctx.base}/{ctx.store.owner}/{issue.repo}/{kind}/{issue.number}"

    def repository(self, info: Info) -> RepoView:
        return RepoView(self.ctx, self.ctx.store.repos[self.issue_.repo])

    def labels(self, info: Info, orderBy: Any = None, **page: Any) -> dict[str, Any]:
        repo = self.ctx.store.repos[self.issue_.repo]
        views = [LabelView(self.ctx, repo, repo.labels[n]) for n in self.issue_.labels if n in repo.labels]
        return connection(views, "labels", **page)

    def viewerCanLabel(self, info: Info) -> bool:
        grant = self.ctx.grant
        return bool(grant is not None and grant.can_triage(self.ctx.store.repos[self.issue_.repo]))

    def timelineItems(self, info: Info, itemTypes: list[str] | None = None, since: str | None = None,
                      skip: int | None = None, **page: Any) -> dict[str, Any]:
        items = timeline(self.ctx, self.issue_, self, itemTypes, since)[skip or 0:]
        page_of = connection(items, "timelineItems", **page)
        page_of["filteredCount"] = len(items)
        return page_of

    def projectItems(self, info: Info, includeArchived: bool = True, **page: Any) -> dict[str, Any]:
        self.ctx.check_projects("projectItems")
        items = [ItemView(self.ctx, p, p.by_issue[self.id])
                 for p in self.ctx.store.projects if self.id in p.by_issue]
        return connection(items, "projectItems", **page)

    def parent(self, info: Info) -> IssueView | None:
        repo = self.ctx.store.repos[self.issue_.repo]
        number = self.issue_.parent
        return IssueView(self.ctx, repo.issues[number]) if number in repo.issues else None

    def _subs(self) -> list[Issue]:
        repo = self.ctx.store.repos[self.issue_.repo]
        return [repo.issues[n] for n in self.issue_.sub_issues if n in repo.issues]

    def subIssues(self, info: Info, **page: Any) -> dict[str, Any]:
        return connection([IssueView(self.ctx, i) for i in self._subs()], "subIssues", **page)

    def subIssuesSummary(self, info: Info) -> dict[str, Any]:
        subs = self._subs()
        done = sum(1 for s in subs if s.state == "closed")
        return {"total": len(subs), "completed": done,
                "percentCompleted": done * 100 // len(subs) if subs else 0}


class OwnerView:
    def __init__(self, ctx: GqlContext, login: str, typename: str) -> None:
        self.ctx, self.login, self.typename = ctx, login, typename
        self.id = f"{'O' if typename == 'Organization' else 'U'}_kgDOAAAAAQ"
        self.name, self.databaseId, self.url = login, 1, f"{ctx.base}/{login}"

    def _projects(self) -> list[Project]:
        return [p for p in self.ctx.store.projects if p.owner.lower() == self.login.lower()]

    def projectV2(self, info: Info, number: int) -> ProjectView:
        self.ctx.check_projects("projectV2")
        found = next((p for p in self._projects() if p.number == number), None)
        if found is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a ProjectV2 with the number {number}.")
        return ProjectView(self.ctx, found)

    def projectsV2(self, info: Info, **page: Any) -> dict[str, Any]:
        self.ctx.check_projects("projectsV2")
        return connection([ProjectView(self.ctx, p) for p in self._projects()], "projectsV2", **page)


class ProjectView:
    typename = "ProjectV2"

    def __init__(self, ctx: GqlContext, project: Project) -> None:
        self.ctx, self.project_ = ctx, project
        self.id, self.number, self.title, self.closed = project.id, project.number, project.title, False
        self.databaseId, self.fullDatabaseId = project.database_id, str(project.database_id)
        self.createdAt, self.updatedAt = project.created_at, project.updated_at
        self.url = f"{ctx.base}/orgs/{project.owner}/projects/{project.number}"

    def field(self, info: Info, name: str) -> FieldView | None:
        found = self.project_.field_by_name(name)
        return FieldView(self.ctx, self.project_, found) if found else None

    def fields(self, info: Info, orderBy: Any = None, **page: Any) -> dict[str, Any]:
        views = [FieldView(self.ctx, self.project_, f) for f in self.project_.fields]
        return connection(views, "fields", **page)

    def items(self, info: Info, orderBy: Any = None, query: str | None = None, **page: Any) -> dict[str, Any]:
        items = tuple(self.project_.items)
        views = _Views(items, lambda i: ItemView(self.ctx, self.project_, items[i]))
        return connection(views, "items", **page)


class FieldView:
    def __init__(self, ctx: GqlContext, project: Project, pfield: ProjectField) -> None:
        self.ctx, self.project_, self.field_ = ctx, project, pfield
        self.typename = {"SINGLE_SELECT": "ProjectV2SingleSelectField",
                         "ITERATION": "ProjectV2IterationField"}.get(pfield.data_type, "ProjectV2Field")
        self.id, self.name, self.dataType = pfield.id, pfield.name, pfield.data_type
        self.databaseId = pfield.database_id
        self.createdAt = self.updatedAt = pfield.created_at

    def project(self, info: Info) -> ProjectView:
        return ProjectView(self.ctx, self.project_)

    def options(self, info: Info, names: list[str] | None = None) -> list[dict[str, Any]]:
        return [{"id": oid, "name": name, "nameHTML": name, "color": "GRAY", "description": "",
                 "descriptionHTML": ""}
                for oid, name in self.field_.options if names is None or name in names]

    def configuration(self, info: Info) -> dict[str, Any]:
        return {"completedIterations": [], "duration": 14, "iterations": [], "startDay": 1}


class ItemView:
    typename = "ProjectV2Item"

    def __init__(self, ctx: GqlContext, project: Project, item: ProjectItem) -> None:
        self.ctx, self.project_, self.item_ = ctx, project, item
        self.id, self.databaseId, self.fullDatabaseId = item.id, item.database_id, str(item.database_id)
        self.isArchived, self.createdAt, self.updatedAt = False, item.created_at, item.updated_at
        self.creator = ActorView(ctx, item.creator)
        readable = ctx.can_read(ctx.store.repos[item.issue.repo])
        self.type = ("PULL_REQUEST" if item.issue.pull_request else "ISSUE") if readable else "REDACTED"
        self.content = IssueView(ctx, item.issue) if readable else None

    def project(self, info: Info) -> ProjectView:
        return ProjectView(self.ctx, self.project_)

    def _values(self) -> list[ValueView]:
        out = []
        for pfield in self.project_.fields:
            title = pfield.data_type == "TITLE"
            value = self.item_.issue.title if title else self.item_.values.get(pfield.id)
            if value is not None:
                out.append(ValueView(self, pfield, value))
        return out

    def fieldValues(self, info: Info, orderBy: Any = None, **page: Any) -> dict[str, Any]:
        return connection(self._values(), "fieldValues", **page)

    def fieldValueByName(self, info: Info, name: str) -> ValueView | None:
        return next((v for v in self._values() if v.field_.name == name), None)


class ValueView:
    """One field value of an item: text, number, date, single-select (name + option id) or iteration."""

    def __init__(self, item: ItemView, pfield: ProjectField, value: Any) -> None:
        self.item_, self.field_ = item, pfield
        kind = {"SINGLE_SELECT": "SingleSelect", "NUMBER": "Number", "DATE": "Date",
                "ITERATION": "Iteration"}.get(pfield.data_type, "Text")
        self.typename = f"ProjectV2ItemField{kind}Value"
        self.id = f"PVTFSV_{item.id[5:]}{pfield.id[-6:]}"
        self.databaseId = item.databaseId
        meta = item.ctx.store.value_meta(item.item_, pfield.id)
        self.createdAt, self.updatedAt = meta.created_at, meta.updated_at
        self.creator = ActorView(item.ctx, meta.creator)
        self.text = value if kind == "Text" else None
        self.number = float(value) if kind == "Number" else None
        self.date = value if kind == "Date" else None
        self.optionId = value if kind == "SingleSelect" else None
        self.name = self.nameHTML = pfield.option_name(value) if kind == "SingleSelect" else None
        self.color, self.description = "GRAY", ""
        self.iterationId, self.title, self.titleHTML = value, value, value
        self.startDate, self.duration = "2026-01-05", 14

    def field(self, info: Info) -> FieldView:
        return FieldView(self.item_.ctx, self.item_.project_, self.field_)

    def item(self, info: Info) -> ItemView:
        return self.item_
