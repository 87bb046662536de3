"""GitHub failures become one-line roadsync errors, retried only when worth it (emulator over sockets)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget, GithubConfig, GithubProjectConfig
from roadsync.connectors.github.reader import GithubReader
from roadsync.connectors.github.writer import GithubWriter
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError, BudgetExhausted, TransientError
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.github import GithubStore, TokenGrant, create_github_app

TOKEN = "ghp_errors_test_token_0123456789"
ACTIONS = "ghs_actions_token_0123456789"
READ_ONLY = "ghp_read_only_token_0123456789"
FAST = RetryPolicy(attempts=3, base_s=0.01, max_wait_s=0.05)
FIXTURE: dict[str, Any] = {
    "owner": "acme",
    "repos": [{"name": "web"}],
    "issues": [{"repo": "web", "number": 1, "title": "One", "labels": ["ui"]}],
    "project": {"number": 1, "fields": [{"name": "Priority", "type": "single_select", "options": ["P1"]}]},
}


class Box:
    def __init__(self, budget: int = 5000) -> None:
        self.store = GithubStore.from_fixture(FIXTURE)  # type: ignore[arg-type]
        grants = {
            ACTIONS: TokenGrant(projects=False, scopes=None),
            READ_ONLY: TokenGrant(writable=frozenset()),
        }
        self.app: Starlette = create_github_app(
            self.store, stats=Stats(), token=TOKEN, budget=budget, restricted_tokens=grants
        )
        self.server: RunningServer = serve_app(self.app)

    def config(self, board: bool = False) -> GithubConfig:
        project = GithubProjectConfig(owner="acme", number=1) if board else None
        return GithubConfig(
            url=self.server.url, repos=["acme/web"], project=project, seconds_between_writes=0
        )

    def reader(self, token: str = TOKEN, board: bool = False, reserve: int = 0) -> GithubReader:
        return GithubReader(self.config(board), token, retry=FAST, budget_reserve=reserve)

    def writer(self, token: str = TOKEN) -> GithubWriter:
        targets = {"priority": FieldTarget(target="label", prefix="priority/")}
        return GithubWriter(self.config(), token, targets, retry=FAST, seconds_between_writes=0)


@pytest.fixture
def box() -> Iterator[Box]:
    running = Box()
    yield running
    running.server.stop()


def test_token_without_project_access_is_an_auth_error(box: Box) -> None:
    """A GITHUB_TOKEN-like token reading the board gets GraphQL FORBIDDEN -> AuthError naming projects."""
    with pytest.raises(AuthError) as caught:
        list(box.reader(ACTIONS, board=True).fetch_items("acme/web", None))
    line = caught.value.one_line()
    assert "project" in line.lower() and ACTIONS not in line


def test_write_without_permission_raises(box: Box) -> None:
    """A token that may read but not write the repo stops the writer with AuthError (GraphQL
    ``FORBIDDEN``, as GitHub answers a mutation without permission) when it adds a label the
    repository has (one it lacks fails alone: creating it is refused, see test_github_label_batch)."""
    item = next(iter(box.reader().fetch_items("acme/web", None)))
    box.store.create_label(box.store.repo("acme/web"), "priority/P1")  # type: ignore[arg-type]
    with pytest.raises(AuthError) as caught:
        writer = box.writer(READ_ONLY)
        writer.write(item, [FieldChange(item.key, "priority", None, "priority/P1")])
        writer.flush()
    line = caught.value.one_line()
    assert "does not have the correct permissions" in line and "write access to the repository" in line


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_is_retried_after_retry_after(box: Box, status: int) -> None:
    """A secondary-limit refusal with Retry-After is retried by the one retry owner and then succeeds."""
    item = next(iter(box.reader().fetch_items("acme/web", None)))
    writer = box.writer()
    repo = box.store.repo("acme/web")
    assert repo is not None
    label = box.store.create_label(repo, "priority/P1")
    writer.label_ids.known[("acme/web", "priority/p1")] = label.node_id  # the repo label is known
    box.app.state.ratelimit.secondary_next(1, status=status, retry_after=0)
    outcomes = writer.write(item, [FieldChange(item.key, "priority", None, "priority/P1")])
    outcomes += writer.flush()
    assert [o.status for o in outcomes] == ["applied"]
    assert writer.requests == 2  # the refused attempt and the retry
    issue = box.store.get("acme/web#1")
    assert issue is not None and sorted(issue.labels) == ["priority/P1", "ui"]


def test_spent_primary_budget_stops_cleanly(box: Box) -> None:
    """A primary budget spent on the server (reset an hour away) is BudgetExhausted, not a long sleep."""
    box.app.state.ratelimit.exhaust("core")
    with pytest.raises(BudgetExhausted) as caught:
        list(box.reader().fetch_items("acme/web", None))
    assert caught.value.exit_code == 4


def test_spent_graphql_budget_stops_cleanly(box: Box) -> None:
    """GraphQL's RATE_LIMITED error (HTTP 200) with the budget spent is BudgetExhausted too."""
    box.app.state.ratelimit.exhaust("graphql")
    with pytest.raises(BudgetExhausted):
        list(box.reader(board=True).fetch_items("acme/web", None))


def test_graphql_reserve_is_kept(box: Box) -> None:
    """Under the reserve of the graphql budget, the board is not read again."""
    box.app.state.ratelimit.set_budget(5000, 50, resource="graphql")
    reader = box.reader(board=True, reserve=100)
    reader.read_project()
    with pytest.raises(BudgetExhausted):
        reader.read_project(refresh=True)


def test_unreachable_host_is_transient_with_a_one_line_message() -> None:
    """A host nobody listens on gives a TransientError saying it cannot reach GitHub, after retries."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = GithubConfig(url=f"http://127.0.0.1:{port}", repos=["acme/web"], timeout_s=2)
    reader = GithubReader(config, TOKEN, retry=FAST)
    with pytest.raises(TransientError) as caught:
        list(reader.fetch_items("acme/web", None))
    assert "cannot reach GitHub" in caught.value.one_line() and reader.requests == 3
