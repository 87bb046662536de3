"""Every request roadsync itself sends is valid against the trackers' official API descriptions.

The sandbox records each API request it receives (``start_sandbox(..., record_requests=True)``;
method, path, query, content type, body; never auth headers) while the real CLI runs ``doctor``,
``pull --full``, ``plan --out``, ``apply PLAN``, ``sync`` (first sync, after a roadmap change, with
a GitHub issue type target) and ``report``, so every connector path that talks to a tracker runs
through the real jira library, PyGithub and httpx. Then each recorded request is checked:

- Jira against Atlassian's Cloud v3 OpenAPI (``tests/api/jira-cloud-v3.json``) with
  openapi-core: the path exists with that method, query parameters are declared and valid, the JSON
  body is valid against the operation's requestBody. roadsync talks ``/rest/api/2`` by default; v3
  documents the same paths and shapes under ``/rest/api/3`` (only rich text differs: ADF in v3,
  plain strings in v2, and roadsync sends no rich text), so ``/rest/api/2/`` is mapped to
  ``/rest/api/3/`` for validation. Data Center has no v3, but every path roadsync sends it (the old
  ``GET /search`` included) is in the Cloud description with the same shape, so both flavours are
  validated, and a DC path missing there would fail the test rather than be skipped.
- GitHub REST against GitHub's OpenAPI subset (``tests/api/github-rest.json``), the same way.
- GitHub GraphQL documents with graphql-core against the official schema: the document validates,
  and the variables sent coerce to the operation's variable definitions (required ones present,
  input objects well formed, none undeclared).

Stricter than openapi-core alone: query parameters an operation does not declare are refused
(openapi-core ignores them), and string formats (``date-time`` for GitHub's ``since``) are checked.
The validation request objects carry a fixed fake ``Authorization`` header (Jira's operations list
basicAuth); auth is not what is validated here, and the sandbox token is never used.

Relaxations, each narrow and explained where it is made: the Jira description fails its own
OpenAPI self-check (a bug in a parameter unrelated to roadsync), so it is loaded without that
check; ``GET /meta`` (doctor's anonymous reachability probe) is absent from the GitHub subset and
is checked against the full description's operation (no parameters, no body) by hand.

The Jira description types an issue property's value in ``POST /issue/properties/multi`` as
``JsonNode``, a schema generated from Jackson's Java bean (``{"array": bool, "bigDecimal": bool, ...}``
with no other member allowed), which its own example (``{"owner": "admin", "weight": 100}``)
fails; the operation says any "valid, non-empty JSON" is taken. Those values are checked to be
non-empty JSON objects here, then validated as ``{"object": true}`` (:func:`_property_values`).

Not a relaxation: the description allows only ``{"labels": [...]}`` for adding labels to an issue,
though GitHub also accepts a bare array (which PyGithub's ``add_to_labels`` sends); roadsync sends
the object, and the test asserts it.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import graphql
import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from roadsync.cli import main
from tests.paths import API

if TYPE_CHECKING:
    from roadsync.sandbox.recorder import RecordedRequest, Tracker
    from roadsync.sandbox.server import Sandbox


JIRA_SPEC = API / "jira-cloud-v3.json"
GITHUB_SPEC = API / "github-rest.json"
GRAPHQL_SCHEMA = API / "github-graphql.schema.graphql"

Template = tuple[str, str]  # (method, path template as the description spells it)

# GET /meta is in GitHub's full description (npm @octokit/openapi 23.0.2,
# generated/api.github.com.json: operationId meta/get, no parameters, no requestBody) but not in
# the 43-path subset kept in tests/api. Checked by hand against that operation instead.
NOT_IN_SUBSET: Mapping[Template, str] = {("GET", "/meta"): "meta/get takes no parameters and no body"}

# The REST list of Projects v2 items is newer than that subset too. Checked by hand against its
# reference ("List items for an organization owned project" / "...user owned project",
# https://docs.github.com/rest/projects/items): no body; query ``q`` (a projects filter), ``fields``
# (field ids), ``before`` / ``after`` (cursors from the link header), ``per_page`` (at most 100).
PROJECT_ITEMS = re.compile(r"^/(orgs|users)/[^/]+/projectsV2/\d+/items$")
PROJECT_ITEMS_QUERY = frozenset({"q", "fields", "fields[]", "before", "after", "per_page"})


def project_items_problems(request: RecordedRequest) -> list[str]:
    """Why a REST project items list request breaks its documented parameters; empty when valid."""
    query = parse_qsl(request.query, keep_blank_values=True)
    problems = [f"undeclared query parameter {n!r}" for n, _ in query if n not in PROJECT_ITEMS_QUERY]
    pages = [value for name, value in query if name == "per_page"]
    problems += [f"per_page {value!r} is not 1..100" for value in pages if not 1 <= int(value or 0) <= 100]
    problems += ["a body on a GET"] if request.body else []
    return [f"{request.method} {request.target}: {problem}" for problem in problems]

# -- the official descriptions --------------------------------------------------------------------

# A fixed, fake credential for the validation request objects (never the sandbox token): Jira's
# operations list basicAuth among their security requirements. GitHub's description has none.
FAKE_AUTHORIZATION = "Basic " + base64.b64encode(b"validator@example.com:not-a-token").decode()


@dataclass
class SpecRequest:
    """A recorded request in openapi-core's ``Request`` protocol (repeated query keys kept)."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None


