"""The Jira sandbox's history for ownership evidence: people's edits attributed like roadsync's,
entity properties, Cloud's search lag with ``reconcileIssues``, and project moves
(research/ownership.md J1-J6)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jira import JIRA

from roadsync.sandbox.jira import JiraStore
from roadsync.sandbox.jira.index import SearchIndex
from roadsync.sandbox.server import Sandbox
from tests.conftest import SandboxFactory
from tests.sandbox.test_jira_client import http_auth, running_jira
from tests.sandbox.test_jira_site import api

FLAVORS = ["cloud", "datacenter"]


def _person(sb: Sandbox) -> dict[str, Any]:
    person: dict[str, Any] = sb.info()["people"][0]
    return person


def _library(sb: Sandbox, token: str, email: str) -> JIRA:
    options = {"rest_api_version": "2"}
    if sb.jira_flavor == "datacenter":
        return JIRA(server=sb.jira_url, token_auth=token, options=options, max_retries=0)
    return JIRA(server=sb.jira_url, basic_auth=(email, token), options=options, max_retries=0)


def _who(author: dict[str, Any], flavor: str) -> str:
    return str(author["accountId"] if flavor == "cloud" else author["key"])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_persons_edit_is_attributed_to_them_as_roadsyncs_to_roadsync(
    flavor: str, sandbox_factory: SandboxFactory
) -> None:
    """Edits through the real endpoints with a person's token carry that person as changelog author
    (Cloud ``accountId``, DC ``key``) in GET ``expand=changelog`` and the search, as the bot's
    edits carry the ``/myself`` of the bot."""
    sb = sandbox_factory("configured-site", jira_flavor=flavor)
    person = _person(sb)
    mine = _library(sb, sb.jira_token, sb.jira_email)
    theirs = _library(sb, person["jira"]["token"], person["jira"]["email"])
    mine.issue("SHOP-2").update(fields={"priority": {"name": "Highest"}})
    theirs.issue("SHOP-2").update(fields={"priority": {"name": "Low"}})
    with api(sb) as bot, api(sb, person["jira"]["token"], person["jira"]["email"]) as someone:
        bot_id = _who(bot.get("/myself").json(), flavor)
        person_id = _who(someone.get("/myself").json(), flavor)
        issue = bot.get("/issue/SHOP-2", params={"expand": "changelog"}).json()
        path = "/search/jql" if flavor == "cloud" else "/search"
        found = bot.get(path, params={"jql": "key = SHOP-2", "expand": "changelog", "fields": "priority"})
    histories = issue["changelog"]["histories"]
    if flavor == "cloud":
        histories = histories[::-1]  # Cloud lists the most recent first
    assert [(_who(h["author"], flavor), h["items"][0]["toString"]) for h in histories] == [
        (bot_id, "Highest"),
        (person_id, "Low"),
    ]
    assert bot_id != person_id and histories[1]["author"]["displayName"] == person["name"]
    assert found.json()["issues"][0]["changelog"]["total"] == 2


def test_cloud_changelog_endpoints_page_oldest_first_with_authors(sandbox_factory: SandboxFactory) -> None:
    """Cloud's ``/issue/{key}/changelog`` and ``POST /changelog/bulkfetch`` list histories oldest
    first with the author's accountId and the items' ``fieldId``; DC has neither endpoint."""
    sb = sandbox_factory("configured-site", jira_flavor="cloud")
    dc = sandbox_factory("configured-site", jira_flavor="datacenter")
    person = _person(sb)
    with api(sb) as bot, api(sb, person["jira"]["token"], person["jira"]["email"]) as someone:
        bot.put("/issue/OPS-2", json={"fields": {"customfield_10040": {"value": "inherited"}}})
        someone.put("/issue/OPS-2", json={"update": {"labels": [{"add": "hand"}]}})
        paged = bot.get("/issue/OPS-2/changelog").json()["values"]
        bulk = bot.post(
            "/changelog/bulkfetch", json={"issueIdsOrKeys": ["OPS-2"], "fieldIds": ["customfield_10040"]}
        ).json()
    with api(dc) as on_dc:
        assert on_dc.get("/issue/OPS-2/changelog").status_code == 404
        assert on_dc.post("/changelog/bulkfetch", json={"issueIdsOrKeys": ["OPS-2"]}).status_code == 404
    assert [h["author"]["displayName"] for h in paged] == ["roadsync bot", person["name"]]
    assert paged[1]["items"][0]["toString"] == "hand reliability theme:reliability"  # the whole new set
    (only,) = bulk["issueChangeLogs"][0]["changeHistories"]
    assert only["items"][0]["fieldId"] == "customfield_10040" and only["author"]["accountId"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_properties_ride_on_the_edit_and_come_back(flavor: str, sandbox_factory: SandboxFactory) -> None:
    """``properties`` in a PUT body are stored with the fields (no history entry of their own) and
    read back by GET issue, the property endpoints and (Cloud only) the search's ``properties``."""
    sb = sandbox_factory("configured-site", jira_flavor=flavor)
    marker = {"v": 1, "priority": "2"}
    body = {
        "fields": {"priority": {"name": "Low"}},
        "properties": [{"key": "roadsync.sync", "value": marker}],
    }
    with api(sb) as web:
        assert web.put("/issue/SHOP-2", json=body).status_code == 204
        got = web.get("/issue/SHOP-2", params={"properties": "roadsync.sync", "fields": "priority"}).json()
        one = web.get("/issue/SHOP-2/properties/roadsync.sync").json()
        path = "/search/jql" if flavor == "cloud" else "/search"
        found = web.get(path, params={"jql": "key = SHOP-2", "properties": "roadsync.sync"}).json()
        deleted = web.delete("/issue/SHOP-2/properties/roadsync.sync").status_code
        listed = web.get("/issue/SHOP-2/properties").json()["keys"]
    assert got["properties"] == {"roadsync.sync": marker} and one == {"key": "roadsync.sync", "value": marker}
    assert len(sb.jira_store.get("SHOP-2").changelog) == 1
    searched = found["issues"][0].get("properties")
    assert searched == ({"roadsync.sync": marker} if flavor == "cloud" else None)
    assert (deleted, listed) == (204, [])


