"""What JQL clauses mean: compile a parsed :class:`~.jql.Query` into a predicate over issues,
the projects it is restricted to, and sort keys. Unknown fields, operators and values raise
:class:`~.jql.JqlError` (Jira answers those with 400), never a silently wrong answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .catalog import Catalog
from .jql import And, Clause, Expr, JqlError, Not, Or, Query
from .model import JiraIssue

__all__ = ["CompiledQuery", "EvalContext", "compile_query"]

Predicate = Callable[[JiraIssue], bool]
_CATEGORY_ORDER = {"new": 0, "indeterminate": 1, "done": 2}
_CATEGORIES = {
    "new": "new",
    "to do": "new",
    "2": "new",
    "indeterminate": "indeterminate",
    "in progress": "indeterminate",
    "4": "indeterminate",
    "done": "done",
    "3": "done",
}
_FIELDS = {
    "project": "project",
    "key": "key",
    "issuekey": "key",
    "id": "key",
    "status": "status",
    "statuscategory": "statusCategory",
    "issuetype": "issuetype",
    "type": "issuetype",
    "parent": "parent",
    "epic link": "epic",
    "labels": "labels",
    "priority": "priority",
    "component": "component",
    "assignee": "assignee",
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
    "summary": "summary",
}
_DATE_FIELDS = {"created", "updated"}
_SET_OPS = {"=", "!=", "in", "not in", "is", "is not"}
_DATE_OPS = {"=", "!=", ">", ">=", "<", "<=", "is", "is not"}
_RELATIVE = re.compile(r"^([-+]?)(\d+)([wdhm])$")
_RELATIVE_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


@dataclass(frozen=True)
class EvalContext:
    catalog: Catalog
    resolve: Callable[[str], JiraIssue | None]  # visible issues by key or id (old keys too)
    visible: Callable[[str], bool]  # may the caller browse this project?
    now: datetime


@dataclass(frozen=True)
class CompiledQuery:
    predicate: Predicate
    projects: frozenset[str] | None  # the issues can only be in these projects (None: any)
    sort: tuple[tuple[Callable[[JiraIssue], Any], bool], ...]  # (key, descending), major first

    def order(self, matches: list[JiraIssue]) -> list[JiraIssue]:
        """``matches`` in query order: ORDER BY keys (empty values last ascending), then key."""
        matches.sort(key=lambda i: (i.project, i.number))
        for sort_key, descending in reversed(self.sort):
            matches.sort(key=_none_last(sort_key), reverse=descending)
        return matches


def compile_query(query: Query, ctx: EvalContext) -> CompiledQuery:
    """Compile ``query`` for ``ctx``; raises :class:`JqlError` for anything unsupported."""
    predicate: Predicate = _compile(query.where, ctx) if query.where is not None else (lambda _i: True)
    projects = _projects(query.where, ctx) if query.where is not None else None
    sort = tuple((_sort_key(s.field, ctx), s.descending) for s in query.order_by)
    return CompiledQuery(predicate, projects, sort)


def _field(name: str) -> str:
    canonical = _FIELDS.get(name.lower())
    if canonical is None:
        raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")
    return canonical


def _compile(expr: Expr, ctx: EvalContext) -> Predicate:
    if isinstance(expr, And):
        parts = [_compile(e, ctx) for e in expr.operands]
        return lambda issue: all(p(issue) for p in parts)
    if isinstance(expr, Or):
        parts = [_compile(e, ctx) for e in expr.operands]
        return lambda issue: any(p(issue) for p in parts)
    if isinstance(expr, Not):
        inner = _compile(expr.operand, ctx)
        return lambda issue: not inner(issue)
    return _clause(expr, ctx)


def _clause(clause: Clause, ctx: EvalContext) -> Predicate:
    field = _field(clause.field)
    if clause.op in ("is", "is not") and clause.values != (None,):
        raise JqlError(
            f"Error in the JQL Query: The operator '{clause.op.upper()}' can only be used "
            "with the values 'EMPTY' or 'NULL'."
        )
    if field in _DATE_FIELDS:
        return _date_clause(field, clause, ctx)
    if clause.op not in _SET_OPS or field == "summary":
        raise JqlError(f"The operator '{clause.op}' is not supported by the '{clause.field}' field.")
    getter = _getter(field, ctx)
    wanted = [None if v is None else _normalize(field, v, ctx) for v in clause.values]
    return _set_match(clause.op, getter, wanted)


def _set_match(op: str, getter: Callable[[JiraIssue], list[Any]], wanted: list[Any]) -> Predicate:
    values = {w for w in wanted if w is not None}
    empty_wanted = None in wanted

    def positive(issue: JiraIssue) -> bool:
        actual = getter(issue)
        return (not actual) if empty_wanted and not actual else any(a in values for a in actual)

    if op in ("=", "in", "is"):
        return positive
    # Jira's negative operators never match issues whose field is empty (unless EMPTY is named).
    return lambda issue: bool(getter(issue)) and not positive(issue)


def _getter(field: str, ctx: EvalContext) -> Callable[[JiraIssue], list[Any]]:
    catalog = ctx.catalog
    if field == "statusCategory":
        return lambda i: [catalog.status(i.status).category]
    if field in ("parent", "epic"):
        return _parent_getter(field, ctx)
    attribute = {"issuetype": "type", "component": "components"}.get(field, field)

    def get(issue: JiraIssue) -> list[Any]:
        value = getattr(issue, attribute)
        if isinstance(value, list):
            return value
        return [] if value is None else [value.lower() if field != "key" else value]

    return get


def _parent_getter(field: str, ctx: EvalContext) -> Callable[[JiraIssue], list[Any]]:
    def is_subtask(issue: JiraIssue) -> bool:
        kind = ctx.catalog.issue_type(issue.type)
        return kind is not None and kind.subtask

    def get(issue: JiraIssue) -> list[Any]:
        if issue.parent is None:
            return []
        # DC: `parent` is for sub-tasks only, epics go through "Epic Link"; Cloud: parent is both.
        if field == "parent" and ctx.catalog.flavor == "datacenter" and not is_subtask(issue):
            return []
        if field == "epic" and is_subtask(issue):
            return []
        return [issue.parent]

    return get


def _normalize(field: str, raw: str, ctx: EvalContext) -> Any:
    catalog = ctx.catalog
    found: Any = None
    if field == "project":
        project = catalog.project(raw) or next(
            (p for p in catalog.projects.values() if raw.lower() in (p.name.lower(), p.id)), None
        )
        found = project.key.lower() if project and ctx.visible(project.key) else None
    elif field in ("key", "parent", "epic"):
        issue = ctx.resolve(raw)
        if issue is None:
            label = {"epic": "Epic Link"}.get(field, field)
            raise JqlError(f"An issue with key '{raw}' does not exist for field '{label}'.")
        return issue.key
    elif field == "status":
        status = catalog.find_status(raw) or next((s for s in catalog.statuses if s.id == raw), None)
        found = status.name.lower() if status else None
    elif field == "statusCategory":
        found = _CATEGORIES.get(raw.lower())
    elif field == "issuetype":
        kind = catalog.issue_type(raw) or next((t for t in catalog.issue_types if t.id == raw), None)
        found = kind.name.lower() if kind else None
    elif field == "priority":
        priority = catalog.priority(raw) or catalog.priority_by_id(raw)
        found = priority.name.lower() if priority else None
    elif field == "component":
        names = {c for p in catalog.projects.values() for c in p.components}
        found = raw if raw in names else None
    else:  # labels, assignee: free values
        return raw if field == "labels" else raw.lower()
    if found is None:
        raise JqlError(f"The value '{raw}' does not exist for the field '{field}'.")
    return found


def _date_clause(field: str, clause: Clause, ctx: EvalContext) -> Predicate:
    if clause.op not in _DATE_OPS:
        raise JqlError(f"The operator '{clause.op}' is not supported by the '{clause.field}' field.")
    if clause.op in ("is", "is not"):
        return lambda _i: clause.op == "is not"  # created/updated are never empty
    when = _parse_date(clause.values[0], clause.field, ctx.now)
    compare: dict[str, Callable[[datetime], bool]] = {
        "=": lambda d: d == when,
        "!=": lambda d: d != when,
        ">": lambda d: d > when,
        ">=": lambda d: d >= when,
        "<": lambda d: d < when,
        "<=": lambda d: d <= when,
    }
    test = compare[clause.op]
    return lambda issue: test(getattr(issue, field))


def _parse_date(raw: str | None, name: str, now: datetime) -> datetime:
    if raw is not None:
        relative = _RELATIVE.match(raw.strip())
        if relative:
            sign = -1 if relative.group(1) == "-" else 1
            delta = timedelta(**{_RELATIVE_UNITS[relative.group(3)]: int(relative.group(2))})
            return (now + sign * delta).replace(second=0, microsecond=0)
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(raw.strip(), pattern).replace(tzinfo=timezone.utc)
            except ValueError:
                continue
    raise JqlError(
        f"Date value '{raw}' for field '{name}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


def _projects(expr: Expr, ctx: EvalContext) -> frozenset[str] | None:
    if isinstance(expr, And):
        known = [p for p in (_projects(e, ctx) for e in expr.operands) if p is not None]
        return frozenset.intersection(*known) if known else None
    if isinstance(expr, Or):
        parts = [_projects(e, ctx) for e in expr.operands]
        return None if any(p is None for p in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
    if isinstance(expr, Clause) and expr.op in ("=", "in") and None not in expr.values:
        field = _field(expr.field)
        if field == "project":
            return frozenset(str(_normalize("project", str(v), ctx)).upper() for v in expr.values)
        if field == "key":
            return frozenset(str(_normalize("key", str(v), ctx)).rsplit("-", 1)[0] for v in expr.values)
    return None


def _sort_key(name: str, ctx: EvalContext) -> Callable[[JiraIssue], Any]:
    field = _FIELDS.get(name.lower())
    catalog = ctx.catalog
    keys: dict[str, Callable[[JiraIssue], Any]] = {
        "key": lambda i: (i.project, i.number),
        "created": lambda i: i.created,
        "updated": lambda i: i.updated,
        "summary": lambda i: i.summary.lower(),
        "project": lambda i: i.project,
        "issuetype": lambda i: i.type.lower(),
        "status": lambda i: next(
            n for n, s in enumerate(catalog.statuses) if s.name == catalog.status(i.status).name
        ),
        "statusCategory": lambda i: _CATEGORY_ORDER[catalog.status(i.status).category],
        "priority": lambda i: -p.rank if i.priority and (p := catalog.priority(i.priority)) else None,
    }
    if field is None or field not in keys:
        raise JqlError(f"Error in the JQL Query: Not able to sort using field '{name}'.")
    return keys[field]


def _none_last(key: Callable[[JiraIssue], Any]) -> Callable[[JiraIssue], tuple[bool, Any]]:
    """A sort key where empty values sort as the largest (last ascending, first descending)."""

    def wrapped(issue: JiraIssue) -> tuple[bool, Any]:
        value = key(issue)
        return (value is None, value)

    return wrapped
