"""GitHub's documented secondary rate limits, enforced by the sandbox when set.

Sources: GitHub's docs on secondary rate limits (github/docs ``secondary-rate-limit-rest-graphql.md``:
2,000 GraphQL points per minute, 1 per query request and 5 per mutation request; 80 content-generating
requests per minute and 500 per hour; ``retry-after``); gofri/go-github-ratelimit#38 (the
content-creation 403 body); research github.md §9.
"""

from __future__ import annotations

import time

import httpx
import pytest
from github import GithubException

from roadsync.sandbox.github.secondary import CONTENT_MESSAGE, SecondaryLimiter
from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, world


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_content_limit_refuses_the_request_over_it_until_the_window_has_room() -> None:
    """At 2 content requests per minute the third is refused with the seconds until the first leaves
    the window; reads never count; after that wait it is admitted."""
    clock = Clock()
    limiter = SecondaryLimiter(clock=clock)
    limiter.configure(content_per_minute=2)
    assert limiter.admit("bot", content=True) is None
    clock.now += 15
    assert limiter.admit("bot", content=True) is None
    assert limiter.admit("bot") is None  # a read
    refusal = limiter.admit("bot", content=True)
    assert refusal is not None
    assert (refusal.status, refusal.retry_after, refusal.message) == (403, 45, CONTENT_MESSAGE)
    clock.now += 45
    assert limiter.admit("bot", content=True) is None


def test_graphql_points_count_5_per_mutation_and_1_per_query_per_account() -> None:
    """With 10 points a minute two mutation requests fill the minute; another account has its own budget."""
    clock = Clock()
    limiter = SecondaryLimiter(clock=clock)
    limiter.configure(graphql_points_per_minute=10, status=429)
    assert limiter.admit("bot", graphql_points=5) is None
    assert limiter.admit("bot", graphql_points=5) is None
    refused = limiter.admit("bot", graphql_points=1)
    assert refused is not None and (refused.status, refused.retry_after) == (429, 60)
    assert limiter.admit("pat-person", graphql_points=5) is None


def test_hourly_content_limit_holds_across_minutes() -> None:
    """At 3 an hour (and no per-minute limit) the fourth write an hour's minutes later is still refused."""
    clock = Clock()
    limiter = SecondaryLimiter(clock=clock)
    limiter.configure(content_per_hour=3)
    for _ in range(3):
        assert limiter.admit("bot", content=True) is None
        clock.now += 600
    refused = limiter.admit("bot", content=True)
    assert refused is not None and refused.retry_after == 1800


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def test_rest_writes_over_the_content_limit_get_githubs_403_with_retry_after(w: World) -> None:
    """Set through the control API, the content limit refuses PyGithub's third label add with 403,
    GitHub's content-creation message and ``retry-after``; nothing is written."""
    with httpx.Client() as http:
        assert http.post(w.sb.control_url + "/github/limits",
                         json={"content_per_minute": 2}).json()["content_per_minute"] == 2
    issue = w.gh().get_repo("acme/web").get_issue(3)
    issue.add_to_labels("ui")
    issue.remove_from_labels("ui")
    with pytest.raises(GithubException) as caught:
        issue.add_to_labels("ui")
    assert caught.value.status == 403 and caught.value.data["message"] == CONTENT_MESSAGE  # type: ignore[index]
    assert int(caught.value.headers["retry-after"]) > 0  # type: ignore[index]
    assert w.sb.github_store.get("acme/web#3").labels == []  # type: ignore[union-attr]


def test_graphql_over_the_points_limit_is_refused_until_the_window_moves(w: World) -> None:
    """At 6 points per 5-second "minute", a query (1) and a mutation document (5) fit, the next query is
    refused with ``retry-after``, and once the window has moved it goes through.

    The window is 5 s (not 1 s) so that three requests on a loaded machine still fall inside it."""
    w.sb.set_github_limits(graphql_points_per_minute=6, minute_s=5.0)
    query = 'query { repository(owner: "acme", name: "web") { name } }'
    mutation = 'mutation { deleteIssue(input: {issueId: "I_none"}) { clientMutationId } }'
    assert w.gql(query).status_code == 200 and w.gql(mutation).status_code == 200
    refused = w.gql(query)
    assert refused.status_code == 403 and 1 <= int(refused.headers["retry-after"]) <= 5
    assert "secondary rate limit" in refused.json()["message"]
    time.sleep(5.05)
    assert w.gql(query).json()["data"]["repository"]["name"] == "web"


def test_limits_are_off_by_default_and_bad_settings_are_refused(w: World) -> None:
    """Without settings nothing is limited; the control API rejects an unknown or invalid limit with 400."""
    assert w.sb.set_github_limits() == {"graphql_points_per_minute": None, "content_per_minute": None,
                                        "content_per_hour": None, "minute_s": 60.0, "status": 403}
    with httpx.Client() as http:
        unknown = http.post(w.sb.control_url + "/github/limits", json={"per_second": 1})
        negative = http.post(w.sb.control_url + "/github/limits", json={"content_per_minute": 0})
    assert (unknown.status_code, negative.status_code) == (400, 400)
