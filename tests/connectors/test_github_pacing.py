"""The GitHub client's pacer keeps under GitHub's documented secondary limits by waiting.

Sources: "About secondary rate limits" (2,000 GraphQL points a minute, 1 per query request and 5
per mutation request; 80 content-generating requests a minute and 500 an hour),
https://docs.github.com/en/rest/using-the-api/rate-limits-for-the-rest-api#about-secondary-rate-limits;
research github.md §9. The clock and the sleep are injected: the waits are computed, not timed.
"""

from __future__ import annotations

from roadsync.connectors.github.pacing import DOCUMENTED, Pacer, SecondaryLimits, pacer_for


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_81st_content_request_of_a_minute_waits_for_the_first_to_leave_the_window() -> None:
    """80 content-creating requests 0.5 s apart pass at once; the 81st waits until the first is a
    minute old (20 s later), then passes."""
    clock = Clock()
    pacer = Pacer(DOCUMENTED, clock=clock, sleep=clock.sleep)
    for _ in range(80):
        assert pacer.take(content=True) == 0
        clock.now += 0.5
    assert pacer.take(content=True) == 20.0 and clock.slept == [20.0]


def test_mutation_documents_cost_5_points_and_queries_1() -> None:
    """Under 12 points a minute (and content unlimited here) two mutation documents and two queries
    fit; the next query waits for the first document to leave the window."""
    clock = Clock()
    limits = SecondaryLimits(points_per_minute=12, content_per_minute=1000, content_per_hour=1000)
    pacer = Pacer(limits, clock=clock, sleep=clock.sleep)
    for points in (5, 1, 5, 1):
        assert pacer.take(points=points, content=points == 5) == 0
        clock.now += 1
    assert pacer.take(points=1) == 56.0


def test_the_hourly_content_limit_spills_into_the_next_hour() -> None:
    """At 3 an hour, a fourth request ten minutes after the third waits until the first is an hour old."""
    clock = Clock()
    limits = SecondaryLimits(content_per_minute=80, content_per_hour=3)
    pacer = Pacer(limits, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert pacer.take(content=True) == 0
        clock.now += 600
    assert pacer.take(content=True) == 1800.0


def test_reads_and_writes_to_one_endpoint_share_one_pacer() -> None:
    """Every client of one GraphQL endpoint under the same limits gets the same pacer (GitHub counts
    per account); another endpoint or other limits get their own."""
    url = "https://ghe.example/api/graphql"
    assert pacer_for(url) is pacer_for(url, DOCUMENTED)
    assert pacer_for(url) is not pacer_for("https://api.github.com/graphql")
    assert pacer_for(url) is not pacer_for(url, SecondaryLimits(minute_s=1.0))