@dataclass(frozen=True)
class Api:
    """One OpenAPI description, where it is served, and how a sent path maps onto its paths."""

    description: dict[str, Any]
    openapi: OpenAPI
    to_spec_path: Callable[[str], str]

    @property
    def host_url(self) -> str:
        return str(self.description["servers"][0]["url"])

    def template(self, request: RecordedRequest) -> str | None:
        """The path template ``request`` matches with its method defined, or None."""
        path, paths = self.to_spec_path(request.raw_path), self.description["paths"]
        for pattern, template in _matchers(tuple(paths)):
            if pattern.match(path) and request.method.lower() in paths[template]:
                return template
        return None

    def problems(self, request: RecordedRequest) -> list[str]:
        """Why ``request`` is invalid against the description; empty when it is valid."""
        template = self.template(request)
        if template is None:
            return [f"{request.method} {request.target}: no such operation in the description"]
        undeclared = sorted(self._undeclared_query(template, request))
        problems = [f"undeclared query parameter {name!r}" for name in undeclared]
        try:
            self.openapi.validate_request(self._spec_request(request))
        except Exception as exc:  # openapi-core raises one of many validation error types
            cause = exc.__cause__
            problems.append(f"{type(exc).__name__}: {exc}" + (f" ({cause})" if cause else ""))
        return [f"{request.method} {request.target}: {p}" for p in problems]

    def _spec_request(self, request: RecordedRequest) -> SpecRequest:
        body = request.body or None
        if body and self.template(request) == "/rest/api/3/issue/properties/multi":
            body = _property_values(body)
        # The path stays percent-encoded as sent, so a label name with "/" stays one segment.
        query = ImmutableMultiDict(parse_qsl(request.query, keep_blank_values=True))
        headers = Headers({"Authorization": FAKE_AUTHORIZATION})
        return SpecRequest(
            host_url=self.host_url,
            path=self.to_spec_path(request.raw_path),
            method=request.method.lower(),
            parameters=RequestParameters(query=query, header=headers, cookie=ImmutableMultiDict(), path={}),
            content_type=request.content_type or "application/json",
            body=body,
        )

    def _undeclared_query(self, template: str, request: RecordedRequest) -> set[str]:
        # openapi-core ignores query parameters an operation does not declare; this does not.
        item = self.description["paths"][template]
        params = [
            self._resolve(p)
            for p in (*item.get("parameters", []), *item[request.method.lower()].get("parameters", []))
        ]
        declared = {p["name"] for p in params if p["in"] == "query"}
        return {name for name, _ in parse_qsl(request.query, keep_blank_values=True)} - declared

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in node:
            target: Any = self.description
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node


