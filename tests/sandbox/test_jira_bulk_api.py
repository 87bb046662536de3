"""The Jira emulator's bulk endpoints over real HTTP (httpx), as Jira Cloud answers them: Data
Center has none, Bulk change and mail suppression are enforced, the body is checked, each issue's
edit is attributed to the caller, and a property task is no bulk task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from roadsync.sandbox.jira.api_bulk import NO_BULK_PERMISSION, NOTIFY_BULK_FORBIDDEN
from tests.connectors.test_jira_bulk import BOT, PLAIN, serve
from tests.connectors.test_jira_reader import EMAIL, TOKEN, Site

EDIT = {
    "selectedIssueIdsOrKeys": ["PAY-1", "PAY-2"],
    "selectedActions": ["priority"],
    "editedFieldsInput": {"priority": {"priorityId": "2"}},
    "sendBulkNotification": False,
}


@contextmanager
def client(site: Site, token: str = TOKEN) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{site.url}/rest/api/3", auth=(EMAIL, token)) as http:
        yield http


def test_data_center_serves_no_bulk_endpoint() -> None:
    """Data Center has no bulk edit or bulk property REST API: 404 (research/jira.md §8)."""
    with serve("datacenter") as site, httpx.Client(base_url=f"{site.url}/rest/api/2") as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        assert http.get("/bulk/issues/fields", params={"issueIdsOrKeys": "PAY-1"}).status_code == 404
        assert http.post("/bulk/issues/fields", json=EDIT).status_code == 404
        assert http.post("/issue/properties/multi", json={"issues": []}).status_code == 404


def test_without_bulk_change_every_bulk_endpoint_is_403_in_the_bulk_error_shape() -> None:
    """A token without the global Bulk change permission is refused, nothing edited."""
    with serve() as site, client(site, PLAIN) as http:
        answer = http.post("/bulk/issues/fields", json=EDIT)
        assert answer.status_code == 403
        assert answer.json() == {"errors": [{"message": NO_BULK_PERMISSION}]}
        assert http.get("/bulk/issues/fields", params={"issueIdsOrKeys": "PAY-1"}).status_code == 403
        assert site.store.get("PAY-1").priority == "Medium"


def test_mails_off_without_admin_is_403_and_edits_nothing() -> None:
    """sendBulkNotification false needs Administer Jira or the projects' admin (research/jira.md §6)."""
    with serve(admin=False) as site, client(site) as http:
        answer = http.post("/bulk/issues/fields", json=EDIT)
        assert (answer.status_code, answer.json()["errors"][0]["message"]) == (403, NOTIFY_BULK_FORBIDDEN)
        assert site.store.get("PAY-1").priority == "Medium"


def test_a_field_edited_but_not_selected_is_refused() -> None:
    """Every edited field must be in selectedActions (the spec's 400 example)."""
    with serve() as site, client(site) as http:
        answer = http.post("/bulk/issues/fields", json={**EDIT, "selectedActions": ["labels"]})
        assert answer.status_code == 400
        assert "not listed as selectedActions : priority" in answer.json()["errors"][0]["message"]


def test_a_task_edits_each_issue_as_the_caller_and_reports_ids() -> None:
    """The edit lands per issue with a changelog entry by the caller; the progress lists issue ids,
    failures by id with Jira's reason, and the editable fields give the priority ids."""
    with serve() as site, client(site) as http:
        fields = http.get("/bulk/issues/fields", params={"issueIdsOrKeys": "PAY-1,PAY-7"}).json()["fields"]
        priority = next(f for f in fields if f["id"] == "priority")
        high = next(o["id"] for o in priority["fieldOptions"] if o["priority"] == "High")
        body = {**EDIT, "selectedIssueIdsOrKeys": ["PAY-1", "PAY-7", "NOPE-1"]}
        body["editedFieldsInput"] = {"priority": {"priorityId": high}}
        task = http.post("/bulk/issues/fields", json=body)
        assert task.status_code == 201
        progress = http.get(f"/bulk/queue/{task.json()['taskId']}").json()
        one, bug = site.store.get("PAY-1"), site.store.get("PAY-7")
    assert progress["status"] == "COMPLETE" and progress["processedAccessibleIssues"] == [one.id]
    assert "cannot be set" in progress["failedAccessibleIssues"][str(bug.id)][0]
    assert progress["invalidOrInaccessibleIssueCount"] == 1
    assert one.priority == "High" and one.changelog[-1].author == BOT


def test_a_property_task_answers_303_and_is_no_bulk_operation_task() -> None:
    """properties/multi answers 303 to its task; the bulk queue refuses that task id (the spec's 400)."""
    with serve() as site, client(site) as http:
        issue = site.store.get("PAY-1")
        body = {"issues": [{"issueID": issue.id, "properties": {"roadsync.x": {"v": 1}}}]}
        answer = http.post("/issue/properties/multi", json=body)
        assert answer.status_code == 303
        task_id = answer.headers["Location"].rsplit("/", 1)[1]
        assert http.get(f"/task/{task_id}").json()["status"] == "COMPLETE"
        refused = http.get(f"/bulk/queue/{task_id}")
        assert refused.status_code == 400
        assert site.store.get("PAY-1").properties["roadsync.x"] == {"v": 1}
