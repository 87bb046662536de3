"""``POST /graphql`` of the GitHub emulator, executed by graphql-core against the official types.

The schema is ``schema.graphql`` beside this module: official GitHub definitions, trimmed to what
the emulator serves. Errors come back as HTTP 200 with ``errors[]`` carrying GitHub's ``type``
(``NOT_FOUND``, ``FORBIDDEN``, ``INSUFFICIENT_SCOPES``, ``RATE_LIMITED``, …) and ``message``.
A document costs ``max(1, round(requests / 100))`` points, the requests being what it takes to fill
every connection, as GitHub computes it; mutations changing state count as writes.
"""

from __future__ import annotations

import json
import time
from functools import cache
from importlib import resources
from typing import Any

import graphql
from graphql import GraphQLError, GraphQLSchema, language
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from roadsync.sandbox.github.gateway import Gateway
from roadsync.sandbox.github.graphql_views import (
    GqlContext,
    GqlError,
    Info,
    IssueView,
    ItemView,
    OwnerView,
    ProjectView,
    RepoView,
)

__all__ = ["graphql_endpoint", "schema"]

DOCS = "https://docs.github.com/graphql"


@cache
def schema() -> GraphQLSchema:
    """The served schema; abstract types resolve through each view's ``typename``."""
    text = resources.files("roadsync.sandbox.github").joinpath("schema.graphql").read_text("utf-8")
    built = graphql.build_schema(text)
    for named in built.type_map.values():
        if isinstance(named, (graphql.GraphQLInterfaceType, graphql.GraphQLUnionType)):
            named.resolve_type = lambda value, _info, _type: value.typename
    return built


class QueryRoot:
    def __init__(self, ctx: GqlContext) -> None:
        self.ctx = ctx

    def organization(self, info: Info, login: str) -> OwnerView:
        if login.lower() != self.ctx.store.owner.lower():
            raise GqlError("NOT_FOUND", f"Could not resolve to an Organization with the login of '{login}'.")
        return OwnerView(self.ctx, self.ctx.store.owner, "Organization")

    def user(self, info: Info, login: str) -> OwnerView:
        known = {self.ctx.store.user_login.lower()} | {p.owner.lower() for p in self.ctx.store.projects}
        if login.lower() not in known or login.lower() == self.ctx.store.owner.lower():
            raise GqlError("NOT_FOUND", f"Could not resolve to a User with the login of '{login}'.")
        return OwnerView(self.ctx, login, "User")

    def viewer(self, info: Info) -> OwnerView:
        return OwnerView(self.ctx, self.ctx.store.user_login, "User")

    def repository(self, info: Info, owner: str, name: str, followRenames: bool = True) -> RepoView:
        repo = self.ctx.store.repo(f"{owner}/{name}")
        if repo is None or not self.ctx.can_read(repo):
            raise GqlError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return RepoView(self.ctx, repo)

    def node(self, info: Info, id: str) -> Any:
        found = self._node(id)
        if found is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{id}'")
        return found

    def nodes(self, info: Info, ids: list[str]) -> list[Any]:
        return [self._node(i) for i in ids]

    def _node(self, nid: str) -> Any:
        store = self.ctx.store
        if nid.startswith(("PVT_", "PVTI_", "PVTF_", "PVTSSF_", "PVTIF_")):
            self.ctx.check_projects("node")
        for project in store.projects:
            if project.id == nid:
                return ProjectView(self.ctx, project)
            item = store.item_by_id(project, nid)
            if item is not None:
                return ItemView(self.ctx, project, item)
            pfield = project.field_by_id(nid)
            if pfield is not None:
                return ProjectView(self.ctx, project).field(None, pfield.name)  # type: ignore[arg-type]
        issue = store.issue_by_node(nid)
        if issue is not None and self.ctx.can_read(store.repos[issue.repo]):
            return IssueView(self.ctx, issue)
        repo = next((r for r in store.repos.values() if r.node_id == nid), None)
        return RepoView(self.ctx, repo) if repo and self.ctx.can_read(repo) else None

    def rateLimit(self, info: Info, dryRun: bool = False) -> dict[str, Any]:
        return self.ctx.rate


