"""``POST /graphql`` of the GitHub emulator, executed by graphql-core against the official types.

The schema is ``schema.graphql`` beside this module: official GitHub definitions, trimmed to what
the emulator serves. Errors come back as HTTP 200 with ``errors[]`` carrying GitHub's ``type``
(``NOT_FOUND``, ``FORBIDDEN``, ``INSUFFICIENT_SCOPES``, ``RATE_LIMITED``, …) and ``message``.
A document costs ``max(1, round(requests / 100))`` points, the requests being what it takes to fill
every connection, as GitHub computes it; mutations changing state count as writes. Every change is
made as the token's account (board values' ``creator``, label and transfer events' ``actor``).

``repository(owner:, name:)`` follows a renamed repository's old name unless ``followRenames:
false`` [spec: the official schema, "a repository referenced by its old name will return an
error"]. Top-level mutation fields run one after another and a failing one leaves the others
applied: its alias is ``null`` in ``data`` and its error carries ``path: [alias]`` [GraphQL spec,
"Executing mutations"; research github.md §6]. The fault middleware can ask for one alias of a
mutation document to fail with ``NOT_FOUND`` that way (:data:`FAIL_ALIAS`).
"""

from __future__ import annotations

import json
import time
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import graphql
from graphql import GraphQLError, GraphQLSchema, language
from starlette.responses import JSONResponse, Response

from roadsync.sandbox.github.gateway import Gateway, GithubSite
from roadsync.sandbox.github.graphql_mutations import MutationRoot, label_by_node
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
from roadsync.sandbox.github.secondary import MUTATION_POINTS, QUERY_POINTS
from roadsync.sandbox.http import FAIL_ALIAS, Exchange, Route

__all__ = ["ROUTES", "GraphqlSite", "execute", "parse_document", "schema"]

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


NODE_IDS = 100
"""The most ids one ``nodes(ids:)`` field takes."""


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
        return OwnerView(self.ctx, self.ctx.actor, "User")

    def repository(self, info: Info, owner: str, name: str, followRenames: bool = True) -> RepoView:
        repo = self.ctx.store.repo(f"{owner}/{name}")
        if repo is None and followRenames:
            repo = self.ctx.store.renamed_repo(f"{owner}/{name}")
        if repo is None or not self.ctx.can_read(repo):
            raise GqlError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return RepoView(self.ctx, repo)

    def node(self, info: Info, id: str) -> Any:
        found = self._node(id)
        if found is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{id}'")
        return found

    def nodes(self, info: Info, ids: list[str]) -> list[Any]:
        """At most :data:`NODE_IDS` ids a ``nodes`` field; more is an ``ARGUMENT_LIMIT`` error, and
        as the field is non-null (``[Node]!``) the whole answer's ``data`` is null. Each ``nodes``
        field of a document has its own cap (two aliased fields of 99 answer 198 nodes). Source: the
        answer GitHub gave to 101 ids, quoted in sourcecred/sourcecred#908
        (https://github.com/sourcecred/sourcecred/pull/908)."""
        if len(ids) > NODE_IDS:
            raise GqlError("ARGUMENT_LIMIT",
                           f"You may not provide more than {NODE_IDS} node ids; you provided {len(ids)}.")
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
        label = label_by_node(self.ctx, nid)
        if label is not None:
            return label
        repo = next((r for r in store.repos.values() if r.node_id == nid), None)
        return RepoView(self.ctx, repo) if repo and self.ctx.can_read(repo) else None

    def rateLimit(self, info: Info, dryRun: bool = False) -> dict[str, Any]:
        return self.ctx.rate


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


