"""Fault injection over real HTTP: each fault kind, determinism, write counting."""

from __future__ import annotations

import time

import httpx
import pytest

from roadsync.sandbox.faults import FaultSettings, FaultState, is_write_request
from tests.sandbox.tiny import serve_tiny

MUTATION = b'{"query": "mutation { addProjectV2ItemById(input: {}) { item { id } } }"}'
QUERY = b'{"query": "query { viewer { login } }"}'


def _statuses(url: str, n: int) -> list[int | str]:
    seen: list[int | str] = []
    with httpx.Client(timeout=5) as client:
        for _ in range(n):
            try:
                seen.append(client.get(url + "/rest/api/2/myself").status_code)
            except httpx.TransportError:
                seen.append("dropped")
    return seen


def test_same_seed_gives_the_same_fault_sequence() -> None:
    """Two runs with the same seed and settings meet exactly the same faults in the same order."""
    runs = []
    for _ in range(2):
        with serve_tiny("jira", rate=0.4, drop_rate=0.1, seed=7, retry_after_s=0) as sb:
            runs.append(_statuses(sb.url, 30))
    assert runs[0] == runs[1]
    assert {200, "dropped"} <= set(runs[0]) and set(runs[0]) & {429, 502, 503}


def test_another_seed_gives_another_sequence() -> None:
    """A different seed changes which requests fail."""
    state_a, state_b = (
        FaultState(FaultSettings(rate=0.5, seed=1)),
        FaultState(FaultSettings(rate=0.5, seed=2)),
    )
    seq_a = [state_a.decide("jira", write=False) for _ in range(40)]
    seq_b = [state_b.decide("jira", write=False) for _ in range(40)]
    assert seq_a != seq_b


