"""JiraReader and JiraWriter on Jira sites configured as real ones are (the sandbox's configured
site and small variants), both flavours: per-project field names, one refused field failing one
change, notification mails, and ambiguous names (research/jira.md §1-§6)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget, JiraConfig
from roadsync.connectors.jira import Flavor, JiraReader, JiraWriter
from roadsync.connectors.model import Item
from roadsync.sandbox.fixture import Fixture
from roadsync.sandbox.server import Sandbox
from tests.conftest import SandboxFactory
from tests.connectors.test_jira_reader import FAST, FLAVORS

TARGETS = {
    "priority": FieldTarget(target="priority"),
    "theme": FieldTarget(target="components", values={"checkout": "checkout", "nope": "no-such-component"}),
    "alignment": FieldTarget(target="field", field="Alignment"),
}


def config(sb: Sandbox, email: str | None = None, **overrides: Any) -> JiraConfig:
    bearer = sb.jira_flavor == "datacenter"
    values: dict[str, Any] = {
        "url": sb.jira_url,
        "flavor": sb.jira_flavor,
        "auth": "bearer" if bearer else "basic",
        "email": None if bearer else (email or sb.jira_email),
        "projects": sb.jira_projects,
    }
    return JiraConfig(**{**values, **overrides})


def items(sb: Sandbox, managed: list[str], token: str | None = None) -> dict[str, Item]:
    reader = JiraReader(
        config(sb), token or sb.jira_token, retry=FAST, managed_fields=managed, remote_links=False
    )
    return {i.key: i for project in sb.jira_projects for i in reader.fetch_items(project, None)}


def writer(sb: Sandbox, targets: dict[str, FieldTarget] | None = None, **kwargs: Any) -> JiraWriter:
    token = kwargs.pop("token", sb.jira_token)
    return JiraWriter(config(sb, kwargs.pop("email", None), **kwargs), token, targets or TARGETS, retry=FAST)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_field_name_reads_and_writes_the_field_of_each_project(
    flavor: Flavor, sandbox_factory: SandboxFactory
) -> None:
    """ "Alignment" reads and writes the global field in SHOP and MOB's own field in MOB, as by id."""
    sb = sandbox_factory("configured-site", jira_flavor=flavor)
    seen = items(sb, ["Alignment", "customfield_10077"])
    assert (seen["SHOP-2"].fields["Alignment"], seen["MOB-3"].fields["Alignment"]) == ("aligned", "aligned")
    assert (
        seen["MOB-3"].fields["customfield_10077"] == "aligned" and seen["MOB-1"].fields["Alignment"] is None
    )
    by_id = {"alignment": FieldTarget(target="field", field="customfield_10077")}
    out = writer(sb).write(seen["MOB-1"], [FieldChange("MOB-1", "alignment", None, "inherited")])
    out += writer(sb, by_id).write(seen["MOB-2"], [FieldChange("MOB-2", "alignment", None, "paused")])
    assert [o.status for o in out] == ["applied", "applied"]
    assert sb.jira_store.get("MOB-1").custom == {"customfield_10077": "inherited"}
    assert sb.jira_store.get("MOB-2").custom == {"customfield_10077": "paused"}


