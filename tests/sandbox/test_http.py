"""The shared request framework (roadsync.sandbox.http): one counting rule for both emulators."""

from __future__ import annotations

import httpx

from roadsync.sandbox.http import Route, starlette_routes
from tests.conftest import SandboxFactory


def test_refused_credentials_count_nothing_and_malformed_bodies_count_one_read(
    sandbox_factory: SandboxFactory,
) -> None:
    """In both trackers a 401 counts nothing; a malformed JSON body gets the tracker's 400, one read."""
    sb = sandbox_factory(None, jira_token="jt-1", github_token="gt-1")
    jira = httpx.Client(base_url=sb.jira_url, auth=("roadsync-bot@example.com", "jt-1"))
    github = httpx.Client(base_url=sb.github_url, headers={"Authorization": "token gt-1"})
    with jira, github:
        refused = httpx.get(sb.jira_url + "/rest/api/2/myself", auth=("x@example.com", "nope"))
        assert refused.status_code == 401
        assert httpx.get(sb.github_url + "/user", headers={"Authorization": "token nope"}).status_code == 401
        assert sb.stats()["jira"]["reads"] == sb.stats()["github"]["reads"] == 0

        bad_jira = jira.put("/rest/api/2/issue/PAY-1", content=b"{not json",
                            headers={"Content-Type": "application/json"})
        bad_github = github.patch("/repos/acme/web/issues/1", content=b"{not json")
    assert bad_jira.status_code == 400 and "not valid JSON" in bad_jira.json()["errorMessages"][0]
    assert bad_github.status_code == 400 and bad_github.json()["message"] == "Problems parsing JSON"
    stats = sb.stats()
    assert (stats["jira"]["reads"], stats["jira"]["writes"]) == (1, 0)
    assert (stats["github"]["reads"], stats["github"]["writes"]) == (1, 0)


def test_a_path_keeps_its_place_before_later_paths_that_also_match() -> None:
    """A path's routes are grouped where it first appears: an earlier literal path beats a later pattern."""

    class NoSite:  # starlette_routes only builds endpoints; nothing is served here
        pass

    table = [
        Route("GET", "/issues/events", lambda call: None),
        Route("GET", "/issues/{number}", lambda call: None),
        Route("PATCH", "/issues/events", lambda call: None),
    ]
    routes = starlette_routes(NoSite(), table)  # type: ignore[arg-type]
    assert [(r.path, sorted(r.methods or ())) for r in routes] == [
        ("/issues/events", ["GET", "HEAD"]),
        ("/issues/events", ["PATCH"]),
        ("/issues/{number}", ["GET", "HEAD"]),
    ]


def test_requests_are_also_counted_by_what_they_asked_for(sandbox_factory: SandboxFactory) -> None:
    """Each counted request is also counted under its endpoint: the handler's name, or for GraphQL
    the operation's name (what the benchmark reads to cost ownership evidence)."""
    sb = sandbox_factory(None, jira_token="jt-1", github_token="gt-1")
    jira = httpx.Client(base_url=sb.jira_url, auth=("roadsync-bot@example.com", "jt-1"))
    github = httpx.Client(base_url=sb.github_url, headers={"Authorization": "token gt-1"})
    with jira, github:
        assert jira.get("/rest/api/2/myself").status_code == 200
        assert jira.get("/rest/api/2/myself").status_code == 200
        assert github.post("/graphql", json={"query": "query Who { viewer { login } }"}).status_code == 200
        assert github.post("/graphql", json={"query": "{ viewer { login } }"}).status_code == 200
        httpx.get(sb.jira_url + "/rest/api/2/myself", auth=("x@example.com", "nope"))  # 401: not counted
    assert sb.endpoint_stats() == {"jira": {"myself": 2}, "github": {"graphql:Who": 1, "graphql:query": 1}}
    sb.reset_stats()
    assert sb.endpoint_stats() == {"jira": {}, "github": {}}
