"""An incremental pull reads only the Projects v2 board items changed since its cursor (REST
``-last-updated:Ndays`` list, then their values by GraphQL) on a 1,000-item board, through the real
reader (PyGithub, httpx) against the GitHub emulator over sockets; requests counted by endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from roadsync.config.model import GithubConfig, GithubProjectConfig
from roadsync.connectors.github.board import window_days
from roadsync.connectors.github.reader import GithubReader
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.github import GithubStore, create_github_app

TOKEN = "ghp_board_changes_test_token_0123456789"
FAST = RetryPolicy(attempts=2, base_s=0.01, max_wait_s=0.05)
BOARD = 1000
SCOPE = "acme/web"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = datetime.now(timezone.utc)
QUIET = _iso(NOW - timedelta(days=10))  # the board has been left alone since then


def _fixture() -> dict[str, Any]:
    issues = [{"repo": "web", "number": n, "title": f"Issue {n}", "created_at": QUIET}
              for n in range(1, BOARD + 2)]  # fmt: skip
    items = [{"issue": f"{SCOPE}#{n}", "values": {"Priority": "P1", "Estimate": 2}, "updated_at": QUIET}
             for n in range(1, BOARD + 1)]  # fmt: skip
    return {
        "owner": "acme",
        "repos": [{"name": "web"}],
        "issues": issues,
        "project": {"number": 1, "fields": [
            {"name": "Priority", "type": "single_select", "options": ["P0", "P1"]},
            {"name": "Estimate", "type": "number"}], "items": items},
    }  # fmt: skip


class World:
    def __init__(self) -> None:
        self.store = GithubStore.from_fixture(_fixture())  # type: ignore[arg-type]
        self.stats = Stats()
        self.server: RunningServer = serve_app(create_github_app(self.store, stats=self.stats, token=TOKEN))
        project = GithubProjectConfig(owner="acme", number=1)
        self.config = GithubConfig(
            url=self.server.url, repos=[SCOPE], project=project, estimate_field="Estimate"
        )
        self.mirror: dict[str, Item] = {}

    def reader(self) -> GithubReader:
        return GithubReader(self.config, TOKEN, retry=FAST, previous=self.mirror.get if self.mirror else None)

    def pull(self, since: str | None) -> dict[str, Item]:
        """One scope's pull into the mirror stand-in; the items the reader yielded, by key."""
        reader = self.reader()
        try:
            got = {item.key: item for item in reader.fetch_items(SCOPE, since)}
        finally:
            reader.close()
        self.mirror.update(got)
        return got

    def endpoints(self) -> dict[str, int]:
        return self.stats.by_endpoint().get("github", {})


@pytest.fixture
def world() -> Iterator[World]:
    made = World()
    made.pull(None)  # the first sync: every issue, the board read in full
    assert made.endpoints()["graphql:RoadsyncProjectItems"] == BOARD // 100 - 1
    made.stats.reset()
    yield made
    made.server.stop()


def _since() -> str:
    return _iso(datetime.now(timezone.utc) - timedelta(minutes=5))


def test_a_quiet_board_costs_one_request(world: World) -> None:
    """A no-op incremental pull of a 1,000-item board reads the board in one REST request."""
    assert world.pull(_since()) == {}
    assert world.endpoints() == {"list_issues": 1, "list_org_project_items": 1}


def test_a_persons_board_edit_is_caught_with_its_values_and_nothing_else(world: World) -> None:
    """A person's board edit since the cursor comes back (values by GraphQL, other fields kept)."""
    since = _since()
    world.store.edit_as_person(f"{SCOPE}#7", project_values={"Priority": "P0"})
    got = world.pull(since)
    assert list(got) == [f"{SCOPE}#7"]
    assert got[f"{SCOPE}#7"].fields == {"Priority": "P0", "Estimate": "2"}
    values = "graphql:RoadsyncBoardValues"
    assert world.endpoints() == {"list_issues": 1, "list_org_project_items": 1, values: 1}


