"""Label endpoints of the GitHub emulator: labels on an issue and repository labels CRUD.

Adding a label name the repository lacks creates it (colour ``ededed``), as GitHub does when the
caller may push; a triage token may add and remove existing labels [community: hub4j/github-api#836]
but an unknown name answers 422 ``invalid`` [community: hashicorp/terraform-provider-google#16746,
"likely the label did not exist and the token could not create it"]. Label names are matched
case-insensitively, answered in their stored case, limited to 50 characters, and round-trip exactly
(commas, colons, spaces, slashes, emoji): see :mod:`roadsync.sandbox.github.labels` for the rules and
GitHub's exact 422 bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from roadsync.sandbox.github.gateway import ApiError, Call, Reply
from roadsync.sandbox.github.labels import DESCRIPTION_MAX, LABEL_DOCS, too_long
from roadsync.sandbox.github.model import Issue, Repo
from roadsync.sandbox.github.render import label_json
from roadsync.sandbox.github.rest import page_reply
from roadsync.sandbox.http import Route

__all__ = ["ROUTES"]

COLOR = re.compile(r"^#?[0-9a-fA-F]{6}$")


def _label_error(code: str, field: str) -> dict[str, str]:
    return {"resource": "Label", "code": code, "field": field}


def _issue(call: Call, repo: Repo) -> Issue:
    return call.issue(repo)


def _names(body: Any) -> list[str]:
    """Label names from ``{"labels": [...]}``, a bare array, or a bare string (names or label objects)."""
    if isinstance(body, dict):
        body = body.get("labels", [])
    if isinstance(body, str):
        body = [body]
    if not isinstance(body, list):
        raise ApiError(422, "Invalid request.\n\nFor 'links/0/schema', nil is not an array.")
    names = [x.get("name") if isinstance(x, dict) else x for x in body]
    if not all(isinstance(n, str) and n for n in names):
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Label", "code": "invalid",
                                                          "field": "name"}])
    return [str(n) for n in names]


def _on_issue(call: Call, repo: Repo, issue: Issue) -> list[dict[str, Any]]:
    return [label_json(call.base, repo, repo.labels[n]) for n in issue.labels if n in repo.labels]


def list_issue_labels(call: Call) -> Reply:
    repo = call.repo()
    issue = _issue(call, repo)
    return page_reply(call, [repo.labels[n] for n in issue.labels if n in repo.labels],
                      lambda lab: label_json(call.base, repo, lab))


def _only_existing(call: Call, repo: Repo, names: list[str]) -> None:
    """Below push access a name the repository lacks cannot be created: 422 ``invalid``."""
    if call.grant.can_write(repo):
        return
    for name in names:
        if call.store.find_label(repo, name) is None:
            raise ApiError(422, "Validation Failed", docs=f"{LABEL_DOCS}#add-labels-to-an-issue", errors=[
                {"value": name, "resource": "Label", "field": "name", "code": "invalid"}])


def _edit_issue_labels(edit: Callable[[Call, Issue, list[str]], bool], name: str) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        repo = call.repo(role="triage")
        issue = _issue(call, repo)
        names = _names(call.body)
        _only_existing(call, repo, names)
        before = len(repo.labels)
        changed = edit(call, issue, names)
        return Reply(body=_on_issue(call, repo, issue), changed=changed or len(repo.labels) != before)
    handler.__name__ = name  # requests are counted by handler name (Stats.by_endpoint)
    return handler


add_issue_labels = _edit_issue_labels(
    lambda c, i, names: c.store.add_labels(i, names, c.actor), "add_issue_labels"
)
set_issue_labels = _edit_issue_labels(
    lambda c, i, names: c.store.set_labels(i, names, c.actor), "set_issue_labels"
)


def remove_issue_label(call: Call) -> Reply:
    repo = call.repo(role="triage")
    issue = _issue(call, repo)
    if not call.store.remove_label(issue, call.path["name"], call.actor):
        raise ApiError(404, "Label does not exist", docs=f"{LABEL_DOCS}#remove-a-label-from-an-issue")
    return Reply(body=_on_issue(call, repo, issue), changed=True)


def clear_issue_labels(call: Call) -> Reply:
    repo = call.repo(role="triage")
    issue = _issue(call, repo)
    return Reply(204, None, changed=call.store.set_labels(issue, [], call.actor))


def list_repo_labels(call: Call) -> Reply:
    repo = call.repo()
    return page_reply(call, list(repo.labels.values()), lambda lab: label_json(call.base, repo, lab))


def _label_input(call: Call, *, creating: bool) -> dict[str, Any]:
    body = call.body if isinstance(call.body, dict) else {}
    name = body.get("new_name", body.get("name")) if not creating else body.get("name")
    if creating and (not isinstance(name, str) or not name):
        raise ApiError(422, "Validation Failed", errors=[_label_error("missing_field", "name")],
                       docs=f"{LABEL_DOCS}#create-a-label")
    color = body.get("color")
    if color is not None and not (isinstance(color, str) and COLOR.match(color)):
        raise ApiError(422, "Validation Failed", errors=[_label_error("invalid", "color")],
                       docs=f"{LABEL_DOCS}#create-a-label")
    return {"name": name, "color": color, "description": body.get("description")}


def create_repo_label(call: Call) -> Reply:
    repo = call.repo(write=True)
    given = _label_input(call, creating=True)
    if call.store.find_label(repo, given["name"]):
        raise ApiError(422, "Validation Failed", errors=[_label_error("already_exists", "name")],
                       docs=f"{LABEL_DOCS}#create-a-label")
    label = call.store.create_label(repo, given["name"], given["color"] or "ededed", given["description"])
    headers = {"location": label_json(call.base, repo, label)["url"]}
    return Reply(201, label_json(call.base, repo, label), headers, changed=True)


def _repo_label(call: Call, repo: Repo) -> Any:
    label = call.store.find_label(repo, call.path["name"])
    if label is None:
        raise ApiError(404, "Not Found", docs=f"{LABEL_DOCS}#get-a-label")
    return label


def get_repo_label(call: Call) -> Reply:
    repo = call.repo()
    return Reply(body=label_json(call.base, repo, _repo_label(call, repo)))


def update_repo_label(call: Call) -> Reply:
    repo = call.repo(write=True)
    label = _repo_label(call, repo)
    given = _label_input(call, creating=False)
    before = (label.name, label.color, label.description)
    description = given["description"]
    if isinstance(description, str) and len(description) > DESCRIPTION_MAX:
        raise too_long("description", DESCRIPTION_MAX, "update-a-label")
    if given["name"] and given["name"] != label.name:
        other = call.store.find_label(repo, given["name"])
        if other is not None and other is not label:
            raise ApiError(422, "Validation Failed", errors=[{"resource": "Label", "code": "already_exists",
                                                              "field": "name"}])
        call.store.rename_label(repo, label, given["name"])
    if given["color"]:
        label.color = given["color"].lstrip("#").lower()
    if isinstance(call.body, dict) and "description" in call.body:
        label.description = description
    changed = before != (label.name, label.color, label.description)
    return Reply(body=label_json(call.base, repo, label), changed=changed)


def delete_repo_label(call: Call) -> Reply:
    repo = call.repo(write=True)
    call.store.delete_label(repo, _repo_label(call, repo))
    return Reply(204, None, changed=True)


ISSUE_LABELS = "/repos/{owner}/{repo}/issues/{number}/labels"
REPO_LABELS = "/repos/{owner}/{repo}/labels"
ROUTES: list[Route] = [
    Route("GET", ISSUE_LABELS, list_issue_labels),
    Route("POST", ISSUE_LABELS, add_issue_labels),
    Route("PUT", ISSUE_LABELS, set_issue_labels),
    Route("DELETE", ISSUE_LABELS, clear_issue_labels),
    Route("DELETE", ISSUE_LABELS + "/{name:path}", remove_issue_label),
    Route("GET", REPO_LABELS, list_repo_labels),
    Route("POST", REPO_LABELS, create_repo_label),
    Route("GET", REPO_LABELS + "/{name:path}", get_repo_label),
    Route("PATCH", REPO_LABELS + "/{name:path}", update_repo_label),
    Route("DELETE", REPO_LABELS + "/{name:path}", delete_repo_label),
]
