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


def test_a_client_gone_mid_body_is_no_error_and_changes_nothing(sandbox_factory: SandboxFactory) -> None:
    """A client killed while sending a write's body (a killed roadsync run) leaves no traceback in
    the sandbox's log and no change on the item: the server never got a whole request, as a real
    tracker would not apply one (HTTP/1.1 framing, RFC 9112 §6.3: an incomplete body is no message)."""
    import base64
    import logging
    import socket
    import time

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    sb = sandbox_factory("demo", jira_token="jt-1", github_token="gt-1")
    handler = Keep(logging.DEBUG)  # after the start: uvicorn's logging config resets the handlers
    logging.getLogger("uvicorn.error").addHandler(handler)
    try:
        basic = base64.b64encode(b"roadsync-bot@example.com:jt-1").decode()
        for url, head, auth in ((sb.jira_url, "PUT /rest/api/2/issue/PAY-1", f"Basic {basic}"),
                                (sb.github_url, "PATCH /repos/acme/web/issues/1", "token gt-1")):  # fmt: skip
            with socket.create_connection((httpx.URL(url).host, httpx.URL(url).port)) as raw:
                raw.sendall(f"{head} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
                            "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
                            '{"fields":'.encode())  # fmt: skip
                time.sleep(0.2)
        time.sleep(0.3)  # let the server notice the closed sockets
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    assert errors == []
    stats = sb.stats()
    assert stats["jira"]["writes"] == stats["github"]["writes"] == 0