@cache
def _property_values(body: bytes) -> bytes:
    """The bulk property body with each value, checked to be a non-empty JSON object, replaced by
    one the description's bean-shaped ``JsonNode`` schema accepts (see the module docstring)."""
    document = json.loads(body)
    for issue in document.get("issues") or []:
        values = issue.get("properties") or {}
        assert all(isinstance(v, dict) and v for v in values.values()), values
        issue["properties"] = {key: {"object": True} for key in values}
    return json.dumps(document).encode()


def _matchers(paths: tuple[str, ...]) -> list[tuple[re.Pattern[str], str]]:
    # Literal paths first, so /search/jql never matches a /search/{x} template.
    ordered = sorted(paths, key=lambda p: (p.count("{"), -len(p)))
    return [(re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)) + "$"), p) for p in ordered]


def jira_path(path: str) -> str:
    """The v3 path the description documents for a roadsync path (``/rest/api/2`` by default)."""
    return re.sub(r"^/rest/api/2/", "/rest/api/3/", path)


@cache
def jira_api() -> Api:
    description = dict(json.loads(JIRA_SPEC.read_text(encoding="utf-8")))
    # Atlassian's description fails openapi-spec-validator's self-check: a project-classification
    # parameter declares default '' outside its enum [PUBLISHED, ARCHIVED, DRAFT]. That bug says
    # nothing about requests, so the self-check is skipped; request validation itself is unchanged.
    openapi = OpenAPI.from_dict(description, config=Config(spec_validator_cls=None))
    return Api(description, openapi, jira_path)


@cache
def github_api() -> Api:
    description = dict(json.loads(GITHUB_SPEC.read_text(encoding="utf-8")))
    return Api(description, OpenAPI.from_dict(description), lambda path: path)


@cache
def graphql_schema() -> graphql.GraphQLSchema:
    # assume_valid: the published schema breaks an interface rule graphql-core checks before
    # anything else (see tests/api/README.md); documents are still validated in full.
    return graphql.build_schema(GRAPHQL_SCHEMA.read_text(encoding="utf-8"), assume_valid=True)


# -- GraphQL -------------------------------------------------------------------------------------


def graphql_problems(request: RecordedRequest) -> list[str]:
    """Why a ``POST /graphql`` body is invalid against the schema; empty when valid."""
    body = json.loads(request.body)
    extra = set(body) - {"query", "variables", "operationName"}
    if extra or not isinstance(body.get("query"), str):
        return [f"body keys {sorted(body)}: want query (+ variables, operationName)"]
    document = graphql.parse(body["query"])
    errors = graphql.validate(graphql_schema(), document)
    if errors:
        return [f"{operation_label(document)}: {e.message}" for e in errors]
    operation = graphql.get_operation_ast(document, body.get("operationName"))
    if operation is None:
        return ["no single operation to run (several and no operationName?)"]
    variables = body.get("variables") or {}
    definitions = operation.variable_definitions or ()
    declared = {d.variable.name.value for d in definitions}
    problems = [f"variable ${name} is not declared" for name in sorted(set(variables) - declared)]
    coerced = graphql.execution.values.get_variable_values(graphql_schema(), definitions, variables)
    if isinstance(coerced, list):  # the errors, when any variable is missing or does not coerce
        problems += [e.message for e in coerced]
    return [f"{operation_label(document)}: {p}" for p in problems]


def operation_label(document: graphql.DocumentNode) -> str:
    """``mutation RoadsyncFieldUpdates`` (kind and name of the document's first operation)."""
    for definition in document.definitions:
        if isinstance(definition, graphql.OperationDefinitionNode):
            name = definition.name.value if definition.name else "(anonymous)"
            return f"{definition.operation.value} {name}"
    return "(no operation)"