def test_jira_rate_limit_answer_carries_integer_retry_after_and_headers() -> None:
    """An injected Jira 429 has an integer Retry-After, X-RateLimit headers and Jira's error body."""
    with serve_tiny("jira", rate=1.0, seed=0, retry_after_s=3) as sb, httpx.Client(timeout=5) as client:
        answers = [client.get(sb.url + "/rest/api/3/search/jql") for _ in range(12)]
    limited = [r for r in answers if r.status_code == 429]
    assert limited and {r.status_code for r in answers} <= {429, 502, 503}
    first = limited[0]
    assert first.headers["Retry-After"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    assert first.headers["RateLimit-Reason"] == "jira-burst-based"
    assert first.json()["errorMessages"] == ["Rate limit exceeded."]
    assert sb.seen.handled == 0


def test_github_rate_limit_answers_are_secondary_limits() -> None:
    """GitHub 429s carry retry-after and the secondary-limit message; secondary_rate gives 403s without it."""
    with serve_tiny("github", rate=1.0, seed=0, retry_after_s=0) as sb, httpx.Client(timeout=5) as client:
        limited = [r for r in (client.get(sb.url + "/user") for _ in range(12)) if r.status_code == 429]
        assert limited[0].headers["retry-after"] == "0"
        assert limited[0].json()["message"].startswith("You have exceeded a secondary rate limit")
        assert "x-ratelimit-remaining" in limited[0].headers
        client.post(sb.url + "/_sandbox/faults", json={"rate": 0, "secondary_rate": 1.0})
        refused = client.get(sb.url + "/user")
    assert refused.status_code == 403
    assert "retry-after" not in refused.headers
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")


def test_dropped_connection_is_a_transport_error_and_never_reaches_the_tracker() -> None:
    """With drop_rate 1 every request fails mid-response and the tracker sees nothing."""
    with serve_tiny("jira", drop_rate=1.0) as sb, httpx.Client(timeout=5) as client:
        with pytest.raises(httpx.TransportError):
            client.get(sb.url + "/rest/api/2/serverInfo")
        assert sb.seen.handled == 0


@pytest.mark.parametrize("after_apply", [False, True])
def test_kth_write_fails_once_before_or_after_applying(after_apply: bool) -> None:
    """fail_write=3 answers 502 to the third write only; after_apply decides if it was stored."""
    settings = {"fail_write": 3, "fail_write_after_apply": after_apply}
    with serve_tiny("jira", **settings) as sb, httpx.Client(timeout=5) as client:
        codes = []
        for n in range(5):
            client.get(sb.url + "/rest/api/2/issue/PAY-1")  # reads are not counted as writes
            codes.append(client.put(sb.url + f"/rest/api/2/issue/PAY-{n}", json={"fields": {}}).status_code)
        applied = [path for _, path in sb.seen.applied]
    assert codes == [200, 200, 502, 200, 200]
    assert ("/rest/api/2/issue/PAY-2" in applied) is after_apply
    assert len(applied) == (5 if after_apply else 4)


def test_read_only_posts_are_not_writes() -> None:
    """Jira searches and bulk fetches, and GraphQL queries, are reads; mutations and edits are writes."""
    assert not is_write_request("jira", "POST", "/rest/api/3/search/jql", b"{}")
    assert not is_write_request("jira", "POST", "/rest/api/2/search", b"{}")
    assert not is_write_request("jira", "POST", "/rest/api/3/search/approximate-count", b"{}")
    assert not is_write_request("jira", "POST", "/rest/api/3/issue/bulkfetch", b"{}")
    assert not is_write_request("jira", "POST", "/rest/api/3/changelog/bulkfetch", b"{}")
    assert is_write_request("jira", "POST", "/rest/api/2/issue/PAY-1/remotelink", b"{}")
    assert is_write_request("jira", "PUT", "/rest/api/2/issue/PAY-1", b"{}")
    assert not is_write_request("github", "POST", "/graphql", QUERY)
    assert is_write_request("github", "POST", "/graphql", MUTATION)
    assert not is_write_request("github", "POST", "/graphql", b'{"query": "{ a(mutation: 1) }"}')
    assert is_write_request("github", "POST", "/repos/acme/web/issues/1/labels", b"[]")
    assert not is_write_request("github", "GET", "/repos/acme/web/issues", b"")


def test_graphql_query_does_not_consume_the_failing_write() -> None:
    """Only mutations count toward fail_write: a query POST passes and the next mutation fails."""
    with serve_tiny("github", fail_write=1) as sb, httpx.Client(timeout=5) as client:
        query = client.post(sb.url + "/graphql", content=QUERY)
        mutation = client.post(sb.url + "/graphql", content=MUTATION)
    assert (query.status_code, mutation.status_code) == (200, 502)


def test_fail_write_can_count_one_trackers_writes() -> None:
    """With ``fail_write_tracker``, only that tracker's writes count toward ``fail_write``: Jira's
    writes pass and GitHub's second write fails (both trackers share one write counter otherwise)."""
    state = FaultState(FaultSettings(fail_write=2, fail_write_tracker="github"))
    decided = [state.decide(t, write=True) for t in ("jira", "github", "jira", "jira", "github", "github")]
    assert decided == ["pass", "pass", "pass", "pass", "fail_before", "pass"]
    with pytest.raises(ValueError):
        state.update(fail_write_tracker="gitlab")


def test_latency_delays_every_request() -> None:
    """latency_ms adds at least that much time to each request."""
    with serve_tiny("jira", latency_ms=150) as sb, httpx.Client(timeout=5) as client:
        started = time.monotonic()
        client.get(sb.url + "/rest/api/2/serverInfo")
        client.get(sb.url + "/rest/api/2/serverInfo")
        elapsed = time.monotonic() - started
    assert elapsed >= 0.3


def test_control_api_is_never_faulted() -> None:
    """With every request failing, /_sandbox still answers."""
    with serve_tiny("jira", rate=1.0, drop_rate=1.0) as sb, httpx.Client(timeout=5) as client:
        assert client.get(sb.url + "/_sandbox/health").json() == {"status": "ok"}


def test_bad_settings_are_refused() -> None:
    """Out-of-range or unknown settings raise ValueError and keep the old settings."""
    state = FaultState(FaultSettings(rate=0.2))
    for bad in ({"rate": 2}, {"latency_ms": -1}, {"fail_write": 0}, {"typo": 1}):
        with pytest.raises(ValueError):
            state.update(**bad)
    assert state.settings.rate == 0.2
