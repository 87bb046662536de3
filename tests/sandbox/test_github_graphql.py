"""The sandbox GitHub GraphQL API (Projects v2, rateLimit, errors) over real sockets with httpx.

Every document sent here is first validated against the official GitHub schema in ``tests/api``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import graphql
import httpx
import pytest

from tests.paths import GITHUB_GRAPHQL_SCHEMA
from tests.sandbox.test_github_rest import ACTIONS, READER, TOKEN, Sandbox, fixture, start

OFFICIAL = GITHUB_GRAPHQL_SCHEMA

PROJECT_FIELDS = """
query($login: String!, $number: Int!) {
  organization(login: $login) { projectV2(number: $number) { id title number
    fields(first: 20) { nodes {
      ... on ProjectV2Field { id name dataType }
      ... on ProjectV2SingleSelectField { id name dataType options { id name } }
      ... on ProjectV2IterationField { id name configuration { iterations { id startDate } } } } } } }
}"""
PROJECT_ITEMS = """
query($id: ID!, $after: String) {
  node(id: $id) { ... on ProjectV2 { items(first: 2, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id type
      content { ... on Issue { id number title repository { nameWithOwner } } }
      fieldValues(first: 20) { nodes {
        ... on ProjectV2ItemFieldSingleSelectValue {
          name optionId field { ... on ProjectV2FieldCommon { name } } }
        ... on ProjectV2ItemFieldNumberValue { number field { ... on ProjectV2FieldCommon { name } } }
        ... on ProjectV2ItemFieldTextValue { text field { ... on ProjectV2FieldCommon { name } } }
        ... on ProjectV2ItemFieldDateValue { date field { ... on ProjectV2FieldCommon { name } } } } } } } } }
}"""
ISSUE_ITEMS = """
query { repository(owner: "acme", name: "web") { issue(number: 1) { id projectItems(first: 5) {
  nodes { id project { number } } } } } }"""
ADD_ITEM = """
mutation($project: ID!, $content: ID!) {
  addProjectV2ItemById(input: {projectId: $project, contentId: $content}) { item { id } } }"""
RATE = "query { rateLimit { limit remaining used resetAt cost } }"


@cache
def official() -> graphql.GraphQLSchema:
    return graphql.build_schema(OFFICIAL.read_text(encoding="utf-8"), assume_valid=True)


def post(sb: Sandbox, query: str, variables: dict[str, Any] | None = None, token: str = TOKEN,
         check: bool = True) -> httpx.Response:
    """POST a document after checking it against the official schema (``check=False`` for bad ones)."""
    if check:
        assert graphql.validate(official(), graphql.parse(query)) == []
    with httpx.Client(headers={"Authorization": f"bearer {token}"}) as http:
        return http.post(f"{sb.url}/graphql", json={"query": query, "variables": variables or {}})


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = start(fixture(issues=5, prs=1))
    yield sb
    sb.server.stop()


def fields_of(sb: Sandbox) -> dict[str, Any]:
    body = post(sb, PROJECT_FIELDS, {"login": "acme", "number": 1}).json()
    return body["data"]["organization"]["projectV2"]  # type: ignore[no-any-return]


def add(sb: Sandbox, project: str, issue: str) -> str:
    body = post(sb, ADD_ITEM, {"project": project, "content": issue}).json()
    return body["data"]["addProjectV2ItemById"]["item"]["id"]  # type: ignore[no-any-return]


def test_project_fields_carry_ids_types_and_single_select_options(sandbox: Sandbox) -> None:
    """The board lists its fields with GitHub-shaped ids and the single-select options with short hex ids."""
    project = fields_of(sandbox)
    assert project["id"].startswith("PVT_") and project["title"] == "Roadmap"
    by_name = {f["name"]: f for f in project["fields"]["nodes"]}
    assert [o["name"] for o in by_name["Priority"]["options"]] == ["P0", "P1", "P2"]
    assert by_name["Priority"]["id"].startswith("PVTSSF_") and by_name["Estimate"]["id"].startswith("PVTF_")
    assert all(len(o["id"]) == 8 for o in by_name["Priority"]["options"])
    assert by_name["Estimate"]["dataType"] == "NUMBER"


def test_items_page_with_cursors_and_carry_field_values(sandbox: Sandbox) -> None:
    """Items page two at a time through ``pageInfo``; values come back by field with option names and ids."""
    project = fields_of(sandbox)
    for number in (2, 3, 4, 5):
        add(sandbox, project["id"], sandbox.store.get(f"acme/web#{number}").node_id)  # type: ignore[union-attr]
    seen, after, pages = [], None, 0
    while True:
        body = post(sandbox, PROJECT_ITEMS, {"id": project["id"], "after": after}).json()
        items = body["data"]["node"]["items"]
        seen += items["nodes"]
        pages += 1
        if not items["pageInfo"]["hasNextPage"]:
            break
        after = items["pageInfo"]["endCursor"]
    assert pages == 3 and [i["content"]["number"] for i in seen] == [1, 2, 3, 4, 5]
    values = {v["field"]["name"]: v for v in seen[0]["fieldValues"]["nodes"]}
    assert values["Priority"]["name"] == "P1" and len(values["Priority"]["optionId"]) == 8
    assert values["Estimate"]["number"] == 3.0 and values["Title"]["text"] == "Issue 1"
    assert seen[0]["content"]["repository"]["nameWithOwner"] == "acme/web"


def test_aliased_mutations_update_several_fields_in_one_document(sandbox: Sandbox) -> None:
    """Several aliased updateProjectV2ItemFieldValue calls apply together and count as one write."""
    project = fields_of(sandbox)
    fields = {f["name"]: f for f in project["fields"]["nodes"]}
    item = add(sandbox, project["id"], sandbox.store.get("acme/web#1").node_id)  # type: ignore[union-attr]
    p0 = fields["Priority"]["options"][0]["id"]
    document = f"""mutation {{
      a: updateProjectV2ItemFieldValue(input: {{projectId: "{project['id']}", itemId: "{item}",
         fieldId: "{fields['Priority']['id']}", value: {{singleSelectOptionId: "{p0}"}}}}) {{
         projectV2Item {{ id }} }}
      b: updateProjectV2ItemFieldValue(input: {{projectId: "{project['id']}", itemId: "{item}",
         fieldId: "{fields['Notes']['id']}", value: {{text: "hello, world"}}}}) {{ projectV2Item {{ id }} }}
      c: updateProjectV2ItemFieldValue(input: {{projectId: "{project['id']}", itemId: "{item}",
         fieldId: "{fields['Due']['id']}", value: {{date: "2026-03-01"}}}}) {{ projectV2Item {{ id }} }}
      d: clearProjectV2ItemFieldValue(input: {{projectId: "{project['id']}", itemId: "{item}",
         fieldId: "{fields['Estimate']['id']}"}}) {{ projectV2Item {{ id }} }}
    }}"""
    writes = sandbox.stats.github.writes
    answer = post(sandbox, document)
    assert answer.status_code == 200 and "errors" not in answer.json()
    assert answer.json()["data"]["a"]["projectV2Item"]["id"] == item
    items = post(sandbox, PROJECT_ITEMS, {"id": project["id"]}).json()["data"]["node"]["items"]["nodes"]
    values = {v["field"]["name"]: v for v in items[0]["fieldValues"]["nodes"]}
    assert (values["Priority"]["name"], values["Notes"]["text"], values["Due"]["date"]) == (
        "P0", "hello, world", "2026-03-01")
    assert "Estimate" not in values
    assert sandbox.stats.github.writes == writes + 1


def test_adding_an_item_already_on_the_board_returns_its_id_and_is_no_write(sandbox: Sandbox) -> None:
    """addProjectV2ItemById for content already on the board returns the existing item id."""
    project = fields_of(sandbox)
    issue = sandbox.store.get("acme/web#1").node_id  # type: ignore[union-attr]
    issue_side = post(sandbox, ISSUE_ITEMS).json()["data"]["repository"]["issue"]
    existing = issue_side["projectItems"]["nodes"][0]["id"]
    writes = sandbox.stats.github.writes
    assert add(sandbox, project["id"], issue) == existing
    assert sandbox.stats.github.writes == writes


def test_a_person_edit_shows_in_the_board_values(sandbox: Sandbox) -> None:
    """A value a person sets through the store is what the next query reads."""
    sandbox.store.edit_as_person("acme/web#1", project_values={"Priority": "P2"})
    project = fields_of(sandbox)
    items = post(sandbox, PROJECT_ITEMS, {"id": project["id"]}).json()["data"]["node"]["items"]["nodes"]
    assert {v["field"]["name"]: v.get("name") for v in items[0]["fieldValues"]["nodes"]}["Priority"] == "P2"


def test_unknown_project_is_a_not_found_error_on_http_200(sandbox: Sandbox) -> None:
    """A missing board answers HTTP 200 with data null at its path and a NOT_FOUND error."""
    answer = post(sandbox, PROJECT_FIELDS, {"login": "acme", "number": 9})
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == {"organization": {"projectV2": None}}
    assert body["errors"][0]["type"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["organization", "projectV2"]
    assert body["errors"][0]["message"] == "Could not resolve to a ProjectV2 with the number 9."


def test_connections_require_first_or_last_within_1_to_100(sandbox: Sandbox) -> None:
    """A connection without ``first``/``last``, or asking more than 100, is an error naming the connection."""
    pid = fields_of(sandbox)["id"]
    shape = 'query {{ node(id: "%s") {{ ... on ProjectV2 {{ items%s {{ nodes {{ id }} }} }} }} }}'
    missing = post(sandbox, (shape % (pid, "")).format())
    too_many = post(sandbox, (shape % (pid, "(first: 101)")).format())
    assert missing.json()["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    assert "`items`" in missing.json()["errors"][0]["message"]
    assert too_many.json()["errors"][0]["type"] == "EXCESSIVE_PAGINATION"


def test_invalid_documents_are_rejected_with_errors_on_http_200(sandbox: Sandbox) -> None:
    """A document that does not fit the schema is refused before it runs, with HTTP 200 and ``errors``."""
    answer = post(sandbox, "query { organization(login: \"acme\") { nope } }", check=False)
    assert answer.status_code == 200
    assert "nope" in answer.json()["errors"][0]["message"]


def test_rate_limit_reports_cost_and_graphql_exhaustion_is_rate_limited(sandbox: Sandbox) -> None:
    """``rateLimit`` shows the spent budget; once spent, the answer is HTTP 200 with a RATE_LIMITED error."""
    first = post(sandbox, RATE).json()["data"]["rateLimit"]
    second = post(sandbox, RATE)
    assert first["cost"] == 1 and second.json()["data"]["rateLimit"]["remaining"] == first["remaining"] - 1
    assert second.headers["x-ratelimit-resource"] == "graphql"
    sandbox.app.state.ratelimit.exhaust("graphql")
    limited = post(sandbox, RATE)
    assert limited.status_code == 200 and limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.json()["errors"][0]["type"] == "RATE_LIMITED"


def test_tokens_without_project_access_get_github_errors(sandbox: Sandbox) -> None:
    """A GITHUB_TOKEN-like grant gets FORBIDDEN, a classic token without project scope INSUFFICIENT_SCOPES."""
    actions = post(sandbox, PROJECT_FIELDS, {"login": "acme", "number": 1}, token=ACTIONS).json()
    reader = post(sandbox, PROJECT_FIELDS, {"login": "acme", "number": 1}, token=READER).json()
    assert actions["errors"][0]["type"] == "FORBIDDEN"
    assert actions["data"]["organization"]["projectV2"] is None
    assert reader["errors"][0]["type"] == "INSUFFICIENT_SCOPES"


def test_bad_token_on_graphql_is_401(sandbox: Sandbox) -> None:
    """GraphQL with a wrong token answers HTTP 401 ``Bad credentials``."""
    answer = post(sandbox, RATE, token="nope")
    assert answer.status_code == 401 and answer.json()["message"] == "Bad credentials"


def test_pygithub_graphql_helper_maps_a_single_not_found_to_unknown_object(sandbox: Sandbox) -> None:
    """PyGithub's own GraphQL helper sees the emulator's NOT_FOUND the way it sees GitHub's."""
    import github

    gh = sandbox.gh()
    with pytest.raises(github.UnknownObjectException):
        gh.requester.graphql_query(PROJECT_FIELDS, {"login": "acme", "number": 9})


def test_nodes_takes_at_most_100_ids_a_field(sandbox: Sandbox) -> None:
    """``nodes(ids:)`` with 101 ids is an ARGUMENT_LIMIT error that nulls the whole answer's data; two
    aliased fields of 99 ids each are answered (the cap is per field). Source: GitHub's answer quoted
    in sourcecred/sourcecred#908."""
    pid = fields_of(sandbox)["id"]
    def field(alias: str, count: int) -> str:
        return f"{alias}: nodes(ids: {json.dumps([pid] * count)}) {{ id }}"  # a JSON list is a GraphQL list

    one = post(sandbox, f"query {{ {field('many', 101)} }}")
    assert one.json()["data"] is None
    error = one.json()["errors"][0]
    assert error["type"] == "ARGUMENT_LIMIT" and error["path"] == ["many"]
    assert error["message"] == "You may not provide more than 100 node ids; you provided 101."
    two = post(sandbox, f"query {{ {field('a', 99)} {field('b', 99)} }}").json()
    assert "errors" not in two and len(two["data"]["a"]) + len(two["data"]["b"]) == 198
