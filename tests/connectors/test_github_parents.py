"""Parents without a listing per parent: github.com leaves ``parent_issue_url`` out of an issue that has
no parent, and the reader reads that as "no parent", not as an older server.

Source: kamp-us/phoenix#4171 (a live check: "neither key" on an issue without a parent); GitHub's
OpenAPI lists the key as optional; research github.md §7.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.github import GithubStore, create_github_app
from tests.connectors.test_github_reader import FAST, TOKEN, Etags

PARENTS = 20


def fixture(parent_issue_url: str = "omitted") -> dict[str, Any]:
    """20 parents (updated in February) with one child each (updated in January) in ``web``."""
    parents = [{"repo": "web", "number": n, "title": f"Epic {n}", "updated_at": "2026-02-01T00:00:00Z"}
               for n in range(1, PARENTS + 1)]
    children = [{"repo": "web", "number": PARENTS + n, "title": f"Task {n}", "parent": n,
                 "updated_at": "2026-01-01T00:00:00Z"} for n in range(1, PARENTS + 1)]
    return {"owner": "acme", "repos": [{"name": "web"}], "issues": parents + children,
            "parent_issue_url": parent_issue_url}


@pytest.fixture
def server() -> Iterator[RunningServer]:
    running = serve_app(create_github_app(GithubStore.from_fixture(fixture()), stats=Stats(), token=TOKEN))  # type: ignore[arg-type]
    yield running
    running.stop()


def _reader(server: RunningServer, etags: Etags | None = None) -> Any:
    from roadsync.config.model import GithubConfig
    from roadsync.connectors.github import GithubReader

    config = GithubConfig(url=server.url, repos=["acme/web"], seconds_between_writes=0)
    return GithubReader(config, TOKEN, retry=FAST, etags=etags)


def test_a_full_read_of_20_parents_costs_one_request(server: RunningServer) -> None:
    """Every child names its parent and every parent has none: one list request, 20 parents set."""
    reader = _reader(server)
    items = {i.key: i for i in reader.fetch_items("acme/web", None)}
    assert reader.requests == 1
    assert [items[f"acme/web#{PARENTS + n}"].parent for n in (1, 20)] == ["acme/web#1", "acme/web#20"]
    assert all(items[f"acme/web#{n}"].parent is None for n in range(1, PARENTS + 1))


def test_a_later_read_of_only_the_parents_lists_no_sub_issues(server: RunningServer) -> None:
    """Once the server was seen to send the key (remembered beside the ETags), an incremental read that
    returns only the 20 parents stays one request instead of 21."""
    etags = Etags()
    list(_reader(server, etags).fetch_items("acme/web", None))
    later = _reader(server, etags)
    items = list(later.fetch_items("acme/web", "2026-01-15T00:00:00Z"))
    assert len(items) == PARENTS and later.requests == 1
