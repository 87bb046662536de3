"""The configured-site seed at the wire level: screens, priority schemes, field contexts, look-alike
fields, labels, notifications and Data Center tokens behave as real Jira sites do
(research/jira.md §1-§7; the emulator docstrings cite each source)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from roadsync.sandbox.jira import TokenGrant
from roadsync.sandbox.server import Sandbox
from tests.conftest import SandboxFactory

SCREEN = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
FLAVORS = ["cloud", "datacenter"]
ADMIN = "site-admin-token"


def login(flavor: str, email: str, token: str) -> dict[str, Any]:
    """httpx arguments for a Jira login: Cloud email + API token (Basic), DC a PAT (Bearer)."""
    if flavor == "datacenter":
        return {"headers": {"Authorization": f"Bearer {token}"}}
    return {"auth": (email, token)}


def api(sb: Sandbox, token: str | None = None, email: str | None = None) -> httpx.Client:
    credentials = login(sb.jira_flavor, email or sb.jira_email, token or sb.jira_token)
    return httpx.Client(base_url=sb.jira_url + "/rest/api/2", timeout=10, **credentials)


@pytest.fixture(params=FLAVORS)
def site(request: pytest.FixtureRequest, sandbox_factory: SandboxFactory) -> Iterator[Sandbox]:
    grant = TokenGrant(display_name="Site Admin", site_admin=True, email="admin@example.com")
    yield sandbox_factory("configured-site", jira_flavor=request.param, restricted_tokens={ADMIN: grant})


def _meta(web: httpx.Client, key: str) -> dict[str, Any]:
    fields: dict[str, Any] = web.get(f"/issue/{key}/editmeta").json()["fields"]
    return fields


def test_field_off_the_epic_screen_is_absent_from_editmeta_and_refused_whole(site: Sandbox) -> None:
    """An Epic's edit screen lacks Alignment: editmeta omits it and a PUT carrying it is refused
    with the screen message, applying none of its other fields (Lighthouse slice-02)."""
    with api(site) as web:
        assert "customfield_10040" not in _meta(web, "SHOP-1") and "priority" in _meta(web, "SHOP-1")
        assert "customfield_10040" in _meta(web, "SHOP-2")
        body = {"fields": {"priority": {"name": "High"}, "customfield_10040": {"value": "aligned"}}}
        answer = web.put("/issue/SHOP-1", json=body)
    assert (answer.status_code, answer.json()) == (
        400,
        {"errorMessages": [], "errors": {"customfield_10040": SCREEN.format("customfield_10040")}},
    )
    assert site.jira_store.get("SHOP-1").priority == "Medium"


def test_priority_outside_the_project_scheme_is_invalid(site: Sandbox) -> None:
    """OPS's scheme lacks Highest: editmeta's allowedValues say so and a PUT of it is refused."""
    with api(site) as web:
        allowed = [p["name"] for p in _meta(web, "OPS-2")["priority"]["allowedValues"]]
        refused = web.put("/issue/OPS-2", json={"fields": {"priority": {"name": "Highest"}}})
        shop = web.put("/issue/SHOP-2", json={"fields": {"priority": {"name": "Highest"}}})
        ops_id = site.jira_store.catalog.projects["OPS"].id
        searched = web.get("/priority/search", params={"projectId": ops_id}).json()["values"]
    assert allowed == ["High", "Medium", "Low", "Lowest"]
    assert refused.json()["errors"] == {"priority": "The priority selected is invalid."}
    assert shop.status_code == 204
    assert [p["name"] for p in searched] == allowed


def test_select_options_come_from_the_project_context(site: Sandbox) -> None:
    """Alignment's OPS context offers three options: another value or another context's option id
    is refused in the flavour's words, an allowed one is stored."""
    with api(site) as web:
        ops = [v["value"] for v in _meta(web, "OPS-2")["customfield_10040"]["allowedValues"]]
        shop = {v["value"]: v["id"] for v in _meta(web, "SHOP-2")["customfield_10040"]["allowedValues"]}
        by_value = web.put("/issue/OPS-2", json={"fields": {"customfield_10040": {"value": "retired"}}})
        by_id = web.put("/issue/OPS-2", json={"fields": {"customfield_10040": {"id": shop["aligned"]}}})
        bare = web.put("/issue/OPS-2", json={"fields": {"customfield_10040": "aligned"}})
        good = web.put("/issue/OPS-2", json={"fields": {"customfield_10040": {"value": "aligned"}}})
    cloud = site.jira_flavor == "cloud"
    assert ops == ["aligned", "inherited", "unaligned"] and len(shop) == 5
    assert by_value.json()["errors"]["customfield_10040"] == (
        "Specify a valid 'id' or 'name' for Alignment" if cloud else "Option value 'retired' is not valid"
    )
    assert by_id.json()["errors"]["customfield_10040"] == f"Option id '{shop['aligned']}' is not valid"
    assert bare.json()["errors"]["customfield_10040"] == (
        "Specify a valid 'id' or 'name' for Alignment"
        if cloud
        else "Could not find valid 'id' or 'value' in the Parent Option object."
    )
    assert good.status_code == 204 and site.jira_store.get("OPS-2").custom["customfield_10040"] == "aligned"