class MutationRoot:
    def __init__(self, ctx: GqlContext) -> None:
        self.ctx = ctx

    def _project(self, pid: str) -> Any:
        self.ctx.check_projects("addProjectV2ItemById")
        project = self.ctx.store.project_by_id(pid)
        if project is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{pid}'")
        return project

    def _item(self, project: Any, item_id: str) -> Any:
        item = self.ctx.store.item_by_id(project, item_id)
        if item is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{item_id}'")
        return item

    def _field(self, project: Any, field_id: str) -> Any:
        pfield = project.field_by_id(field_id)
        if pfield is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{field_id}'")
        return pfield

    def addProjectV2ItemById(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        issue = self.ctx.store.issue_by_node(input["contentId"])
        if issue is None or not self.ctx.can_read(self.ctx.store.repos[issue.repo]):
            content = input["contentId"]
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{content}'")
        item, added = self.ctx.store.add_item(project, issue)
        self.ctx.changed |= added
        return {"clientMutationId": input.get("clientMutationId"), "item": ItemView(self.ctx, project, item)}

    def updateProjectV2ItemFieldValue(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        item = self._item(project, input["itemId"])
        pfield = self._field(project, input["fieldId"])
        value = _field_value(pfield, input["value"])
        self.ctx.changed |= self.ctx.store.set_value(project, item, pfield, value)
        return {"clientMutationId": input.get("clientMutationId"),
                "projectV2Item": ItemView(self.ctx, project, item)}

    def clearProjectV2ItemFieldValue(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        item = self._item(project, input["itemId"])
        pfield = self._field(project, input["fieldId"])
        self.ctx.changed |= self.ctx.store.set_value(project, item, pfield, None)
        return {"clientMutationId": input.get("clientMutationId"),
                "projectV2Item": ItemView(self.ctx, project, item)}

    def deleteProjectV2Item(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        item = self._item(project, input["itemId"])
        project.items.remove(item)
        del project.by_issue[item.issue.node_id]
        self.ctx.changed = True
        return {"clientMutationId": input.get("clientMutationId"), "deletedItemId": item.id}


def _field_value(pfield: Any, value: dict[str, Any]) -> Any:
    """The stored value for a ``ProjectV2FieldValue`` input, checked against the field's type."""
    given = {k: v for k, v in value.items() if v is not None}
    expected = {"TEXT": "text", "NUMBER": "number", "DATE": "date", "SINGLE_SELECT": "singleSelectOptionId",
                "ITERATION": "iterationId"}.get(pfield.data_type)
    if expected is None:
        raise GqlError("UNPROCESSABLE", f"The field of type {pfield.data_type} is currently not supported.")
    if list(given) != [expected]:
        raise GqlError("UNPROCESSABLE", f"Did not receive a {expected.replace('Id', ' id')} value to update "
                       f"a field of type {pfield.data_type.lower()}")
    if expected == "singleSelectOptionId" and pfield.option_name(given[expected]) is None:
        raise GqlError("UNPROCESSABLE", "The single select option Id does not belong to the field")
    return float(given[expected]) if expected == "number" else given[expected]


def _format(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    out: dict[str, Any] = {}
    if isinstance(original, GqlError):
        out["type"] = original.kind
    elif error.extensions:
        out["extensions"] = error.extensions
    if error.path:
        out["path"] = error.path
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["message"] = original.message if isinstance(original, GqlError) else error.message
    return out


def cost(document: language.DocumentNode, variables: dict[str, Any]) -> int:
    """GitHub's query cost: requests needed to fill every connection, divided by 100, at least 1."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, language.FragmentDefinitionNode)}

    def walk(selections: Any, multiplier: int) -> int:
        total = 0
        for node in selections or ():
            if isinstance(node, language.FragmentSpreadNode):
                total += walk(fragments[node.name.value].selection_set.selections, multiplier)
                continue
            inner = multiplier
            if isinstance(node, language.FieldNode):
                size = _page_size(node, variables)
                if size:
                    total += multiplier
                    inner = multiplier * size
            if node.selection_set is not None:
                total += walk(node.selection_set.selections, inner)
        return total

    requests = sum(walk(d.selection_set.selections, 1) for d in document.definitions
                   if isinstance(d, language.OperationDefinitionNode) and d.operation.value == "query")
    return max(1, round(requests / 100))


def _page_size(node: language.FieldNode, variables: dict[str, Any]) -> int:
    for arg in node.arguments or ():
        if arg.name.value in ("first", "last"):
            value = graphql.value_from_ast_untyped(arg.value, variables)
            return value if isinstance(value, int) else 0
    return 0


def graphql_endpoint(gateway: Gateway) -> Any:
    """The starlette endpoint for ``POST /graphql``."""

    async def run(request: Request) -> Response:
        grant = gateway.grant_of(request)
        if grant is None:
            return JSONResponse({"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
                                status_code=401, headers=gateway.headers(None, "graphql"))
        limited = gateway.secondary(grant, "graphql")
        if limited is not None:
            return limited
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            payload = None
        base = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
        ctx = GqlContext(gateway.store, base, grant.projects, grant.scopes, grant.can_read, grant.can_write)
        body = _execute(gateway, ctx, payload)
        gateway.stats.count("github", write=ctx.changed)
        return JSONResponse(body, headers=gateway.headers(grant, "graphql"))

    return run


def _execute(gateway: Gateway, ctx: GqlContext, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
    try:
        document = graphql.parse(payload["query"])
    except GraphQLError as exc:
        return {"errors": [_format(exc)]}
    problems = graphql.validate(schema(), document)
    if problems:
        return {"errors": [_format(p) for p in problems]}
    variables = payload.get("variables") or {}
    points = cost(document, variables)
    if not gateway.ratelimit.charge("graphql", points):
        return {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]}
    budget = gateway.ratelimit.peek("graphql")
    ctx.rate = {"limit": budget.limit, "remaining": budget.remaining, "used": budget.used, "cost": points,
                "nodeCount": 0, "resetAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(budget.reset))}
    operation = graphql.get_operation_ast(document, payload.get("operationName"))
    root: Any = MutationRoot(ctx) if operation and operation.operation.value == "mutation" else QueryRoot(ctx)
    with gateway.store.lock:
        result = graphql.execute_sync(schema(), document, root_value=root, context_value=ctx,
                                 variable_values=variables, operation_name=payload.get("operationName"))
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(e) for e in result.errors]
    return body
