"""The GitHub connector against GitHub's redirects, gone issues and flaky GraphQL, over real sockets.

Sources: PyGithub 2.10 follows a 301 for any verb with the path only and returns a 307 body as data
(research github.md §1, verified against a local server); octokit/fixtures ``rename-repository``
(301/307); GitHub's OpenAPI ``issues/get`` (410 for a deleted issue); gitlens#3298 (untyped errors).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from github import Auth, Github

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldTarget, GithubConfig, GithubProjectConfig
from roadsync.connectors.github.client import GithubClient
from roadsync.connectors.github.reader import GithubReader
from roadsync.connectors.github.writer import GithubWriter
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import NotFoundError, RemoteRefused
from roadsync.sandbox.common import Stats, serve_app
from roadsync.sandbox.faults import FaultState
from roadsync.sandbox.github import GithubStore, create_github_app
from roadsync.sandbox.injection import FaultsMiddleware
from tests.connectors.test_github_writer import FAST, TOKEN, Sandbox, fixture

LABELS = {"priority": FieldTarget(target="label", prefix="priority/")}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    yield box
    box.server.stop()


def _rename(box: Sandbox) -> None:
    Github(auth=Auth.Token(TOKEN), base_url=box.server.url, retry=None).get_repo("acme/web").edit(name="shop")


def test_a_label_write_built_before_a_rename_lands_on_the_same_issue(sandbox: Sandbox) -> None:
    """A label write built before the repository was renamed goes by GraphQL only: ``repository``
    follows the old name [spec: ``followRenames``, default true] and the issue keeps its node id, so
    the label lands on acme/shop#3, the same issue, with no REST request (whose 307 PyGithub would
    return as success)."""
    item = sandbox.items()["acme/web#3"]
    _rename(sandbox)
    writer = sandbox.writer(LABELS)
    before = dict(sandbox.stats.by_endpoint()["github"])
    outcomes = writer.write(item, [FieldChange(item.key, "priority", None, "priority/P1")]) + writer.flush()
    assert [o.status for o in outcomes] == ["applied"]
    assert sandbox.store.get("acme/shop#3").labels == ["priority/P1"]  # type: ignore[union-attr]
    sent = {e for e, n in sandbox.stats.by_endpoint()["github"].items() if n != before.get(e, 0)}
    assert sent and all(e.startswith("graphql:") for e in sent), sent


def test_reading_a_renamed_repository_raises_instead_of_dropping_the_query(sandbox: Sandbox) -> None:
    """The list of a renamed repository is a redirect: one error naming the new name, not the open
    issues of a query PyGithub would have dropped."""
    _rename(sandbox)
    client = GithubClient(sandbox.config, TOKEN, retry=FAST)
    with pytest.raises(RemoteRefused) as caught:
        client.rest("GET", "/repos/acme/web/issues", params={"state": "closed"})
    assert "acme/shop" in caught.value.one_line() and caught.value.status == 301


def test_a_write_to_a_transferred_issue_is_gone_not_written_elsewhere(sandbox: Sandbox) -> None:
    """A label for a transferred issue (its old node id no longer resolves) is skipped as moved, naming
    where (the old number's 301, never followed), and the issue in its new repository gets nothing."""
    sandbox.store.add_repo("api")
    item = sandbox.items()["acme/web#3"]
    sandbox.store.transfer("acme/web#3", "api")
    writer = sandbox.writer(LABELS)
    assert writer.write(item, [FieldChange(item.key, "priority", None, "priority/P1")]) == []
    [outcome] = writer.flush()
    assert outcome.status == "skipped" and outcome.error and "acme/api#1" in outcome.error
    assert sandbox.store.get("acme/api#1").labels == []  # type: ignore[union-attr]


def test_a_deleted_issue_answers_410_and_is_not_found(sandbox: Sandbox) -> None:
    """GitHub's 410 Gone for a deleted issue is gone, as a 404 is."""
    sandbox.store.delete("acme/web#3")
    client = GithubClient(sandbox.config, TOKEN, retry=FAST)
    with pytest.raises(NotFoundError) as caught:
        client.rest("GET", "/repos/acme/web/issues/3")
    assert caught.value.status == 410


def test_untyped_graphql_errors_are_retried_until_the_answer_is_good() -> None:
    """An untyped "Something went wrong" answer is transient: the same query is sent again and succeeds."""
    store = GithubStore.from_fixture(fixture())  # type: ignore[arg-type]
    faults = FaultState()
    app = create_github_app(store, stats=Stats(), token=TOKEN)
    server = serve_app(FaultsMiddleware(app, faults, "github"))
    try:
        faults.update(graphql_untyped_rate=0.5, seed=3)
        config = GithubConfig(url=server.url, repos=["acme/web"], seconds_between_writes=0)
        client = GithubClient(config, TOKEN, retry=RetryPolicy(attempts=8, base_s=0.0))
        answers = [client.graphql("query { viewer { login } }", {}).data for _ in range(6)]
        assert answers == [{"viewer": {"login": "roadsync-bot"}}] * 6
        assert faults.injected.get("graphql_untyped", 0) > 0
        assert client.requests == 6 + faults.injected["graphql_untyped"]
    finally:
        server.stop()


def test_only_issues_new_to_the_mirror_cost_a_transfers_query(sandbox: Sandbox) -> None:
    """An incremental read meeting only known issues asks nothing more; one meeting a new issue
    asks once where it came from (a created issue: from nowhere, so no repository lost items)."""
    known = sandbox.items()
    since = "2000-01-01T00:00:00Z"
    quiet = GithubReader(sandbox.config, TOKEN, retry=FAST, previous=known.get)
    assert len(list(quiet.fetch_items("acme/web", since))) == len(known)
    github = Github(auth=Auth.Token(TOKEN), base_url=sandbox.server.url, retry=None)
    github.get_repo("acme/web").create_issue("New")
    reader = GithubReader(sandbox.config, TOKEN, retry=FAST, previous=known.get)
    assert len(list(reader.fetch_items("acme/web", since))) == len(known) + 1
    assert reader.requests == quiet.requests + 1 and reader.lost_scopes() == set()


BOARD_KEYS = [f"acme/web#{n}" for n in range(10, 15)]


def _theme_to_the_board_under(**faults: Any) -> tuple[list[WriteOutcome], set[str], int]:
    """Read acme/web, turn ``faults`` on, set Theme on five board items through the writer.
    Returns every outcome, the keys whose Theme the board now holds, and the faults injected."""
    store = GithubStore.from_fixture(fixture())  # type: ignore[arg-type]
    state = FaultState()
    app = create_github_app(store, stats=Stats(), token=TOKEN)
    server = serve_app(FaultsMiddleware(app, state, "github"))
    try:
        config = GithubConfig(url=server.url, repos=["acme/web"], seconds_between_writes=0,
                              project=GithubProjectConfig(owner="acme", number=1))
        items = {i.key: i for i in GithubReader(config, TOKEN, retry=FAST).fetch_items("acme/web", None)}
        state.update(**faults)
        targets = {"theme": FieldTarget(target="project", field="Theme")}
        writer = GithubWriter(config, TOKEN, targets, retry=FAST, seconds_between_writes=0)
        outcomes = []
        for key in BOARD_KEYS:
            outcomes += writer.write(items[key], [FieldChange(key, "theme", None, "checkout")])
        outcomes += writer.flush()
        board = store.projects[0]
        theme = board.field_by_name("Theme")
        assert theme is not None
        on_board = {k for k in BOARD_KEYS if board.by_issue[store.get(k).node_id].values.get(theme.id)}  # type: ignore[union-attr]
        return outcomes, on_board, sum(state.injected.values())
    finally:
        server.stop()


def test_a_board_item_answered_not_found_twice_but_still_there_is_failed_not_skipped() -> None:
    """Every mutation document losing one alias to ``NOT_FOUND``: that update is sent again alone,
    and when it is ``NOT_FOUND`` again while a read finds the board item, it is ``failed`` (the next
    run tries it), never ``skipped`` as gone; the document's other updates are applied [GraphQL
    spec, "Executing mutations"; research github.md §6; the sandbox's graphql_batch_not_found_rate]."""
    outcomes, on_board, _ = _theme_to_the_board_under(graphql_batch_not_found_rate=1.0, seed=1)
    statuses = sorted(o.status for o in outcomes)
    assert statuses == ["applied"] * 4 + ["failed"], [(o.status, o.error) for o in outcomes]
    [failed] = [o for o in outcomes if o.status == "failed"]
    assert failed.error and "exists" in failed.error
    assert on_board == set(BOARD_KEYS) - {failed.change.item}


@pytest.mark.parametrize("rate", [1.0, 0.5])
def test_whole_documents_answered_not_found_never_call_board_items_gone(rate: float) -> None:
    """GraphQL answers ``NOT_FOUND`` with ``data: null`` for whole documents (the board read, the
    update documents, the existence check; the sandbox's ``graphql_error_rate`` fault): no board
    item is ``skipped`` as gone, since every one is still there. Each update is ``applied`` (and
    on the board) or ``failed`` (the next run tries it) [research github.md §6: a NOT_FOUND
    answer does not say which node is missing; the fault matrix's 'GraphQL NOT_FOUND on HTTP 200']."""
    outcomes, on_board, injected = _theme_to_the_board_under(
        graphql_error_rate=rate, graphql_error_type="NOT_FOUND", seed=3
    )
    assert len(outcomes) == len(BOARD_KEYS) and injected > 0
    assert {o.status for o in outcomes} <= {"applied", "failed"}, [(o.status, o.error) for o in outcomes]
    assert on_board == {o.change.item for o in outcomes if o.status == "applied"}
    if rate == 1.0:
        assert on_board == set()
