"""The naive baseline: the script a team would write with the same client libraries.

It reads the roadmap (theme ``tN`` <- label ``area-N``, theme priority), lists everything, then
for every item GETs it fresh (the list may be stale by the time the loop reaches it) and updates
each managed field that differs, one request at a time:

- Jira (``jira`` library): ``jira.search_issues`` page by page, ``jira.issue(key)`` per item,
  ``issue.update(...)`` once per field that differs (priority, the ``theme:`` label, Alignment).
- GitHub (PyGithub + httpx for GraphQL): ``repo.get_issues(state="all")``, ``repo.get_issue(n)``
  per item, ``issue.add_to_labels`` / ``issue.remove_from_labels`` per label, the board read once
  page by page and one ``updateProjectV2ItemFieldValue`` mutation per board field that differs.

It is not a strawman: it writes nothing that is already right, pages at the largest size, and
reads the board once rather than per item. Its GitHub writes are paced as roadsync's are
(``pacing_s``), so the comparison is about requests, not about a sleep.
"""

from __future__ import annotations

import sys
from typing import Any

import httpx
from github import Auth, Github
from jira import JIRA

from roadsync.sandbox.server import Sandbox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["run_naive"]

JIRA_PRIORITY = {"P0": "Highest", "P1": "High", "P2": "Medium", "P3": "Low", "P4": "Lowest"}

BOARD_QUERY = """
query($owner: String!, $number: Int!, $after: String) {
  organization(login: $owner) { projectV2(number: $number) {
    id
    fields(first: 50) { nodes { ... on ProjectV2SingleSelectField { id name options { id name } } } }
    items(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        content { ... on Issue { number repository { nameWithOwner } } }
        fieldValues(first: 20) { nodes { ... on ProjectV2ItemFieldSingleSelectValue {
          name field { ... on ProjectV2SingleSelectField { name } } } } }
      }
    }
  } }
}
"""

SET_VALUE = """
mutation($project: ID!, $item: ID!, $field: ID!, $option: String!) {
  updateProjectV2ItemFieldValue(input: {projectId: $project, itemId: $item, fieldId: $field,
    value: {singleSelectOptionId: $option}}) { projectV2Item { id } }
}
"""


def themes_by_label(roadmap_toml: str) -> dict[str, tuple[str, str]]:
    """``area-N`` -> (theme id, priority level), from the roadmap's label-only match blocks."""
    table: dict[str, tuple[str, str]] = {}
    for theme in tomllib.loads(roadmap_toml).get("themes", []):
        for block in theme.get("match", []):
            for label in block.get("labels", []):
                table.setdefault(label, (theme["id"], theme["priority"]))
    return table


def _wanted(labels: list[str], table: dict[str, tuple[str, str]]) -> tuple[str | None, str | None, str]:
    """(theme id, priority level, alignment) the roadmap asks for an item with these labels."""
    for label in labels:
        if label in table:
            theme, level = table[label]
            return theme, level, "aligned"
    return None, None, "unaligned"


def _label_ops(labels: list[str], prefix: str, theme: str | None) -> tuple[list[str], list[str]]:
    if theme is None:
        return [], []
    wanted = prefix + theme
    stale = [label for label in labels if label.startswith(prefix) and label != wanted]
    return ([wanted] if wanted not in labels else []), stale