@pytest.mark.parametrize("flavor", FLAVORS)
def test_one_field_jira_refuses_fails_one_change_and_the_rest_is_sent_again(
    flavor: Flavor, sandbox_factory: SandboxFactory
) -> None:
    """A 400 naming one field (a component the project lacks, which editmeta does not predict)
    makes that change unwritable with Jira's reason; the item's other change lands on a second PUT."""
    sb = sandbox_factory("configured-site", jira_flavor=flavor)
    item = items(sb, ["Alignment"])["SHOP-4"]
    before = sb.stats()["jira"]["writes"]
    out = writer(sb).write(
        item,
        [
            FieldChange("SHOP-4", "priority", "Medium", "High"),
            FieldChange("SHOP-4", "theme", None, "no-such-component"),
        ],
    )
    assert [(o.status, o.error) for o in out] == [
        ("applied", None),
        ("unwritable", "Component name 'no-such-component' is not valid"),
    ]
    assert sb.jira_store.get("SHOP-4").priority == "High"
    assert sb.stats()["jira"]["writes"] - before == 1  # the refused PUT changed nothing
    assert [o.requests for o in out] == [2, 0]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_edits_ask_for_no_mails_where_the_token_may(flavor: Flavor, sandbox_factory: SandboxFactory) -> None:
    """The bot (a project admin) edits with ``notifyUsers=false``: no mails; with
    ``jira.notify_users = true`` each edit mails the watchers."""
    sb = sandbox_factory("configured-site", jira_flavor=flavor)
    seen = items(sb, ["Alignment"])
    writer(sb).write(seen["SHOP-4"], [FieldChange("SHOP-4", "priority", "Medium", "High")])
    assert sb.stats()["jira"]["notifications"] == 0
    writer(sb, notify_users=True).write(seen["SHOP-7"], [FieldChange("SHOP-7", "priority", "Low", "Lowest")])
    assert sb.stats()["jira"]["notifications"] == len(sb.jira_store.get("SHOP-7").watchers) == 1


@pytest.mark.parametrize("flavor", FLAVORS)
def test_without_project_admin_jiras_403_sends_the_edit_again_with_mails(
    flavor: Flavor, sandbox_factory: SandboxFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A token that may not turn mails off gets Jira's 403 once per project, sends the edit again
    with mails (and says so in the log); later edits there go with mails straight away."""
    sb = sandbox_factory("configured-site", jira_flavor=flavor)
    person = sb.info()["people"][1]  # Lee Park: may edit, administers nothing
    seen = items(sb, ["Alignment"])
    lee = writer(sb, token=person["jira"]["token"], email=person["jira"]["email"])
    before = sb.stats()["jira"]["writes"]
    with caplog.at_level(logging.WARNING, logger="roadsync"):
        first = lee.write(seen["SHOP-4"], [FieldChange("SHOP-4", "priority", "Medium", "High")])
        second = lee.write(seen["SHOP-7"], [FieldChange("SHOP-7", "priority", "Low", "Lowest")])
    assert [o.status for o in first + second] == ["applied", "applied"]
    assert (first[0].requests, second[0].requests) == (2, 1)
    assert sb.stats()["jira"]["writes"] - before == 2
    assert sb.stats()["jira"]["notifications"] == 2  # SHOP-4: Dana (Lee wrote it); SHOP-7: Dana
    assert [r.getMessage() for r in caplog.records].count("jira.notifications.sent") == 1


def _twins(flavor: str) -> Fixture:
    """Two global select fields named Alignment, both on every screen of PAY."""
    options = ["aligned", "unaligned"]
    return {
        "jira": {
            "projects": [{"key": "PAY", "name": "Payments"}],
            "custom_fields": [
                {"id": "customfield_10050", "name": "Alignment", "type": "select", "options": options},
                {"id": "customfield_10051", "name": "Alignment", "type": "select", "options": options},
            ],
            "issues": [{"key": "PAY-1", "summary": "One", "type": "Task"}],
        }
    }


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_name_two_fields_share_in_a_project_is_an_error_listing_them(
    flavor: Flavor, sandbox_factory: SandboxFactory
) -> None:
    """Two fields named Alignment on PAY's screen: the change fails naming both ids and the fix;
    nothing is written."""
    sb = sandbox_factory(_twins(flavor), jira_flavor=flavor)
    item = items(sb, [])["PAY-1"]
    (out,) = writer(sb).write(item, [FieldChange("PAY-1", "alignment", None, "aligned")])
    assert out.status == "failed" and sb.stats()["jira"]["writes"] == 0
    assert "customfield_10050 (global); customfield_10051 (global)" in (out.error or "")
    assert 'field = "customfield_10050"' in (out.error or "")
