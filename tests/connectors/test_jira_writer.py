"""JiraWriter against the Jira emulator over real HTTP, both flavours: one PUT per item, never a no-op."""

from __future__ import annotations

from typing import Any

import pytest

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldTarget
from roadsync.connectors.jira import Flavor, JiraReader, JiraWriter
from roadsync.connectors.model import Item
from roadsync.errors import AuthError
from tests.connectors.test_jira_reader import FAST, FLAVORS, TOKEN, Site, serve_jira, site_fixture

TARGETS = {
    "priority": FieldTarget(target="priority"),
    "theme": FieldTarget(target="label", prefix="theme/"),
    "alignment": FieldTarget(target="field", field="Theme"),
    "note": FieldTarget(target="field", field="Alignment"),
    "points": FieldTarget(target="field", field="Story Points"),
}
ISSUES: Any = [
    {
        "key": "PAY-1",
        "type": "Story",
        "summary": "Refunds",
        "priority": "Medium",
        "labels": ["ops", "theme/old", "customer"],
        "fields": {"Theme": "checkout"},
    },
    {"key": "PAY-2", "type": "Task", "summary": "Other", "labels": ["theme/payouts"]},
]


def read(site: Site, key: str) -> Item:
    reader = JiraReader(
        site.config(), TOKEN, retry=FAST, managed_fields=["Theme", "Alignment"], remote_links=False
    )
    return next(i for i in reader.fetch_items("PAY", None) if i.key == key)


def writer(site: Site, token: str = TOKEN) -> JiraWriter:
    return JiraWriter(site.config(), token, TARGETS, retry=FAST)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_all_changes_of_an_item_go_in_one_put(flavor: Flavor) -> None:
    """Priority, a prefixed label and a select field change in one PUT; other labels stay."""
    with serve_jira(site_fixture(ISSUES), flavor) as site:
        item = read(site, "PAY-1")
        changes = [
            FieldChange("PAY-1", "priority", "Medium", "High"),
            FieldChange("PAY-1", "theme", "theme/old", "theme/checkout"),
            FieldChange("PAY-1", "alignment", "checkout", "payouts"),
        ]
        target = writer(site)
        writes_before = site.writes()
        outcomes = target.write(item, changes)
        assert [o.status for o in outcomes] == ["applied"] * 3
        assert [o.requests for o in outcomes] == [1, 0, 0]
        assert site.writes() - writes_before == 1
        after = read(site, "PAY-1")
    assert (after.priority, after.labels, dict(after.fields)) == (
        "High",
        ("customer", "ops", "theme/checkout"),
        {"Alignment": None, "Theme": "payouts"},
    )


@pytest.mark.parametrize("flavor", FLAVORS)
def test_changes_that_change_nothing_send_nothing(flavor: Flavor) -> None:
    """Values already in place are skipped and no request reaches Jira."""
    with serve_jira(site_fixture(ISSUES), flavor) as site:
        item = read(site, "PAY-1")
        target = writer(site)
        before = site.stats.snapshot()["jira"]
        outcomes = target.write(
            item,
            [
                FieldChange("PAY-1", "priority", "Medium", "Medium"),
                FieldChange("PAY-1", "theme", None, "theme/old"),
                FieldChange("PAY-1", "alignment", "checkout", "checkout"),
            ],
        )
        assert [o.status for o in outcomes] == ["skipped"] * 3
        assert site.stats.snapshot()["jira"] == before
        assert target.requests == 0


@pytest.mark.parametrize("flavor", FLAVORS)
def test_label_removal_and_text_number_fields(flavor: Flavor) -> None:
    """Clearing a prefixed label removes just it; text and number custom fields are set by name."""
    with serve_jira(site_fixture(ISSUES), flavor) as site:
        item = read(site, "PAY-2")
        outcomes = writer(site).write(
            item,
            [
                FieldChange("PAY-2", "theme", "theme/payouts", None),
                FieldChange("PAY-2", "note", None, "aligned"),
                FieldChange("PAY-2", "points", None, "3"),
            ],
        )
        assert [o.status for o in outcomes] == ["applied"] * 3
        after = read(site, "PAY-2")
    assert (after.labels, after.fields["Alignment"], after.estimate) == ((), "aligned", 3.0)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_unknown_priority_fails_that_change_only(flavor: Flavor) -> None:
    """An unknown priority name fails its change with the known names; the other change is written."""
    with serve_jira(site_fixture(ISSUES), flavor) as site:
        item = read(site, "PAY-1")
        outcomes = writer(site).write(
            item,
            [
                FieldChange("PAY-1", "priority", "Medium", "Urgent"),
                FieldChange("PAY-1", "alignment", "checkout", "payouts"),
            ],
        )
        assert outcomes[0] == WriteOutcome(
            outcomes[0].change,
            "failed",
            "Jira has no priority 'Urgent' (known: Highest, High, Medium, Low, Lowest)",
        )
        assert outcomes[1].status == "applied"
        assert read(site, "PAY-1").priority == "Medium"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_deleted_item_is_skipped_as_gone(flavor: Flavor) -> None:
    """Writing to an issue deleted since the pull gives `skipped` outcomes saying the item is gone."""
    with serve_jira(site_fixture(ISSUES), flavor) as site:
        item = read(site, "PAY-1")
        site.store.delete("PAY-1")
        outcomes = writer(site).write(item, [FieldChange("PAY-1", "priority", "Medium", "High")])
    assert [o.status for o in outcomes] == ["skipped"]
    assert "item gone: PAY-1" in (outcomes[0].error or "")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_option_outside_the_context_is_unwritable_in_jiras_words(flavor: Flavor) -> None:
    """A select option the field's context lacks is an unwritable change with Jira's reason in the
    flavour's words (Cloud "Specify a valid 'id' or 'name'", DC "Option value ... is not valid")
    and the options there; nothing is written."""
    with serve_jira(site_fixture(ISSUES), flavor) as site:
        item = read(site, "PAY-1")
        outcomes = writer(site).write(item, [FieldChange("PAY-1", "alignment", "checkout", "no-such-option")])
        writes = site.stats.snapshot()["jira"]["writes"]
    said = "Option value 'no-such-option'"
    if flavor == "cloud":
        said = "Specify a valid 'id' or 'name' for Theme"
    assert [o.status for o in outcomes] == ["unwritable"] and said in (outcomes[0].error or "")
    assert writes == 0


def test_bad_token_raises_auth_error() -> None:
    """A wrong token dooms every write, so the writer raises AuthError instead of failing items one by one."""
    with serve_jira(site_fixture(ISSUES), "cloud") as site:
        item = read(site, "PAY-1")
        with pytest.raises(AuthError):
            writer(site, token="not-the-token").write(
                item, [FieldChange("PAY-1", "priority", "Medium", "High")]
            )
