"""GithubReader against the GitHub emulator over real sockets, through PyGithub and httpx."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from roadsync.config.model import GithubConfig, GithubProjectConfig
from roadsync.connectors.github.reader import GithubReader
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError, BudgetExhausted, NotFoundError
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.github import GithubStore, create_github_app

TOKEN = "ghp_reader_test_token_0123456789"
FAST = RetryPolicy(attempts=2, base_s=0.01, max_wait_s=0.05)
SIZES = {"empty": 0, "one": 1, "hundred": 100, "hundred1": 101}


def fixture() -> dict[str, Any]:
    issues: list[dict[str, Any]] = [
        {"repo": name, "number": n, "title": f"{name} issue {n}"}
        for name, size in SIZES.items()
        for n in range(1, size + 1)
    ]
    issues += [
        {"repo": "web", "number": 1, "title": "Checkout epic", "type": "Epic"},
        {"repo": "web", "number": 2, "title": "Pay button (PAY-2)", "parent": 1, "labels": ["ui"]},
        {"repo": "web", "number": 3, "title": "Bump deps", "pull_request": True},
        {"repo": "web", "number": 4, "title": "Refunds", "body": "Tracks OPS-7", "state": "closed"},
    ]
    return {
        "owner": "acme",
        "repos": [{"name": name} for name in [*SIZES, "web"]],
        "issue_types": ["Bug", "Feature", "Task", "Epic"],
        "issues": issues,
        "project": {
            "number": 1,
            "title": "Roadmap",
            "fields": [
                {"name": "Priority", "type": "single_select", "options": ["P0", "P1", "P2"]},
                {"name": "Estimate", "type": "number"},
            ],
            "items": [{"issue": "acme/web#2", "values": {"Priority": "P1", "Estimate": 3}}],
        },
    }


class Etags:
    """The mirror's ETag table, as a dict."""

    def __init__(self) -> None:
        self.table: dict[str, str] = {}

    def get(self, url: str) -> str | None:
        return self.table.get(url)

    def set(self, url: str, etag: str) -> None:
        self.table[url] = etag


class Sandbox:
    def __init__(self, store: GithubStore, stats: Stats, server: RunningServer) -> None:
        self.store, self.stats, self.server = store, stats, server

    def config(self, **overrides: Any) -> GithubConfig:
        values: dict[str, Any] = {"url": self.server.url, "repos": ["acme/web"], "seconds_between_writes": 0}
        return GithubConfig(**{**values, **overrides})

    def reader(self, token: str = TOKEN, **kwargs: Any) -> GithubReader:
        config = kwargs.pop("config", None) or self.config()
        return GithubReader(config, token, retry=FAST, **kwargs)

    def reads(self) -> int:
        return self.stats.snapshot()["github"]["reads"]


def start(fx: dict[str, Any], budget: int = 5000) -> tuple[GithubStore, Stats, RunningServer]:
    store = GithubStore.from_fixture(fx)  # type: ignore[arg-type]
    stats = Stats()
    server = serve_app(create_github_app(store, stats=stats, token=TOKEN, budget=budget))
    return store, stats, server


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    store, stats, server = start(fixture())
    yield Sandbox(store, stats, server)
    server.stop()


@pytest.mark.parametrize(("repo", "size"), list(SIZES.items()))
def test_pagination_follows_next_links(sandbox: Sandbox, repo: str, size: int) -> None:
    """A full read returns every issue in ceil(n / 100) requests (one for an empty repo)."""
    reader = sandbox.reader(config=sandbox.config(repos=[f"acme/{repo}"]))
    items = list(reader.fetch_items(f"acme/{repo}", None))
    assert sorted(i.key for i in items) == [f"acme/{repo}#{n}" for n in sorted(range(1, size + 1), key=str)]
    assert reader.requests == max(1, math.ceil(size / 100))


def test_items_are_converted_with_parents_links_and_board_values(sandbox: Sandbox) -> None:
    """Issues arrive without PRs, with epics, parents, Jira links and board values merged by key."""
    reader = sandbox.reader(config=sandbox.config(project=GithubProjectConfig(owner="acme", number=1)))
    items = {i.key: i for i in reader.fetch_items("acme/web", None)}
    assert sorted(items) == ["acme/web#1", "acme/web#2", "acme/web#4"]
    assert items["acme/web#1"].kind == "epic"
    child = items["acme/web#2"]
    assert (child.parent, child.links, child.labels) == ("acme/web#1", ("PAY-2",), ("ui",))
    assert child.fields == {"Priority": "P1", "Estimate": "3"} and child.estimate == 3.0
    assert child.project_item_id and items["acme/web#1"].project_item_id is None
    assert items["acme/web#4"].status_category == "done" and items["acme/web#4"].links == ("OPS-7",)
    assert reader.requests == 2  # one REST page, one board page


