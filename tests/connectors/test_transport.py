"""One transport setup: every HTTP stack (jira's requests session, PyGithub, httpx) says it is
roadsync, is counted once per request by the same counter, and uses the library's own session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from roadsync.config.model import GithubConfig, GithubProjectConfig
from roadsync.connectors.github import GithubReader
from roadsync.connectors.jira import JiraClient, JiraReader
from roadsync.connectors.transport import USER_AGENT
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.github import GithubStore, create_github_app
from roadsync.sandbox.jira import JiraStore, create_jira_app
from tests.connectors.test_github_writer import TOKEN as GITHUB_TOKEN
from tests.connectors.test_github_writer import fixture as github_fixture
from tests.connectors.test_jira_reader import EMAIL, FAST, TOKEN, Site, site_fixture

Scope = MutableMapping[str, Any]
ISSUES: Any = [{"key": "PAY-1", "type": "Story", "summary": "Refunds"}]


class SeenAgents:
    """An ASGI wrapper (test-only) that keeps the User-Agent of every request the tracker got."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.agents: list[str] = []

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] == "http":
            self.agents.append(dict(scope["headers"]).get(b"user-agent", b"").decode())
        await self.app(scope, receive, send)


@contextmanager
def serve(app: Any) -> Iterator[tuple[RunningServer, SeenAgents]]:
    seen = SeenAgents(app)
    server = serve_app(seen)
    try:
        yield server, seen
    finally:
        server.stop()


def test_jira_requests_say_roadsync_and_are_counted_on_the_library_session() -> None:
    """Every Jira request carries roadsync's user agent and is counted once, through the jira session."""
    stats = Stats()
    store = JiraStore.from_fixture(site_fixture(ISSUES), flavor="cloud")
    app = create_jira_app(store, stats=stats, email=EMAIL, token=TOKEN, flavor="cloud")
    with serve(app) as (server, seen):
        config = Site(server.url, store, stats, "cloud").config(flavor="auto")
        reader = JiraReader(config, TOKEN, retry=FAST, remote_links=False)
        assert [item.key for item in reader.fetch_items("PAY", None)] == ["PAY-1"]
        client: JiraClient = reader.client
        # The session roadsync sends through is the one the library authenticates and configures.
        assert client.session is client.jira._session and client.session.auth is not None
        assert client.session.headers["X-Atlassian-Token"] == "no-check"  # the library's defaults stay
        assert seen.agents and set(seen.agents) == {USER_AGENT}
        assert reader.requests == len(seen.agents) == stats.snapshot()["jira"]["reads"]
        reader.close()


def test_github_rest_and_graphql_say_roadsync_and_share_one_counter() -> None:
    """PyGithub (REST) and httpx (GraphQL) send roadsync's user agent; one counter counts both."""
    stats = Stats()
    store = GithubStore.from_fixture(github_fixture())  # type: ignore[arg-type]
    with serve(create_github_app(store, stats=stats, token=GITHUB_TOKEN)) as (server, seen):
        board = GithubProjectConfig(owner="acme", number=1)
        config = GithubConfig(url=server.url, repos=["acme/web"], project=board)
        reader = GithubReader(config, GITHUB_TOKEN, retry=FAST)
        assert list(reader.fetch_items("acme/web", None))
        assert set(seen.agents) == {USER_AGENT} and len(seen.agents) >= 2  # REST listing + board query
        counted = reader.client.counter
        assert reader.requests == counted.total == len(seen.agents) == stats.snapshot()["github"]["reads"]
        reader.close()
