"""JiraWriter with bulk edit against the Jira emulator over real HTTP: changes setting one value on
3+ issues go in one bulk task (polled), the rest per item; failures map back per issue; a token
without Bulk change, or Data Center, edits per item; markers land for every value written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.connectors.jira import Flavor, JiraReader, JiraWriter
from roadsync.connectors.jira.marks import mark_key
from roadsync.connectors.model import Item
from roadsync.sandbox.common import Stats, serve_app
from roadsync.sandbox.fixture import JiraFixture
from roadsync.sandbox.jira import JiraStore, TokenGrant, create_jira_app
from tests.connectors.test_jira_reader import EMAIL, FAST, TOKEN, Site
from tests.connectors.test_jira_writer import TARGETS

PLAIN = "plain-user-token"  # edits every project, no Bulk change, no admin
BOT = "Roadsync Bot"


def fixture(count: int = 6, admin: bool = True) -> JiraFixture:
    """PAY-1..count Stories at Medium with label ``ops``; Bugs' edit screen lacks priority."""
    issues: list[Any] = [
        {"key": f"PAY-{n}", "type": "Story", "summary": f"Story {n}", "priority": "Medium", "labels": ["ops"]}
        for n in range(1, count + 1)
    ]
    issues.append({"key": f"PAY-{count + 1}", "type": "Bug", "summary": "A bug", "priority": "Medium"})
    return {
        "projects": [{"key": "PAY", "name": "Payments", "screens": {"Bug": ["summary", "labels"]}}],
        "custom_fields": [
            {"name": "Theme", "type": "select", "options": ["checkout", "payouts"]},
            {"name": "Alignment", "type": "text"},
        ],
        "user": {"displayName": BOT, "site_admin": admin, "project_admin": admin},
        "issues": issues,
    }


@contextmanager
def serve(flavor: Flavor = "cloud", count: int = 6, polls: int = 0, admin: bool = True) -> Iterator[Site]:
    """One emulated site; :data:`PLAIN` is a token without Bulk change or admin rights."""
    store = JiraStore.from_fixture(fixture(count, admin), flavor=flavor)
    store.tasks.running_polls = polls
    stats = Stats()
    grants = {PLAIN: TokenGrant(display_name="Plain User", bulk_change=False, email=EMAIL)}
    app = create_jira_app(
        store, stats=stats, email=EMAIL, token=TOKEN, flavor=flavor, restricted_tokens=grants
    )
    server = serve_app(app)
    try:
        yield Site(server.url, store, stats, flavor)
    finally:
        server.stop()


def items(site: Site) -> dict[str, Item]:
    reader = JiraReader(
        site.config(), TOKEN, retry=FAST, managed_fields=["Theme"], remote_links=False, marked=list(TARGETS)
    )
    return {i.key: i for i in reader.fetch_items("PAY", None)}


def apply(writer: JiraWriter, site: Site, plan: Mapping[str, Sequence[FieldChange]]) -> list[WriteOutcome]:
    """What apply does: every item's changes through write(), then flush()."""
    read = items(site)
    outcomes = [o for key, changes in plan.items() for o in writer.write(read[key], changes)]
    return outcomes + writer.flush()


def calls(site: Site) -> dict[str, int]:
    return site.stats.by_endpoint()["jira"]


def test_same_value_on_three_issues_is_one_bulk_task_and_the_rest_is_per_item() -> None:
    """Priority High on 4 issues and label theme/x on 3 go in two polled tasks; an item with a text
    field change keeps one PUT; notifications are off; every written value has its marker."""
    with serve(polls=2) as site:
        writer = JiraWriter(site.config(), TOKEN, TARGETS, retry=FAST, bulk=True)
        plan = {f"PAY-{n}": [FieldChange(f"PAY-{n}", "priority", "Medium", "High")] for n in range(1, 5)}
        for n in (1, 2, 3):
            plan[f"PAY-{n}"].append(FieldChange(f"PAY-{n}", "theme", None, "theme/x"))
        plan["PAY-5"] = [FieldChange("PAY-5", "priority", "Medium", "High"),
                         FieldChange("PAY-5", "note", None, "aligned")]  # fmt: skip
        site.stats.reset()
        outcomes = apply(writer, site, plan)
        assert sorted(o.status for o in outcomes) == ["applied"] * 9
        # booked: the PUT, and flush's ids read + 2 submits + 6 polls + 1 marker request
        assert sum(o.requests for o in outcomes) == 1 + 1 + 2 + 6 + 1
        used = calls(site)
        assert (used["submit_bulk_edit"], used["bulk_progress"], used["edit_issue"]) == (2, 6, 1)
        assert (used["editable_bulk_fields"], used["set_properties_multi"]) == (1, 1)
        assert site.stats.snapshot()["jira"].get("notifications", 0) == 0
        after = items(site)
        store = site.store
    assert all(after[f"PAY-{n}"].priority == "High" for n in range(1, 6))
    assert [k for k in after if "theme/x" in after[k].labels] == ["PAY-1", "PAY-2", "PAY-3"]
    for n in range(1, 6):
        issue = store.get(f"PAY-{n}")
        assert issue.properties[mark_key("priority")]["value"] == "High"
        assert issue.changelog[-1].author == BOT
    assert store.get("PAY-1").properties[mark_key("theme")]["value"] == "theme/x"


