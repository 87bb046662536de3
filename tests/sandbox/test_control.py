"""The control API: stats, reset, faults at run time, loopback only."""

from __future__ import annotations

import asyncio

import httpx

from roadsync.sandbox.common import Stats
from roadsync.sandbox.control import Control, create_control_app, with_control
from roadsync.sandbox.faults import FaultState
from tests.sandbox.tiny import serve_tiny


def test_stats_count_reads_and_writes_and_reset_clears_them() -> None:
    """GET /stats counts the tracker's reads and writes (not its own calls); reset zeroes them."""
    with serve_tiny("jira") as sb, httpx.Client(timeout=5) as client:
        client.get(sb.url + "/rest/api/2/myself")
        client.post(sb.url + "/rest/api/3/search/jql", json={"jql": "project = PAY"})
        client.put(sb.url + "/rest/api/2/issue/PAY-1", json={"fields": {}})
        stats = client.get(sb.url + "/_sandbox/stats").json()
        reset = client.post(sb.url + "/_sandbox/stats/reset").json()
        after = client.get(sb.url + "/_sandbox/stats").json()
    assert stats == {
        "jira": {"reads": 2, "writes": 1, "issues": 7, "notifications": 0},
        "github": {"reads": 0, "writes": 0, "issues": 0},
    }
    assert reset["jira"]["reads"] == 0
    assert after["jira"] == {"reads": 0, "writes": 0, "issues": 7, "notifications": 0}


def test_faults_update_partially_and_take_effect_at_once() -> None:
    """POST /faults changes only the given settings, GET /faults shows them, and requests fail next."""
    with serve_tiny("jira", latency_ms=0, seed=3) as sb, httpx.Client(timeout=5) as client:
        assert client.get(sb.url + "/rest/api/2/myself").status_code == 200
        updated = client.post(sb.url + "/_sandbox/faults", json={"rate": 1.0, "retry_after_s": 0})
        current = client.get(sb.url + "/_sandbox/faults").json()
        failing = client.get(sb.url + "/rest/api/2/myself").status_code
    assert updated.status_code == 200
    assert current["rate"] == 1.0 and current["seed"] == 3 and current["retry_after_s"] == 0
    assert failing in (429, 502, 503)


def test_bad_fault_settings_are_a_400_and_change_nothing() -> None:
    """An unknown key or a bad value is refused with 400; the settings stay as they were."""
    with serve_tiny("jira", rate=0.0) as sb, httpx.Client(timeout=5) as client:
        bad = [
            client.post(sb.url + "/_sandbox/faults", json={"rate": 5}),
            client.post(sb.url + "/_sandbox/faults", json={"typo": 1}),
            client.post(sb.url + "/_sandbox/faults", content=b"[1, 2]"),
        ]
        current = client.get(sb.url + "/_sandbox/faults").json()
    assert [r.status_code for r in bad] == [400, 400, 400]
    assert current["rate"] == 0.0


def test_control_refuses_non_loopback_clients() -> None:
    """A client from another address gets 403 from /_sandbox, while loopback gets the stats."""
    control = Control(Stats(), FaultState(), lambda name: 0)
    app = with_control(create_control_app(control), create_control_app(control))

    async def ask(client_host: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(client_host, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return (await client.get("/_sandbox/stats")).status_code

    assert asyncio.run(ask("10.1.2.3")) == 403
    assert asyncio.run(ask("127.0.0.1")) == 200


def test_budget_without_github_is_404() -> None:
    """POST /github/budget answers 404 when no GitHub tracker is behind the control API."""
    with serve_tiny("jira") as sb, httpx.Client(timeout=5) as client:
        answer = client.post(sb.url + "/_sandbox/github/budget", json={"limit": 10, "remaining": 0})
    assert answer.status_code == 404


def test_the_printed_control_url_lists_what_it_offers() -> None:
    """GET on the control API's own URL (what `roadsync sandbox` prints) lists its endpoints: it
    used to answer 404, which read as a broken sandbox."""
    with serve_tiny("jira") as sb, httpx.Client(timeout=5) as client:
        for url in (sb.url + "/_sandbox", sb.url + "/_sandbox/"):
            answer = client.get(url, follow_redirects=True)
            assert answer.status_code == 200, url
            endpoints = answer.json()["endpoints"]
            assert "GET /_sandbox/stats" in endpoints and "POST /_sandbox/faults" in endpoints