def test_two_fields_named_alignment_each_apply_in_their_own_projects(site: Sandbox) -> None:
    """/field lists both Alignments (Cloud: the team-managed one with its ``scope``); each project's
    editmeta holds only the one that applies there, and the other is off its screen."""
    with api(site) as web:
        named = [f for f in web.get("/field").json() if f["name"] == "Alignment"]
        wrong = web.put("/issue/MOB-1", json={"fields": {"customfield_10040": {"value": "aligned"}}})
        right = web.put("/issue/MOB-1", json={"fields": {"customfield_10077": {"value": "aligned"}}})
        mob, shop = _meta(web, "MOB-1"), _meta(web, "SHOP-2")
    assert [f["id"] for f in named] == ["customfield_10040", "customfield_10077"]
    mob_id = site.jira_store.catalog.projects["MOB"].id
    scope = {"type": "PROJECT", "project": {"id": mob_id}} if site.jira_flavor == "cloud" else None
    assert [f.get("scope") for f in named] == [None, scope]
    assert "customfield_10077" in mob and "customfield_10040" not in mob
    assert "customfield_10040" in shop and "customfield_10077" not in shop
    assert wrong.json()["errors"] == {"customfield_10040": SCREEN.format("customfield_10040")}
    assert right.status_code == 204


@pytest.mark.parametrize(
    ("label", "cloud_text", "dc_text"),
    [
        (
            "theme: x",
            "The label 'theme: x' can't contain spaces.",
            "The label 'theme: x' contains spaces which is invalid.",
        ),
        (
            "a\tb",
            "The label 'a\tb' can't contain spaces.",
            "The label 'a\tb' contains spaces which is invalid.",
        ),
        (
            "x" * 256,
            *(
                [
                    "The label '"
                    + "x" * 256
                    + "' exceeds the maximum length for a single label of 255 characters."
                ]
                * 2
            ),
        ),
    ],
)
def test_labels_jira_cannot_store_are_refused(
    site: Sandbox, label: str, cloud_text: str, dc_text: str
) -> None:
    """Whitespace in a label (Cloud and DC texts differ) and labels over 255 characters are refused."""
    with api(site) as web:
        answer = web.put("/issue/SHOP-2", json={"update": {"labels": [{"add": label}]}})
        longest = web.put("/issue/SHOP-2", json={"update": {"labels": [{"add": "y" * 255}]}})
    expected = cloud_text if site.jira_flavor == "cloud" else dc_text
    assert (answer.status_code, answer.json()["errors"]) == (400, {"labels": expected})
    assert longest.status_code == 204


def test_every_issue_has_a_watcher(site: Sandbox) -> None:
    """Every issue of the configured site is watched by someone (its edits would mail them)."""
    with api(site) as web:
        counts = {
            issue.key: web.get(f"/issue/{issue.key}/watchers").json()["watchCount"]
            for issue in site.jira_store.issues()
        }
    assert len(counts) == 16 and min(counts.values()) >= 1


def test_edits_mail_watchers_unless_turned_off(site: Sandbox) -> None:
    """An edit that changes fields counts one mail per watcher (not its author); with
    ``notifyUsers=false`` (the bot administers the project) none; a no-op edit none."""
    with api(site) as web:
        web.put("/issue/OPS-2", json={"fields": {"priority": {"name": "Medium"}}})
        after_one = site.stats()["jira"]["notifications"]
        web.put(
            "/issue/OPS-2", params={"notifyUsers": "false"}, json={"fields": {"priority": {"name": "Low"}}}
        )
        web.put("/issue/OPS-2", json={"fields": {"priority": {"name": "Low"}}})
    watchers = site.jira_store.get("OPS-2").watchers
    assert after_one == len(watchers) == 2
    assert site.stats()["jira"]["notifications"] == 2


