"""JiraReader against the Jira emulator over real HTTP, through the real jira library, both flavours."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from roadsync.config.model import JiraConfig
from roadsync.connectors.jira import Flavor, JiraReader
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError, NotFoundError, RemoteRefused, TransientError
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.fixture import JiraFixture, JiraIssueFixture
from roadsync.sandbox.jira import JiraStore, create_jira_app

EMAIL = "bot@example.com"
TOKEN = "sandbox-jira-token-123"
PAGE = 5
FAST = RetryPolicy(attempts=2, base_s=0.01, max_wait_s=0.05)
FLAVORS: list[Flavor] = ["cloud", "datacenter"]
BASE_TIME = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@dataclass
class Site:
    url: str
    store: Any
    stats: Stats
    flavor: Flavor

    def config(self, **overrides: Any) -> JiraConfig:
        auth = "basic" if self.flavor == "cloud" else "bearer"
        values: dict[str, Any] = {
            "url": self.url,
            "auth": auth,
            "email": EMAIL if auth == "basic" else None,
            "projects": ["PAY"],
            "page_size": PAGE,
        }
        return JiraConfig(**{**values, **overrides})

    def reader(self, token: str = TOKEN, **kwargs: Any) -> JiraReader:
        config_overrides = kwargs.pop("config", {})
        kwargs.setdefault("retry", FAST)
        return JiraReader(self.config(**config_overrides), token, **kwargs)

    def reads(self) -> int:
        return self.stats.snapshot()["jira"]["reads"]

    def writes(self) -> int:
        return self.stats.snapshot()["jira"]["writes"]


def stamp(minutes: int) -> str:
    return (BASE_TIME + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def numbered_issues(count: int) -> list[JiraIssueFixture]:
    return [
        {"key": f"PAY-{n}", "type": "Task", "summary": f"Task {n}", "updated": stamp(n), "created": stamp(0)}
        for n in range(1, count + 1)
    ]


def site_fixture(issues: list[JiraIssueFixture]) -> JiraFixture:
    return {
        "projects": [{"key": "PAY", "name": "Payments", "components": ["api", "checkout"]}],
        "custom_fields": [
            {"name": "Theme", "type": "select", "options": ["checkout", "payouts"]},
            {"name": "Story Points", "type": "number"},
            {"name": "Alignment", "type": "text"},
        ],
        "issues": issues,
    }


@contextmanager
def serve_jira(fixture: JiraFixture, flavor: Flavor, *, clock: Any = None) -> Iterator[Site]:
    """One emulated Jira site on a loopback port, stopped afterwards."""
    store = JiraStore.from_fixture(fixture, flavor=flavor, clock=clock)
    stats = Stats()
    app = create_jira_app(store, stats=stats, email=EMAIL, token=TOKEN, flavor=flavor)
    server: RunningServer = serve_app(app)
    try:
        yield Site(server.url, store, stats, flavor)
    finally:
        server.stop()


def fixed_clock() -> datetime:
    return BASE_TIME + timedelta(days=30)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("count", [0, 1, PAGE, PAGE + 1])
def test_full_pull_pages_and_costs_exactly_the_formula(flavor: Flavor, count: int) -> None:
    """A full pull of N issues in order at 1 serverInfo + 1 /field + max(1, ceil(N/page))."""
    with serve_jira(site_fixture(numbered_issues(count)), flavor) as site:
        reader = site.reader(remote_links=False)
        items = list(reader.fetch_items("PAY", None))
        assert [item.key for item in items] == [f"PAY-{n}" for n in range(1, count + 1)]
        assert reader.flavor == flavor
        expected = 2 + max(1, math.ceil(count / PAGE))
        assert (reader.requests, site.reads(), site.writes()) == (expected, expected, 0)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_remote_links_cost_one_lookup_per_issue_unless_known(flavor: Flavor) -> None:
    """GitHub remote links become Item.links (a GET per issue); known links of unchanged issues are reused."""
    issues = numbered_issues(3)
    issues[0]["remote_links"] = ["https://github.com/acme/web/issues/4", "https://example.com/doc"]
    with serve_jira(site_fixture(issues), flavor) as site:
        reader = site.reader()
        items = {item.key: item for item in reader.fetch_items("PAY", None)}
        assert items["PAY-1"].links == ("acme/web#4",)
        assert items["PAY-2"].links == ()
        assert reader.requests == 2 + 1 + 3

        known = {(key, item.updated): item.links for key, item in items.items() if key != "PAY-3"}
        again = site.reader(known_links=lambda key, updated: known.get((key, updated)))
        assert {i.key: i.links for i in again.fetch_items("PAY", None)} == {
            k: i.links for k, i in items.items()
        }
        assert again.requests == 2 + 1 + 1


@pytest.mark.parametrize("flavor", FLAVORS)
def test_since_returns_only_issues_updated_from_that_minute(flavor: Flavor) -> None:
    """An incremental pull asks for `updated >= since` (floored to the minute) and sees a later edit."""
    with serve_jira(site_fixture(numbered_issues(6)), flavor, clock=fixed_clock) as site:
        reader = site.reader(remote_links=False)
        assert [i.key for i in reader.fetch_items("PAY", stamp(4)[:-4] + ":59Z")] == [
            "PAY-4",
            "PAY-5",
            "PAY-6",
        ]
        site.store.edit_as_person("PAY-2", labels_add=["late"])
        later = [i for i in reader.fetch_items("PAY", stamp(20)) if i.key == "PAY-2"]
        assert [i.labels for i in later] == [("late",)]
        before = reader.requests
        nothing = list(reader.fetch_items("PAY", fixed_clock().strftime("%Y-%m-%dT%H:%M:%SZ")))
        assert [i.key for i in nothing] == ["PAY-2"]
        # An incremental pull costs one search page; /field and /myself were paid once per reader.
        assert reader.requests - before == 1
        assert reader.requests == 1 + 1 + 1 + 3


def hierarchy() -> list[JiraIssueFixture]:
    return [
        {"key": "PAY-1", "type": "Epic", "summary": "Checkout v2", "status": "In Progress"},
        {"key": "PAY-2", "type": "Story", "summary": "3DS", "parent": "PAY-1", "fields": {"Story Points": 5}},
        {"key": "PAY-3", "type": "Sub-task", "summary": "UI", "parent": "PAY-2"},
        {
            "key": "PAY-4",
            "type": "Bug",
            "summary": "Refund",
            "priority": "High",
            "labels": ["theme/payouts", "ops"],
            "components": ["api"],
            "assignee": "Ada Lovelace",
            "fields": {"Theme": "payouts", "Alignment": "aligned"},
            "status": "Done",
        },
    ]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_epics_parents_and_fields_resolve(flavor: Flavor) -> None:
    """Epics, parents (Cloud `parent`, DC Epic Link), estimates and managed fields by name come through."""
    with serve_jira(site_fixture(hierarchy()), flavor) as site:
        reader = site.reader(remote_links=False, managed_fields=["Theme", "Alignment"])
        items = {i.key: i for i in reader.fetch_items("PAY", None)}
    summary = {k: (i.kind, i.parent, i.estimate) for k, i in items.items()}
    assert summary == {
        "PAY-1": ("epic", None, None),
        "PAY-2": ("issue", "PAY-1", 5.0),
        "PAY-3": ("sub-task", "PAY-2", None),
        "PAY-4": ("issue", None, None),
    }
    bug = items["PAY-4"]
    assert (bug.priority, bug.labels, bug.components, bug.assignee) == (
        "High",
        ("ops", "theme/payouts"),
        ("api",),
        "Ada Lovelace",
    )
    assert (bug.status, bug.status_category, dict(bug.fields)) == (
        "Done",
        "done",
        {"Alignment": "aligned", "Theme": "payouts"},
    )
    assert bug.url == f"{site.url}/browse/PAY-4"
    assert items["PAY-1"].status_category == "in_progress"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_jql_filter_narrows_the_scope(flavor: Flavor) -> None:
    """The configured JQL is ANDed to the project scope."""
    with serve_jira(site_fixture(hierarchy()), flavor) as site:
        reader = site.reader(remote_links=False, config={"jql": 'priority = "High"'})
        assert [i.key for i in reader.fetch_items("PAY", None)] == ["PAY-4"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_unknown_project_names_the_project_and_the_fix(flavor: Flavor) -> None:
    """Pulling a project that does not exist fails with one line naming it and the fix."""
    with serve_jira(site_fixture([]), flavor) as site, pytest.raises(NotFoundError) as caught:
        list(site.reader(remote_links=False).fetch_items("NOPE", None))
    line = str(caught.value)
    assert "NOPE does not exist or the token cannot browse it" in line
    assert "\n" not in line and TOKEN not in line


@pytest.mark.parametrize("flavor", FLAVORS)
def test_bad_token_names_the_token_variable(flavor: Flavor) -> None:
    """A wrong token fails at once (no retries) with the env var to check and no secret in the text."""
    with serve_jira(site_fixture([]), flavor) as site, pytest.raises(AuthError) as caught:
        list(
            site.reader(token="wrong-token-value", config={"token_env": "PAY_JIRA_TOKEN"}).fetch_items(
                "PAY", None
            )
        )
    line = str(caught.value)
    assert "check the Jira token in $PAY_JIRA_TOKEN" in line
    assert "wrong-token-value" not in line and "Authorization" not in line and "\n" not in line
    assert caught.value.status == 401


@pytest.mark.parametrize("flavor", FLAVORS)
def test_unknown_custom_field_lists_close_names(flavor: Flavor) -> None:
    """A managed field name the site does not have fails naming it and the close names."""
    with serve_jira(site_fixture([]), flavor) as site, pytest.raises(NotFoundError) as caught:
        list(site.reader(managed_fields=["Themes"]).fetch_items("PAY", None))
    assert "Jira has no field named 'Themes'" in str(caught.value)
    assert "close names: Theme" in str(caught.value)


def test_explicit_estimate_field_must_exist_but_the_default_may_be_missing() -> None:
    """The default estimate field may be absent (no estimate); a configured one that is absent is an error."""
    fixture = site_fixture(numbered_issues(1))
    fixture["custom_fields"] = []
    with serve_jira(fixture, "cloud") as site:
        assert [i.estimate for i in site.reader(remote_links=False).fetch_items("PAY", None)] == [None]
        with pytest.raises(NotFoundError, match="Jira has no field named 'Points'"):
            list(site.reader(config={"estimate_field": "Points"}).fetch_items("PAY", None))


def test_cloud_old_search_endpoint_410_says_what_to_set() -> None:
    """Forcing Data Center paging against Jira Cloud meets the 410 and says to set jira.flavor."""
    with (
        serve_jira(site_fixture(numbered_issues(1)), "cloud") as site,
        pytest.raises(RemoteRefused) as caught,
    ):
        list(site.reader(remote_links=False, config={"flavor": "datacenter"}).fetch_items("PAY", None))
    assert caught.value.status == 410
    assert 'set jira.flavor = "cloud"' in str(caught.value)


def test_unreachable_host_names_the_url() -> None:
    """A host that does not answer fails after the retries with the URL and the setting to check."""
    with serve_jira(site_fixture([]), "cloud") as site:
        url = site.url
    config = JiraConfig(url=url, email=EMAIL, projects=["PAY"])
    reader = JiraReader(config, TOKEN, retry=FAST)
    assert reader.requests == 0
    with pytest.raises(TransientError) as caught:
        list(reader.fetch_items("PAY", None))
    assert f"cannot reach {url}" in str(caught.value)
    assert "check jira.url / network" in str(caught.value)


def test_datacenter_pages_by_the_servers_cap() -> None:
    """When Data Center caps maxResults below the configured page size, the reader pages by what it got."""
    with serve_jira(site_fixture(numbered_issues(1001)), "datacenter") as site:
        reader = site.reader(remote_links=False, config={"page_size": 5000})
        assert len(list(reader.fetch_items("PAY", None))) == 1001
        assert reader.requests == 2 + 2  # the emulator, like many DC sites, serves at most 1000 per page


def test_cloud_api_v3_reads_adf_descriptions() -> None:
    """With api_version 3 on Cloud the reader uses /rest/api/3 and turns ADF descriptions into text."""
    issues = numbered_issues(1)
    issues[0]["description"] = "Line one\nLine two"
    with serve_jira(site_fixture(issues), "cloud") as site:
        reader = site.reader(remote_links=False, config={"api_version": 3})
        assert [i.body for i in reader.fetch_items("PAY", None)] == ["Line one\nLine two"]
        assert reader.client.api_url("search/jql") == f"{site.url}/rest/api/3/search/jql"