def test_a_refused_edit_stores_no_property(sandbox_factory: SandboxFactory) -> None:
    """A PUT refused for one field stores none of its properties, and a search may ask for at most 5."""
    sb = sandbox_factory("configured-site", jira_flavor="cloud")
    body = {
        "fields": {"priority": {"name": "Highest"}},
        "properties": [{"key": "roadsync.sync", "value": {"v": 1}}],
    }
    with api(sb) as web:
        assert web.put("/issue/OPS-2", json=body).status_code == 400
        too_many = web.get("/search/jql", params={"jql": "key = OPS-2", "properties": "a,b,c,d,e,f"})
        too_long = web.put("/issue/OPS-2/properties/" + "k" * 256, json={"v": 1})
    assert sb.jira_store.get("OPS-2").properties == {}
    assert too_many.status_code == 400 and too_long.status_code == 400


def test_cloud_search_lags_behind_edits_but_reconciled_ids_read_their_writes(
    sandbox_factory: SandboxFactory,
) -> None:
    """With a search lag, ``/search/jql`` still shows an issue as it was (and does not find it by
    its new value), ``reconcileIssues`` and GET issue show the write at once."""
    sb = sandbox_factory("configured-site", jira_flavor="cloud")
    sb.set_faults(search_lag_ms=600_000)
    issue_id = sb.jira_store.get("SHOP-2").id
    with api(sb) as web:
        web.put("/issue/SHOP-2", json={"fields": {"priority": {"name": "Lowest"}}})
        query = {"jql": "project = SHOP AND priority = Lowest", "fields": "priority"}
        lagging = web.get("/search/jql", params=query).json()["issues"]
        stale = web.get("/search/jql", params={"jql": "key = SHOP-2", "fields": "priority"}).json()
        fresh = web.post(
            "/search/jql", json={**query, "fields": ["priority"], "reconcileIssues": [issue_id]}
        ).json()
        direct = web.get("/issue/SHOP-2", params={"fields": "priority"}).json()
    assert lagging == [] and stale["issues"][0]["fields"]["priority"]["name"] == "High"
    assert [(i["key"], i["fields"]["priority"]["name"]) for i in fresh["issues"]] == [("SHOP-2", "Lowest")]
    assert direct["fields"]["priority"]["name"] == "Lowest"


def test_search_lag_ends_after_its_delay() -> None:
    """Each change becomes visible to search once its delay has passed, in order (a fake clock)."""
    now = [0.0]
    with running_jira("cloud") as (server, store, _):
        store.index = SearchIndex(lag_s=lambda: 10.0, clock=lambda: now[0])
        store.edit_as_person("PAY-2", priority="Low")
        now[0] = 5.0
        store.edit_as_person("PAY-2", priority="Lowest")
        seen = []
        for moment in (9.0, 12.0, 16.0):
            now[0] = moment
            seen.append(_searched_priority(server.url, store))
    assert seen == ["High", "Low", "Lowest"]


def _searched_priority(url: str, store: JiraStore) -> str:
    with httpx.Client(base_url=url, timeout=10, **http_auth(url)) as web:
        found = web.get("/rest/api/3/search/jql", params={"jql": "key = PAY-2", "fields": "priority"})
    return str(found.json()["issues"][0]["fields"]["priority"]["name"])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_moved_issue_keeps_its_id_and_answers_to_its_old_key(
    flavor: str, sandbox_factory: SandboxFactory
) -> None:
    """A move (control API) gives a new key, keeps the id and properties; the old key answers with
    the new key in GET, PUT and JQL ``key``; the history gains ``project`` and ``Key`` items."""
    sb = sandbox_factory("configured-site", jira_flavor=flavor)
    before = sb.jira_store.get("OPS-3")
    sb.jira_store.set_property("OPS-3", "roadsync.sync", {"v": 1})
    with httpx.Client(timeout=10) as control:
        moved = control.post(sb.control_url + "/jira/move", json={"key": "OPS-3", "project": "SHOP"}).json()
        missing = control.post(sb.control_url + "/jira/move", json={"key": "OPS-99", "project": "SHOP"})
    with api(sb) as web:
        old = web.get("/issue/OPS-3", params={"expand": "changelog", "properties": "roadsync.sync"}).json()
        edited = web.put("/issue/OPS-3", json={"update": {"labels": [{"add": "moved"}]}}).status_code
        path = "/search/jql" if flavor == "cloud" else "/search"
        found = web.get(path, params={"jql": "key = OPS-3", "fields": "labels"}).json()["issues"]
    assert moved == {"key": "SHOP-8"} and missing.status_code == 404
    assert (old["key"], old["id"]) == ("SHOP-8", str(before.id)) and old["properties"] == {
        "roadsync.sync": {"v": 1}
    }
    items = {i["field"]: i for i in old["changelog"]["histories"][0]["items"]}
    assert (items["Key"]["fromString"], items["Key"]["toString"]) == ("OPS-3", "SHOP-8")
    catalog = sb.jira_store.catalog
    assert (items["project"]["from"], items["project"]["to"]) == (
        catalog.projects["OPS"].id,
        catalog.projects["SHOP"].id,
    )
    assert edited == 204 and [(i["key"], i["fields"]["labels"]) for i in found] == [
        ("SHOP-8", ["moved", "reliability"])
    ]