# -- the run ------------------------------------------------------------------------------------

FRAUD_BECOMES_TRUST = (
    'id = "fraud"\nname = "Fraud and risk"\npriority = "P1"',
    'id = "trust"\nname = "Trust and safety"\npriority = "P0"',
)
ALIGNMENT_AS_ISSUE_TYPES = (
    'github = { target = "issue_type", values = { aligned = "Feature", unaligned = "Task", '
    'paused = "Bug", retired = "Bug", inherited = "Feature" } }'
)


def run_roadsync(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drive every verb that talks to the trackers, in an order that makes every write kind happen."""
    config = sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    cli = _cli(config)
    plan = tmp_path / "plan.json"
    for verb in (["doctor"], ["pull", "--full"], ["plan", "--out", str(plan)], ["apply", str(plan)]):
        cli(*verb)
    cli("sync")
    # The roadmap moves: renamed themes make roadsync swap the tags it wrote (Jira remove + add in
    # one PUT with the new priority; GitHub DELETE + POST, creating the missing repo label), and a
    # person files an issue that is on no board (added with addProjectV2ItemById, then updated).
    _edit(config, FRAUD_BECOMES_TRUST)
    _edit(config, ('id = "mobile"', 'id = "apps"'))
    web = sandbox.github_store.repo("acme/web")
    assert web is not None
    sandbox.github_store.create_issue(
        web, {"title": "Checkout total flickers", "labels": ["checkout"]}, "pat"
    )
    cli("sync")
    # Alignment as a GitHub issue type: the PATCH issue path.
    _edit(config, ('github = { target = "project", field = "Alignment" }', ALIGNMENT_AS_ISSUE_TYPES))
    cli("sync")
    cli("report")


def _edit(config: Path, change: tuple[str, str]) -> None:
    text = config.read_text(encoding="utf-8")
    assert change[0] in text, f"the sandbox config no longer holds {change[0]!r}"
    config.write_text(text.replace(*change), encoding="utf-8")


def _cli(config: Path) -> Callable[..., None]:
    def invoke(*args: str) -> None:
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--config", str(config), "--format", "json"])
        assert exit_info.value.code in (0, None), f"roadsync {args[0]} exited {exit_info.value.code}"

    return invoke


def _summary(seen: Iterable[Template]) -> str:
    counts = Counter(seen)
    return "\n".join(f"{n:4} {method} {path}" for (method, path), n in sorted(counts.items()))


def _recorded(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flavor: str
) -> Sandbox:
    sandbox = sandbox_factory("demo", jira_flavor=flavor, record_requests=True)
    run_roadsync(sandbox, tmp_path, monkeypatch)
    return sandbox


# -- tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_every_jira_request_is_valid_against_the_jira_openapi(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flavor: str
) -> None:
    """Each request roadsync sends to Jira is an operation of the v3 description, query and body valid."""
    recorded = _recorded(sandbox_factory, tmp_path, monkeypatch, flavor).recorded("jira")
    api = jira_api()
    problems = [problem for request in recorded for problem in api.problems(request)]
    seen = [(r.method, api.template(r) or r.path) for r in recorded]
    assert not problems, "\n".join(problems)
    assert len(set(seen)) >= 8, _summary(seen)
    assert ("PUT", "/rest/api/3/issue/{issueIdOrKey}") in seen, _summary(seen)
    if flavor == "cloud":  # values shared by 3+ issues go in bulk edit tasks, markers in bulk
        bulk = {("POST", "/rest/api/3/bulk/issues/fields"), ("GET", "/rest/api/3/bulk/queue/{taskId}"),
                ("POST", "/rest/api/3/issue/properties/multi")}  # fmt: skip
        assert bulk <= set(seen), _summary(seen)
    puts = [json.loads(r.body) for r in recorded if r.method == "PUT"]
    assert any("priority" in p["fields"] and "labels" in p["update"] for p in puts), puts
    assert any("remove" in op for p in puts for op in p["update"].get("labels", [])), puts


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_every_jira_request_on_a_configured_site_is_valid_against_the_jira_openapi(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flavor: str
) -> None:
    """On the configured-site seed (doctor per issue type, editmeta, refused edits sent again
    without their refused fields, ``notifyUsers=false``, a ``--full`` re-check), each Jira request
    is a valid operation."""
    sandbox = sandbox_factory("configured-site", jira_flavor=flavor, record_requests=True)
    config = sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    for verb, code in ((["doctor"], 1), (["sync"], 0), (["sync", "--full"], 0)):
        with pytest.raises(SystemExit) as exit_info:
            main([*verb, "--config", str(config), "--format", "json"])
        assert (exit_info.value.code or 0) == code, verb
    recorded = sandbox.recorded("jira")
    api = jira_api()
    problems = [problem for request in recorded for problem in api.problems(request)]
    seen = {(r.method, api.template(r) or r.path) for r in recorded}
    assert not problems, "\n".join(problems)
    assert ("GET", "/rest/api/3/issue/{issueIdOrKey}/editmeta") in seen, sorted(seen)
    puts = [r for r in recorded if r.method == "PUT"]
    assert puts and all("notifyUsers=false" in r.query for r in puts), [r.query for r in puts]
    bodies = [json.loads(r.body) for r in puts]
    assert any(b["fields"].get("priority") == {"name": "Highest"} for b in bodies), bodies


def test_every_github_rest_request_is_valid_against_the_github_openapi(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each REST request roadsync sends to GitHub is a described operation, query and body valid."""
    recorded = _recorded(sandbox_factory, tmp_path, monkeypatch, "cloud").recorded("github")
    rest = [r for r in recorded if r.path != "/graphql"]
    api = github_api()
    problems: list[str] = []
    seen: list[Template] = []
    for request in rest:
        template = (request.method, request.path)
        if template in NOT_IN_SUBSET:
            if request.query or request.body:
                problems.append(f"{request.method} {request.target}: {NOT_IN_SUBSET[template]}")
        elif request.method == "GET" and PROJECT_ITEMS.match(request.path):
            problems += project_items_problems(request)
            template = ("GET", "/{orgs|users}/{owner}/projectsV2/{project_number}/items")
        else:
            problems += api.problems(request)
            template = (request.method, api.template(request) or request.path)
        seen.append(template)
    assert not problems, "\n".join(problems)
    labels = "/repos/{owner}/{repo}/issues/{issue_number}/labels"
    writes = {("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}")}
    reads = {
        ("GET", "/repos/{owner}/{repo}/issues"),
        ("GET", "/repos/{owner}/{repo}/labels"),
        ("GET", "/user"),
    }
    assert writes | reads <= set(seen), _summary(seen)
    # Labels go on issues by GraphQL (aliased addLabelsToLabelable / removeLabelsFromLabelable), never
    # by the per-issue REST calls; missing labels are created by GraphQL (createLabel), REST only as
    # the fallback.
    refused = {("POST", labels), ("DELETE", labels + "/{name}"), ("POST", "/repos/{owner}/{repo}/labels")}
    assert not refused & set(seen), _summary(seen)
    lists = [r for r in rest if r.method == "GET" and r.path.endswith("/issues")]
    sent = {name for r in lists for name, _ in parse_qsl(r.query)}
    assert {"since", "state", "sort", "direction", "per_page"} <= sent, sent


def test_every_graphql_document_is_valid_against_the_github_schema(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each GraphQL document roadsync sends validates against GitHub's schema and its variables coerce."""
    recorded = _recorded(sandbox_factory, tmp_path, monkeypatch, "cloud").recorded("github")
    documents = [r for r in recorded if r.path == "/graphql"]
    assert all(r.method == "POST" and r.content_type == "application/json" for r in documents)
    problems = [p for r in documents for p in graphql_problems(r)]
    assert not problems, "\n".join(problems)
    operations = Counter(operation_label(graphql.parse(json.loads(r.body)["query"])) for r in documents)
    listed = "\n".join(f"{n:4} {name}" for name, n in sorted(operations.items()))
    wanted = {"mutation RoadsyncFieldUpdates", "mutation RoadsyncAddItem", "mutation RoadsyncLabelChanges",
              "mutation RoadsyncCreateLabels", "query RoadsyncRepoLabels"}
    assert wanted <= set(operations), listed
    assert sum(n for name, n in operations.items() if name.startswith("query")) >= 3, listed


def _request(tracker: Tracker, method: str, path: str, query: str = "", body: bytes = b"") -> RecordedRequest:
    from roadsync.sandbox.recorder import RecordedRequest

    return RecordedRequest(tracker, method, path, path, query, "application/json", body)


def test_the_checks_reject_invalid_requests() -> None:
    """The checks refuse bad bodies, undeclared or ill-typed parameters, unknown operations, bad documents."""
    jira, github = jira_api(), github_api()
    assert jira.problems(
        _request("jira", "PUT", "/rest/api/2/issue/PAY-1", body=b'{"update": {"labels": {}}}')
    )
    assert jira.problems(_request("jira", "GET", "/rest/api/2/search/jql", "jql=x&maxResults=many"))
    assert jira.problems(_request("jira", "GET", "/rest/api/2/search/jql", "jql=x&bogus=1"))
    assert jira.problems(_request("jira", "DELETE", "/rest/api/2/serverInfo"))
    assert github.problems(_request("github", "POST", "/repos/a/b/labels", body=b'{"color": "ffffff"}'))
    assert github.problems(
        _request("github", "POST", "/repos/a/b/issues/1/labels", body=b'["bare", "array"]')
    )
    assert github.problems(_request("github", "GET", "/repos/a/b/issues", "since=yesterday"))
    assert github.problems(_request("github", "PATCH", "/repos/a/b/issues/x", body=b'{"type": "Bug"}'))
    items = "/orgs/a/projectsV2/1/items"
    assert project_items_problems(_request("github", "GET", items, "q=x&per_page=100")) == []
    assert project_items_problems(_request("github", "GET", items, "per_page=500"))
    assert project_items_problems(_request("github", "GET", items, "since=2026-01-01"))
    add = "mutation M($p: ID!) { addProjectV2ItemById(input: {projectId: $p}) { item { id } } }"
    assert graphql_problems(_request("github", "POST", "/graphql", body=json.dumps({"query": add}).encode()))
    unset = {"query": "query Q($o: String!) { organization(login: $o) { id } }", "variables": {}}
    assert graphql_problems(_request("github", "POST", "/graphql", body=json.dumps(unset).encode()))


def test_the_record_keeps_no_credentials_and_costs_nothing_when_off(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    """Recorded requests carry no token; a sandbox started without recording has no recorder at all."""
    recording = sandbox_factory("demo", record_requests=True)
    label = {"name": "x", "color": "ffffff"}
    auth = {"Authorization": f"token {recording.github_token}"}
    answer = httpx.post(f"{recording.github_url}/repos/acme/web/labels", headers=auth, json=label)
    assert answer.status_code == 201
    (request,) = recording.recorded("github")
    assert (request.method, request.path) == ("POST", "/repos/acme/web/labels")
    assert request.content_type == "application/json" and json.loads(request.body) == label
    assert recording.github_token not in repr(request)
    quiet = sandbox_factory("demo")
    assert quiet.recorder is None
    with pytest.raises(RuntimeError, match="record_requests"):
        quiet.recorded("jira")