def test_pull_requests_included_on_request(sandbox: Sandbox) -> None:
    """include_pull_requests keeps pull requests, as kind pull_request."""
    reader = sandbox.reader(config=sandbox.config(include_pull_requests=True))
    kinds = {i.key: i.kind for i in reader.fetch_items("acme/web", None)}
    assert kinds["acme/web#3"] == "pull_request"


def test_no_change_read_costs_one_free_request_and_edits_are_seen() -> None:
    """A repeated read with the same since is one 304 (no budget spent, no items); an edit shows up."""
    store, _stats, server = start(fixture())
    try:
        sandbox = Sandbox(store, _stats, server)
        etags = Etags()
        since = "2000-01-01T00:00:00Z"
        first = sandbox.reader(etags=etags)
        assert len(list(first.fetch_items("acme/web", since))) == 3
        spent = first.client.budget.remaining["core"]

        again = sandbox.reader(etags=etags)
        assert list(again.fetch_items("acme/web", since)) == []
        assert again.requests == 1
        assert again.client.budget.remaining["core"] == spent  # the 304 was free

        store.edit_as_person("acme/web#4", title="Refunds v2")
        edited = sandbox.reader(etags=etags)
        titles = {i.key: i.title for i in edited.fetch_items("acme/web", since)}
        assert titles["acme/web#4"] == "Refunds v2"
    finally:
        server.stop()


def test_board_only_change_is_reported_from_the_previous_item() -> None:
    """A board value changed by a person is reported even when the REST listing answers 304."""
    store, stats, server = start(fixture())
    try:
        sandbox = Sandbox(store, stats, server)
        config = sandbox.config(project=GithubProjectConfig(owner="acme", number=1))
        etags = Etags()
        mirror = {i.key: i for i in sandbox.reader(config=config, etags=etags).fetch_items("acme/web", None)}
        store.edit_as_person("acme/web#2", project_values={"Priority": "P0"})

        reader = sandbox.reader(config=config, etags=etags, previous=mirror.get)
        items: list[Item] = list(reader.fetch_items("acme/web", None))
        assert [(i.key, i.fields["Priority"]) for i in items] == [("acme/web#2", "P0")]
        assert reader.requests == 2  # one 304, one board page
    finally:
        server.stop()


def test_bad_token_is_an_auth_error_without_the_token(sandbox: Sandbox) -> None:
    """A wrong token fails with a one-line AuthError that names GitHub and never shows the token."""
    with pytest.raises(AuthError) as caught:
        list(sandbox.reader(token="ghp_wrong_token_abcdef").fetch_items("acme/web", None))
    line = caught.value.one_line()
    assert "github" in line and "401" in line and "ghp_wrong" not in line
    assert "$GITHUB_TOKEN" in line  # the variable the user filled in, as Jira's hint names $JIRA_TOKEN


def test_unknown_repo_is_not_found(sandbox: Sandbox) -> None:
    """A repository that does not exist fails with NotFoundError naming the repo."""
    with pytest.raises(NotFoundError) as caught:
        list(sandbox.reader().fetch_items("acme/nope", None))
    assert "acme/nope" in caught.value.one_line()


def test_unknown_board_is_not_found(sandbox: Sandbox) -> None:
    """A configured board that does not exist fails with NotFoundError naming the project."""
    reader = sandbox.reader(config=sandbox.config(project=GithubProjectConfig(owner="acme", number=9)))
    with pytest.raises(NotFoundError) as caught:
        list(reader.fetch_items("acme/web", None))
    assert "acme/9" in caught.value.one_line()


def test_budget_reserve_stops_cleanly_keeping_what_was_fetched() -> None:
    """Under the reserve the reader raises BudgetExhausted after yielding the pages it already read."""
    fx: dict[str, Any] = {
        "owner": "acme",
        "repos": [{"name": "big"}],
        "issues": [{"repo": "big", "number": n, "title": f"t{n}"} for n in range(1, 351)],
    }
    store, stats, server = start(fx, budget=101)
    try:
        reader = Sandbox(store, stats, server).reader(budget_reserve=100)
        got: list[Item] = []
        with pytest.raises(BudgetExhausted) as caught:
            got.extend(reader.fetch_items("acme/big", None))
        assert len(got) == 200 and reader.requests == 2
        assert caught.value.exit_code == 4
    finally:
        server.stop()


def test_org_scopes_follow_include_and_exclude_globs(sandbox: Sandbox) -> None:
    """With an org instead of repos, scopes are the org's repos kept by the globs."""
    reader = sandbox.reader(
        config=sandbox.config(repos=[], org="acme", include=["hundred*", "web"], exclude=["*1"])
    )
    assert reader.scopes() == ["acme/hundred", "acme/web"]