def test_an_issue_whose_screen_lacks_the_field_fails_alone_with_jiras_reason() -> None:
    """One issue of a bulk task refuses the priority (not on its edit screen): that change is
    unwritable with Jira's reason and gets no marker; the others are applied."""
    with serve() as site:
        writer = JiraWriter(site.config(), TOKEN, TARGETS, retry=FAST, bulk=True)
        keys = ["PAY-1", "PAY-2", "PAY-3", "PAY-7"]  # PAY-7 is a Bug
        outcomes = apply(writer, site, {k: [FieldChange(k, "priority", "Medium", "High")] for k in keys})
        by_item = {o.change.item: o for o in outcomes}
        assert calls(site)["submit_bulk_edit"] == 1 and "edit_issue" not in calls(site)
        bug = site.store.get("PAY-7")
    assert [by_item[k].status for k in keys] == ["applied", "applied", "applied", "unwritable"]
    assert "cannot be set" in (by_item["PAY-7"].error or "")
    assert bug.priority == "Medium" and mark_key("priority") not in bug.properties


def test_a_token_without_bulk_change_edits_per_item_and_says_so_once() -> None:
    """403 from bulk edit: the run goes per item (one PUT each, mails kept where the token may not
    turn them off) and does not ask for bulk edit again."""
    with serve() as site:
        writer = JiraWriter(site.config(), PLAIN, TARGETS, retry=FAST, bulk=True)
        plan = {f"PAY-{n}": [FieldChange(f"PAY-{n}", "priority", "Medium", "High")] for n in range(1, 4)}
        outcomes = apply(writer, site, plan)
        assert [o.status for o in outcomes] == ["applied"] * 3
        assert writer.bulk_unavailable and "Bulk change" in writer.bulk_unavailable
        more = {f"PAY-{n}": [FieldChange(f"PAY-{n}", "priority", "High", "Low")] for n in range(4, 7)}
        direct = [o for k, cs in more.items() for o in writer.write(items(site)[k], cs)]
        assert [o.status for o in direct] == ["applied"] * 3 and writer.flush() == []
        used = calls(site)
        store = site.store
    assert used["editable_bulk_fields"] == 1 and "submit_bulk_edit" not in used
    assert used["edit_issue"] >= 6
    assert store.get("PAY-1").priority == "High" and store.get("PAY-6").priority == "Low"


def test_without_admin_the_mails_refusal_sends_the_task_per_item() -> None:
    """A token with Bulk change but no admin: Jira refuses a bulk edit without mails (403), so the
    changes go per item, where the PUT's own mail fallback applies."""
    with serve(admin=False) as site:
        writer = JiraWriter(site.config(), TOKEN, TARGETS, retry=FAST, bulk=True)
        keys = ["PAY-1", "PAY-2", "PAY-3"]
        outcomes = apply(writer, site, {k: [FieldChange(k, "theme", None, "theme/y")] for k in keys})
        assert [o.status for o in outcomes] == ["applied"] * 3
        assert "mail" in (writer.bulk_unavailable or "")
        store = site.store
    assert all("theme/y" in store.get(k).labels for k in keys)


def test_data_center_never_holds_a_change() -> None:
    """Data Center has no bulk edit: every item is one PUT, sent by write() itself."""
    with serve("datacenter") as site:
        writer = JiraWriter(site.config(), TOKEN, TARGETS, retry=FAST, bulk=True)
        read = items(site)
        changes = {f"PAY-{n}": [FieldChange(f"PAY-{n}", "priority", "Medium", "High")] for n in range(1, 5)}
        outcomes = [o for key, cs in changes.items() for o in writer.write(read[key], cs)]
        assert [o.status for o in outcomes] == ["applied"] * 4 and writer.flush() == []
        assert calls(site)["edit_issue"] == 4


def test_a_small_group_goes_per_item() -> None:
    """Two issues sharing a value are not worth a task: they get a PUT each at flush."""
    with serve() as site:
        writer = JiraWriter(site.config(), TOKEN, TARGETS, retry=FAST, bulk=True)
        plan = {k: [FieldChange(k, "priority", "Medium", "Highest")] for k in ("PAY-1", "PAY-2")}
        outcomes = apply(writer, site, plan)
        assert [o.status for o in outcomes] == ["applied"] * 2
        used = calls(site)
    assert used["edit_issue"] == 2 and "submit_bulk_edit" not in used and "editable_bulk_fields" not in used


def test_an_older_marker_is_neutralised_before_the_edit_and_replaced_after() -> None:
    """Issues carrying roadsync's marker for the field get a neutral one before the bulk edit, so
    no older marker contradicts the new value at any point; after it, the new marker is in place."""
    with serve() as site:
        writer = JiraWriter(site.config(), TOKEN, TARGETS, retry=FAST, bulk=True)
        keys = ["PAY-1", "PAY-2", "PAY-3"]
        apply(writer, site, {k: [FieldChange(k, "priority", "Medium", "High")] for k in keys})
        site.stats.reset()
        apply(writer, site, {k: [FieldChange(k, "priority", "High", "Low")] for k in keys})
        used = calls(site)
        store = site.store
    assert (used["set_properties_multi"], used["submit_bulk_edit"]) == (2, 1)
    for key in keys:
        assert store.get(key).properties[mark_key("priority")]["value"] == "Low"