class GraphqlSite(GithubSite):
    """``POST /graphql``'s hooks: GraphQL's 401 body, the queued secondary limit first, then the
    document parsed and validated (errors answer 200), its points against the configured
    secondary limits, and the route's handler (:func:`execute`)."""

    def authenticate(self, exchange: Exchange) -> Response | None:
        exchange.grant = self.gateway.grant_of(exchange.request)
        if exchange.grant is None:
            return JSONResponse({"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
                                status_code=401, headers=self.gateway.headers(None, "graphql"))
        return None

    def admit(self, exchange: Exchange) -> Response | None:
        return self.gateway.secondary(exchange.grant, "graphql")

    def call(self, exchange: Exchange) -> Response:
        gateway, grant, request = self.gateway, exchange.grant, exchange.request
        try:
            payload = json.loads(exchange.raw or b"{}")
        except ValueError:
            payload = None
        prepared = _prepare(payload)
        if isinstance(prepared, dict):
            return JSONResponse(prepared, headers=gateway.headers(grant, "graphql"))
        operation = prepared.operation
        exchange.endpoint = f"graphql:{operation.name.value if operation.name else operation.operation.value}"
        mutation = operation.operation.value == "mutation"
        limited = gateway.secondary_limited(grant, "POST", graphql_points=MUTATION_POINTS if mutation
                                            else QUERY_POINTS, mutation=mutation)
        if limited is not None:
            return limited
        base = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
        ctx = GqlContext(gateway.store, base, grant.projects, grant.scopes, grant.can_read, grant.can_write,
                         actor=gateway.actor(grant), grant=grant)
        body = exchange.route.handler(gateway, ctx, payload, prepared, request.scope.get(FAIL_ALIAS))
        exchange.wrote = ctx.changed
        return JSONResponse(body, headers=gateway.headers(grant, "graphql"))


class _Prepared:
    def __init__(self, document: language.DocumentNode, operation: language.OperationDefinitionNode) -> None:
        self.document, self.operation = document, operation


def _prepare(payload: Any) -> _Prepared | dict[str, Any]:
    """The parsed, validated document and its operation, or the error body GitHub answers."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
    name = payload.get("operationName")
    if name is None or isinstance(name, str):
        return _prepared(payload["query"], name)
    return _prepared.__wrapped__(payload["query"], name)


@lru_cache(maxsize=256)
def _prepared(query: str, operation_name: Any) -> _Prepared | dict[str, Any]:
    """:func:`_prepare` of one document text: the same answer for the same text (the schema does
    not change while the emulator runs), so a paged query is parsed and validated once."""
    try:
        document = parse_document(query)
    except GraphQLError as exc:
        return {"errors": [_format(exc)]}
    problems = graphql.validate(schema(), document)
    if problems:
        return {"errors": [_format(p) for p in problems]}
    operation = graphql.get_operation_ast(document, operation_name)
    if operation is None:
        return {"errors": [{"message": "An operation name is required"}]}
    return _Prepared(document, operation)


@lru_cache(maxsize=256)
def parse_document(query: str) -> language.DocumentNode:
    """``graphql.parse`` of ``query``, kept for the next request with the same text (execution
    never changes a document); raises :class:`GraphQLError` as ``parse`` does."""
    return graphql.parse(query)


def execute(gateway: Gateway, ctx: GqlContext, payload: dict[str, Any], prepared: _Prepared,
             fail_draw: float | None) -> dict[str, Any]:
    """The answer body of one prepared document: its points charged, run under the store's lock
    (a mutation's alias picked by ``fail_draw`` fails with NOT_FOUND)."""
    variables = payload.get("variables") or {}
    points = cost(prepared.document, variables)
    if not gateway.ratelimit.charge("graphql", points):
        return {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]}
    budget = gateway.ratelimit.peek("graphql")
    ctx.rate = {"limit": budget.limit, "remaining": budget.remaining, "used": budget.used, "cost": points,
                "nodeCount": 0, "resetAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(budget.reset))}
    mutation = prepared.operation.operation.value == "mutation"
    root: Any = MutationRoot(ctx) if mutation else QueryRoot(ctx)
    failing = mutation and fail_draw is not None
    middleware = [_failing(_alias(prepared.operation, fail_draw or 0.0))] if failing else None
    with gateway.store.lock:
        result = graphql.execute_sync(schema(), prepared.document, root_value=root, context_value=ctx,
                                      variable_values=variables, operation_name=payload.get("operationName"),
                                      middleware=middleware)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(e) for e in result.errors]
    return body


def _alias(operation: language.OperationDefinitionNode, draw: float) -> str:
    """The response key (alias or field name) of the top-level field ``draw`` picks."""
    keys = [(f.alias or f.name).value for f in operation.selection_set.selections
            if isinstance(f, language.FieldNode)]
    return keys[min(int(draw * len(keys)), len(keys) - 1)] if keys else ""


def _failing(alias: str) -> Any:
    """graphql-core middleware: the mutation field answering under ``alias`` fails with NOT_FOUND."""

    def middleware(resolve: Any, root: Any, info: Info, **args: Any) -> Any:
        if info.parent_type.name == "Mutation" and info.path.key == alias:
            given = args.get("input") or {}
            nid = next((given[k] for k in ("itemId", "labelableId", "issueId", "contentId", "projectId")
                        if k in given), "")
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{nid}'")
        return resolve(root, info, **args)

    return middleware


ROUTES: list[Route] = [Route("POST", "/graphql", execute, {"resource": "graphql"})]