def test_an_item_added_to_the_board_is_picked_up(world: World) -> None:
    """An issue a person adds to the board gets its board item and values at the next pull."""
    since = _since()
    world.store.edit_as_person(f"{SCOPE}#{BOARD + 1}", project_values={"Priority": "P0"})
    got = world.pull(since)
    added = got[f"{SCOPE}#{BOARD + 1}"]
    assert added.project_item_id and added.fields == {"Priority": "P0"}


def test_an_issue_changed_on_github_keeps_its_unchanged_board_values(world: World) -> None:
    """An issue the REST listing returns whose board item did not change keeps the mirror's values."""
    since = _since()
    world.store.edit_as_person(f"{SCOPE}#3", title="Renamed")
    got = world.pull(since)
    item = got[f"{SCOPE}#3"]
    assert item.title == "Renamed" and item.fields == {"Priority": "P1", "Estimate": "2"}
    assert item.estimate == 2.0 and item.project_item_id
    assert "graphql:RoadsyncBoardValues" not in world.endpoints()


def test_items_listed_in_the_window_but_older_than_the_cursor_are_not_read_again(world: World) -> None:
    """The day-wide list is narrowed by ``updated_at >= since``: an edit before the cursor costs no
    GraphQL values read (the previous pull read it)."""
    world.store.edit_as_person(f"{SCOPE}#9", project_values={"Priority": "P0"})
    world.pull(_since())
    world.stats.reset()
    later = _iso(datetime.now(timezone.utc) + timedelta(seconds=2))
    assert world.pull(later) == {}
    assert world.endpoints() == {"list_issues": 1, "list_org_project_items": 1}


def test_without_the_rest_list_the_board_is_read_in_full(world: World) -> None:
    """Where GitHub answers 404 for the REST list (GHES without it), the pull reads the whole board
    by GraphQL and still catches the edit."""
    world.store.rest_project_items = False
    since = _since()
    world.store.edit_as_person(f"{SCOPE}#11", project_values={"Priority": "P0"})
    got = world.pull(since)
    assert got[f"{SCOPE}#11"].fields["Priority"] == "P0"
    endpoints = world.endpoints()
    assert endpoints["list_org_project_items"] == 1
    assert endpoints["graphql:RoadsyncOrgProject"] == 1
    assert endpoints["graphql:RoadsyncProjectItems"] == BOARD // 100 - 1


def test_an_issue_new_to_the_mirror_from_before_the_window_reads_the_board_in_full(world: World) -> None:
    """An issue the mirror never held (out of a filter until now) whose board item is older than
    the window gets its values from a full board read, never an empty board part."""
    del world.mirror[f"{SCOPE}#5"]
    since = _since()
    world.store.edit_as_person(f"{SCOPE}#5", title="Back in scope")
    got = world.pull(since)
    assert got[f"{SCOPE}#5"].fields == {"Priority": "P1", "Estimate": "2"}
    assert world.endpoints()["graphql:RoadsyncProjectItems"] == BOARD // 100 - 1


@pytest.mark.parametrize(
    ("elapsed", "days"),
    [(timedelta(0), 2), (timedelta(hours=1), 2), (timedelta(days=1), 2), (timedelta(days=1, seconds=1), 3),
     (-timedelta(hours=2), 2)],
)
def test_the_window_is_whole_days_plus_one(elapsed: timedelta, days: int) -> None:
    """``-last-updated:`` asks ceil(elapsed days) + 1 days, at least 2 (a clock ahead counts as 0)."""
    assert window_days(NOW - elapsed, NOW) == days


def test_a_reader_keeps_no_board_after_the_pull(world: World) -> None:
    """After ``pulled()`` the reader holds no board: a later read reads it again and sees a
    person's edit made in between, where the copy read for the pull would have hidden it."""
    reader = world.reader()
    try:
        assert len(list(reader.fetch_items(SCOPE, None))) == BOARD + 1
        reader.pulled()
        world.store.edit_as_person(f"{SCOPE}#7", project_values={"Priority": "P0"})
        again = {item.key: item for item in reader.fetch_items(SCOPE, None)}
    finally:
        reader.close()
    assert again[f"{SCOPE}#7"].fields["Priority"] == "P0"
    assert world.endpoints()["graphql:RoadsyncProjectItems"] == 2 * (BOARD // 100 - 1)