def test_turning_notifications_off_needs_project_admin(site: Sandbox) -> None:
    """A person without Administer Projects sending ``notifyUsers=false`` gets Jira's 403 and the
    whole edit is dropped (Lighthouse slice-03 Q4); without the flag the edit goes through."""
    person = site.info()["people"][0]
    with api(site, person["jira"]["token"], person["jira"]["email"]) as web:
        refused = web.put(
            "/issue/OPS-2", params={"notifyUsers": "false"}, json={"fields": {"priority": {"name": "Low"}}}
        )
        unchanged = site.jira_store.get("OPS-2").priority
        accepted = web.put("/issue/OPS-2", json={"fields": {"priority": {"name": "Low"}}})
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "errorMessages": [
                "To discard the user notification either admin or project admin permissions are required."
            ],
            "errors": {},
        },
    )
    assert unchanged == "High" and accepted.status_code == 204
    assert site.stats()["jira"]["notifications"] == 1  # OPS-2's other watcher, not the author


def test_permissions_say_who_may_turn_notifications_off(site: Sandbox) -> None:
    """mypermissions per project: the bot administers OPS but is no Jira admin; a person neither."""
    person = site.info()["people"][0]
    wanted = {"projectKey": "OPS", "permissions": "ADMINISTER_PROJECTS,ADMINISTER,EDIT_ISSUES"}
    with api(site) as bot, api(site, person["jira"]["token"], person["jira"]["email"]) as someone:
        mine = bot.get("/mypermissions", params=wanted).json()["permissions"]
        theirs = someone.get("/mypermissions", params=wanted).json()["permissions"]
    have = {name: p["havePermission"] for name, p in mine.items()}
    assert have == {"ADMINISTER_PROJECTS": True, "ADMINISTER": False, "EDIT_ISSUES": True}
    assert {name: p["havePermission"] for name, p in theirs.items()} == {
        "ADMINISTER_PROJECTS": False,
        "ADMINISTER": False,
        "EDIT_ISSUES": True,
    }


def test_scheme_and_context_admin_views(site: Sandbox) -> None:
    """Priority schemes and field contexts: Jira admins read them; the bot (a project admin) gets
    403 on Cloud's admin views and reads its project's scheme on Data Center."""
    with api(site) as bot, api(site, ADMIN, "admin@example.com") as admin:
        if site.jira_flavor == "datacenter":
            scheme = bot.get("/project/OPS/priorityscheme").json()
            assert (scheme["name"], scheme["optionIds"]) == ("Operations priorities", ["2", "3", "4", "5"])
            return
        assert bot.get("/priorityscheme").status_code == 403
        denied = bot.get("/field/customfield_10040/context")
        schemes = admin.get("/priorityscheme", params={"expand": "priorities,projects"}).json()["values"]
        contexts = admin.get("/field/customfield_10040/context").json()["values"]
        ops_context = next(c for c in contexts if not c["isGlobalContext"])
        options = admin.get(f"/field/customfield_10040/context/{ops_context['id']}/option").json()["values"]
    assert denied.json()["errorMessages"] == ["Only Jira administrators can access custom field contexts."]
    ops = next(s for s in schemes if s["name"] == "Operations priorities")
    assert [p["name"] for p in ops["priorities"]["values"]] == ["High", "Medium", "Low", "Lowest"]
    assert [p["key"] for p in ops["projects"]["values"]] == ["OPS"]
    assert [o["value"] for o in options] == ["aligned", "inherited", "unaligned"]


def test_datacenter_refuses_a_personal_access_token_over_basic(sandbox_factory: SandboxFactory) -> None:
    """Data Center takes a PAT only as Bearer; over Basic it answers 401 with Seraph's
    AUTHENTICATED_FAILED (cosmix/jira-mcp#46, pycontribs/jira#1627), while Cloud takes Basic."""
    dc = sandbox_factory("configured-site", jira_flavor="datacenter")
    cloud = sandbox_factory("configured-site", jira_flavor="cloud")
    with httpx.Client(timeout=10) as web:
        basic = web.get(dc.jira_url + "/rest/api/2/myself", auth=(dc.jira_email, dc.jira_token))
        bearer = web.get(
            dc.jira_url + "/rest/api/2/myself", headers={"Authorization": f"Bearer {dc.jira_token}"}
        )
        on_cloud = web.get(cloud.jira_url + "/rest/api/3/myself", auth=(cloud.jira_email, cloud.jira_token))
    assert basic.status_code == 401 and basic.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    assert bearer.json()["key"].startswith("JIRAUSER") and on_cloud.status_code == 200
