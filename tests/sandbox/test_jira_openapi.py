"""Answers of every endpoint the sandbox Jira serves validate against Atlassian's OpenAPI (v3).

Formats are not asserted: Jira's own timestamps (``...000+0000``) are not RFC 3339 either.
The one relaxation: Jira sends ``null`` for an absent ``from``/``to`` in changelog items,
which the spec does not mark nullable; those nulls are dropped before validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from roadsync.sandbox.common import RunningServer
from tests.paths import JIRA_OPENAPI
from tests.sandbox.test_jira_client import EMAIL, TOKEN, http_auth, running_jira

SPEC_PATH = JIRA_OPENAPI


@cache
def spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_PATH.read_text()))


def _drop_changelog_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        if "fieldtype" in value and "field" in value:  # a ChangeDetails item
            return {k: v for k, v in value.items() if v is not None}
        return {k: _drop_changelog_nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drop_changelog_nulls(v) for v in value]
    return value


def check(answer: httpx.Response, path: str, method: str = "get", *, item: bool = False) -> None:
    """Validate ``answer`` against the spec's schema for ``path``/``method``/status (ErrorCollection
    for errors the spec lists without a body)."""
    responses = spec()["paths"][f"/rest/api/3{path}"][method]["responses"]
    content = responses[str(answer.status_code)].get("content", {}).get("application/json")
    if content is None and answer.status_code >= 400:  # the spec gives no body: Jira sends an ErrorCollection
        content = {"schema": {"$ref": "#/components/schemas/ErrorCollection"}}
    schema = content["schema"]
    validator = OAS30Validator({**schema, "components": spec()["components"]})
    body = _drop_changelog_nulls(answer.json())
    for document in body if item else [body]:
        validator.validate(document)


@pytest.fixture(scope="module")
def cloud() -> Iterator[httpx.Client]:
    with running_jira("cloud") as (server, store, _stats):
        store.edit_as_person("PAY-2", priority="Low", labels_add=["z"], fields={"Theme": "growth"})
        store.add_remote_link("PAY-2", "https://github.com/acme/web/issues/4", "acme/web#4")
        store.set_property("PAY-2", "roadsync", {"theme": "t"})
        with _client(server) as web:
            yield web


def _client(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/rest/api/3", auth=(EMAIL, TOKEN), timeout=10)


@pytest.mark.parametrize(
    ("path", "spec_path", "params"),
    [
        ("/serverInfo", "/serverInfo", {}),
        ("/myself", "/myself", {}),
        ("/field", "/field", {}),
        ("/priority", "/priority", {}),
        ("/priority/search", "/priority/search", {"maxResults": 2}),
        ("/project", "/project", {}),
        ("/project/search", "/project/search", {"maxResults": 2}),
        ("/project/PAY", "/project/{projectIdOrKey}", {}),
        ("/issuetype", "/issuetype", {}),
        ("/status", "/status", {}),
        (
            "/mypermissions",
            "/mypermissions",
            {"projectKey": "PAY", "permissions": "BROWSE_PROJECTS,EDIT_ISSUES"},
        ),
        ("/issue/PAY-2", "/issue/{issueIdOrKey}", {"expand": "changelog"}),
        ("/issue/PAY-3", "/issue/{issueIdOrKey}", {}),
        ("/issue/PAY-2/editmeta", "/issue/{issueIdOrKey}/editmeta", {}),
        ("/issue/PAY-2/changelog", "/issue/{issueIdOrKey}/changelog", {}),
        ("/issue/PAY-2/properties/roadsync", "/issue/{issueIdOrKey}/properties/{propertyKey}", {}),
        ("/search/jql", "/search/jql", {"jql": "project = PAY", "fields": "*all", "maxResults": 2}),
        ("/issue/NOPE-1", "/issue/{issueIdOrKey}", {}),
        ("/issue/PAY-2/watchers", "/issue/{issueIdOrKey}/watchers", {}),
        ("/issue/PAY-2", "/issue/{issueIdOrKey}", {"properties": "roadsync", "expand": "editmeta"}),
        (
            "/search/jql",
            "/search/jql",
            {
                "jql": "key = PAY-2",
                "properties": "roadsync",
                "expand": "editmeta,changelog",
                "fields": "*all",
            },
        ),
        ("/priorityscheme", "/priorityscheme", {"expand": "priorities,projects"}),
        ("/priorityscheme/1/priorities", "/priorityscheme/{schemeId}/priorities", {}),
        ("/priorityscheme/1/projects", "/priorityscheme/{schemeId}/projects", {}),
        ("/field/customfield_10020/context", "/field/{fieldId}/context", {}),
        ("/field/customfield_10020/context/10000/option", "/field/{fieldId}/context/{contextId}/option", {}),
        ("/field/customfield_10020/context/projectmapping", "/field/{fieldId}/context/projectmapping", {}),
    ],
)
def test_get_answers_match_the_spec(
    cloud: httpx.Client, path: str, spec_path: str, params: dict[str, Any]
) -> None:
    """Each GET answer (errors included) has the shape the spec gives for its status."""
    check(cloud.get(path, params=params), spec_path)


def test_remote_links_match_the_spec(cloud: httpx.Client) -> None:
    """Remote links list as RemoteIssueLink objects; adding one answers RemoteIssueLinkIdentifies."""
    check(cloud.get("/issue/PAY-2/remotelink"), "/issue/{issueIdOrKey}/remotelink", item=True)
    added = cloud.post("/issue/PAY-1/remotelink", json={"object": {"url": "https://x.test/1", "title": "x"}})
    check(added, "/issue/{issueIdOrKey}/remotelink", "post")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/search/jql", {"jql": "project = PAY", "fields": ["*all"], "expand": None, "reconcileIssues": []}),
        ("/search/approximate-count", {"jql": "project = PAY"}),
        ("/issue/bulkfetch", {"issueIdsOrKeys": ["PAY-1", "PAY-2"], "fields": ["summary", "parent"]}),
        ("/changelog/bulkfetch", {"issueIdsOrKeys": ["PAY-2"]}),
        (
            "/issue/bulkfetch",
            {"issueIdsOrKeys": ["PAY-2"], "properties": ["roadsync"], "expand": ["changelog"]},
        ),
        ("/issue", {"fields": {"project": {"key": "PAY"}, "issuetype": {"name": "Task"}, "summary": "new"}}),
        ("/search/jql", {"jql": "order by key"}),
    ],
)
def test_post_answers_match_the_spec(cloud: httpx.Client, path: str, body: dict[str, Any]) -> None:
    """Each POST answer has the shape the spec gives for its status."""
    check(cloud.post(path, json=body), path, "post")


def test_edit_errors_match_the_spec(cloud: httpx.Client) -> None:
    """A refused edit answers an ErrorCollection."""
    answer = cloud.put("/issue/PAY-2", json={"fields": {"customfield_99": 1}, "update": {}})
    assert answer.status_code == 400
    check(answer, "/issue/{issueIdOrKey}", "put")


def test_datacenter_search_matches_the_old_search_schema() -> None:
    """DC's ``/rest/api/2/search`` answer has the (deprecated) SearchResults shape."""
    with (
        running_jira("datacenter") as (server, _store, _stats),
        httpx.Client(base_url=server.url, timeout=10, **http_auth(server.url)) as web,
    ):
        answer = web.get("/rest/api/2/search", params={"jql": "project = PAY", "maxResults": 2})
    check(answer, "/search")
    assert answer.json()["total"] == 4
