"""The Jira connector under injected faults: retries honour Retry-After, a spent budget stops cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget
from roadsync.connectors.jira import Flavor, JiraReader, JiraWriter
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import BudgetExhausted
from roadsync.sandbox.common import Stats, serve_app
from roadsync.sandbox.faults import FaultSettings, FaultState
from roadsync.sandbox.injection import FaultsMiddleware
from roadsync.sandbox.jira import JiraStore, create_jira_app
from tests.connectors.test_jira_reader import EMAIL, TOKEN, Site, numbered_issues, site_fixture


@contextmanager
def faulty_jira(
    flavor: Flavor, settings: FaultSettings, issues: int = 12
) -> Iterator[tuple[Site, FaultState]]:
    store = JiraStore.from_fixture(site_fixture(numbered_issues(issues)), flavor=flavor)
    stats = Stats()
    state = FaultState(settings)
    app = create_jira_app(store, stats=stats, email=EMAIL, token=TOKEN, flavor=flavor)
    server = serve_app(FaultsMiddleware(app, state, "jira", flavor=flavor))
    try:
        yield Site(server.url, store, stats, flavor), state
    finally:
        server.stop()


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_transient_faults_are_retried_and_nothing_is_lost(flavor: Flavor) -> None:
    """With a third of requests failing (429/502/503), a full pull still returns every issue once."""
    settings = FaultSettings(rate=0.3, retry_after_s=0, seed=7)
    with faulty_jira(flavor, settings) as (site, state):
        reader = JiraReader(
            site.config(), TOKEN, retry=RetryPolicy(attempts=8, base_s=0.001, max_wait_s=0.01)
        )
        keys = [item.key for item in reader.fetch_items("PAY", None)]
        assert keys == [f"PAY-{n}" for n in range(1, 13)]
        assert sum(state.injected.values()) > 0
        # Every retry is a request of its own, and the reader counts them all.
        assert reader.requests > 2 + 3 + 12


def test_rate_limit_beyond_the_policy_raises_budget_exhausted() -> None:
    """A 429 asking for a longer wait than the retry policy allows stops with BudgetExhausted (exit 4)."""
    settings = FaultSettings(rate=1.0, retry_after_s=600, seed=3)
    with faulty_jira("cloud", settings) as (site, _), pytest.raises(BudgetExhausted) as caught:
        reader = JiraReader(
            site.config(), TOKEN, retry=RetryPolicy(attempts=30, base_s=0.001, max_wait_s=0.01)
        )
        list(reader.fetch_items("PAY", None))
    assert caught.value.exit_code == 4
    assert "source jira" in str(caught.value)


def test_writer_retries_a_failed_put_and_applies_once() -> None:
    """A PUT that answers 502 before applying is retried (it is idempotent) and the change lands once."""
    with faulty_jira("cloud", FaultSettings(fail_write=1), issues=1) as (site, _):
        writer = JiraWriter(
            site.config(),
            TOKEN,
            {"theme": FieldTarget(target="label", prefix="theme/")},
            retry=RetryPolicy(attempts=3, base_s=0.001, max_wait_s=0.01),
        )
        reader = JiraReader(site.config(), TOKEN, remote_links=False)
        item = next(reader.fetch_items("PAY", None))
        outcomes = writer.write(item, [FieldChange("PAY-1", "theme", None, "theme/checkout")])
        assert [(o.status, o.requests) for o in outcomes] == [("applied", 2)]
        assert next(reader.fetch_items("PAY", None)).labels == ("theme/checkout",)