def naive_jira(sandbox: Sandbox, table: dict[str, tuple[str, str]]) -> None:
    """List every issue, GET each, update each differing field with its own request."""
    jira = JIRA(server=sandbox.jira_url, basic_auth=(sandbox.jira_email, sandbox.jira_token), max_retries=0)
    alignment = next(f["id"] for f in jira.fields() if f["name"] == "Alignment")
    keys: list[str] = []
    for project in sandbox.jira_projects:
        token: str | None = None
        while True:
            page = jira.enhanced_search_issues(
                f'project = "{project}" ORDER BY key ASC', nextPageToken=token, maxResults=100,
                fields="key",
            )  # fmt: skip
            keys += [issue.key for issue in page]
            token = page.nextPageToken
            if not token:
                break
    for key in keys:
        issue = jira.issue(key, fields=f"labels,priority,{alignment}")
        labels = list(issue.fields.labels or [])
        theme, level, align = _wanted(labels, table)
        if level is not None and (
            issue.fields.priority is None or issue.fields.priority.name != JIRA_PRIORITY[level]
        ):
            issue.update(fields={"priority": {"name": JIRA_PRIORITY[level]}})
        current = getattr(issue.fields, alignment, None)
        if getattr(current, "value", None) != align:
            issue.update(fields={alignment: {"value": align}})
        adds, removes = _label_ops(labels, "theme:", theme)
        for label in adds:
            issue.update(update={"labels": [{"add": label}]})
        for label in removes:
            issue.update(update={"labels": [{"remove": label}]})
    jira.close()  # type: ignore[no-untyped-call]


def _board(
    http: httpx.Client, url: str, owner: str, number: int
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(project id, fields by name, board items by issue key with their values by field name)."""
    items: dict[str, Any] = {}
    after: str | None = None
    while True:
        answer = http.post(
            url, json={"query": BOARD_QUERY, "variables": {"owner": owner, "number": number, "after": after}}
        )
        project = answer.json()["data"]["organization"]["projectV2"]
        for node in project["items"]["nodes"]:
            content = node.get("content") or {}
            if "number" not in content:
                continue
            values = {
                v["field"]["name"]: v["name"] for v in node["fieldValues"]["nodes"] if v and "name" in v
            }
            items[f"{content['repository']['nameWithOwner']}#{content['number']}"] = (node["id"], values)
        info = project["items"]["pageInfo"]
        if not info["hasNextPage"]:
            fields = {f["name"]: f for f in project["fields"]["nodes"] if f and "options" in f}
            return project["id"], fields, items
        after = info["endCursor"]


def naive_github(sandbox: Sandbox, table: dict[str, tuple[str, str]], pacing_s: float) -> None:
    """List every issue per repo, GET each, one call per label and one mutation per board field."""
    gh = Github(
        auth=Auth.Token(sandbox.github_token), base_url=sandbox.github_url, per_page=100,
        seconds_between_requests=None, seconds_between_writes=pacing_s or None, retry=None,
    )  # fmt: skip
    http = httpx.Client(headers={"Authorization": f"bearer {sandbox.github_token}"}, timeout=30)
    owner, number = sandbox.github_owner, int((sandbox.github_project or {}).get("number", 1))
    project_id, fields, board = _board(http, sandbox.graphql_url, owner, number)
    last_mutation = [0.0]
    for full_name in sandbox.github_repos:
        repo = gh.get_repo(full_name)
        numbers = [issue.number for issue in repo.get_issues(state="all") if issue.pull_request is None]
        for n in numbers:
            issue = repo.get_issue(n)
            labels = [label.name for label in issue.labels]
            theme, level, align = _wanted(labels, table)
            adds, removes = _label_ops(labels, "theme/", theme)
            for label in adds:
                issue.add_to_labels(label)
            for label in removes:
                issue.remove_from_labels(label)
            item_id, values = board.get(f"{full_name}#{n}", (None, {}))
            for name, value in (("Priority", level), ("Alignment", align)):
                if item_id is None or value is None or values.get(name) == value:
                    continue
                field = fields[name]
                option = next(o["id"] for o in field["options"] if o["name"] == value)
                _pace(last_mutation, pacing_s)
                variables = {"project": project_id, "item": item_id, "field": field["id"], "option": option}
                http.post(
                    sandbox.graphql_url, json={"query": SET_VALUE, "variables": variables}
                ).raise_for_status()
    http.close()
    gh.close()


def _pace(last: list[float], pacing_s: float) -> None:
    import time

    wait = last[0] + pacing_s - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    last[0] = time.monotonic()


def run_naive(sandbox: Sandbox, roadmap_toml: str, pacing_s: float) -> None:
    """The whole naive sync of ``sandbox`` (Jira, then GitHub)."""
    table = themes_by_label(roadmap_toml)
    naive_jira(sandbox, table)
    naive_github(sandbox, table, pacing_s)
