"""The naive baselines: the scripts a team would write with the same client libraries.

Both read the roadmap (theme ``tN`` <- label ``area-N``, theme priority) and reach the same end
state as roadsync. Both pace GitHub writes as roadsync does (``pacing_s``), so the comparison is
about requests, not about a sleep. Each runs in its own process, as roadsync does (:mod:`bench.child`).

**The fair script** (:func:`run_naive`, the headline): what an experienced engineer writes in an
afternoon. It searches with the fields it needs and never GETs an item on its own:

- Jira (``jira`` library): ``jira.fields()`` once, ``enhanced_search_issues`` 100 at a time with
  ``labels,priority,<Alignment>``, then one ``issue.update(fields=..., update=...)`` per item that
  differs, carrying every managed field (the library re-reads the issue after each update).
- GitHub (PyGithub + httpx for GraphQL): the board read once, ``repo.get_issues(state="all")``
  (labels come with the list), ``add_to_labels`` / ``remove_from_labels`` per label, and one
  ``updateProjectV2ItemFieldValue`` mutation per board field that differs.

**The very naive script** (:func:`run_very_naive`, kept for comparison with earlier figures): it
lists keys only and GETs every item fresh, and updates each field with its own request:

- Jira (``jira`` library): ``jira.search_issues`` page by page, ``jira.issue(key)`` per item,
  ``issue.update(...)`` once per field that differs (priority, the ``theme:`` label, Alignment).
- GitHub (PyGithub + httpx for GraphQL): ``repo.get_issues(state="all")``, ``repo.get_issue(n)``
  per item, ``issue.add_to_labels`` / ``issue.remove_from_labels`` per label, the board read once
  page by page and one ``updateProjectV2ItemFieldValue`` mutation per board field that differs.

Neither writes anything that is already right; both page at the largest size.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from github import Auth, Github
from github.Issue import Issue
from jira import JIRA

from bench.child import Address

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["run_naive", "run_very_naive"]

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


def naive_jira(sandbox: Address, table: dict[str, tuple[str, str]]) -> None:
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


@contextmanager
def _github_sync(
    sandbox: Address, table: dict[str, tuple[str, str]], pacing_s: float
) -> Iterator[tuple[Github, Callable[[str, Issue], None]]]:
    """PyGithub for the issues, the board read once over GraphQL, and the one write step both
    scripts share: each label added or removed by its own call, one mutation per board field."""
    gh = Github(
        auth=Auth.Token(sandbox.github_token), base_url=sandbox.github_url, per_page=100,
        seconds_between_requests=None, seconds_between_writes=pacing_s or None, retry=None,
    )  # fmt: skip
    http = httpx.Client(headers={"Authorization": f"bearer {sandbox.github_token}"}, timeout=30)
    owner, number = sandbox.github_owner, int((sandbox.github_project or {}).get("number", 1))
    project_id, fields, board = _board(http, sandbox.graphql_url, owner, number)
    last_mutation = [0.0]

    def sync_issue(full_name: str, issue: Issue) -> None:
        labels = [label.name for label in issue.labels]
        theme, level, align = _wanted(labels, table)
        adds, removes = _label_ops(labels, "theme/", theme)
        for label in adds:
            issue.add_to_labels(label)
        for label in removes:
            issue.remove_from_labels(label)
        item_id, values = board.get(f"{full_name}#{issue.number}", (None, {}))
        for name, value in (("Priority", level), ("Alignment", align)):
            if item_id is None or value is None or values.get(name) == value:
                continue
            field = fields[name]
            option = next(o["id"] for o in field["options"] if o["name"] == value)
            _pace(last_mutation, pacing_s)
            variables = {"project": project_id, "item": item_id, "field": field["id"], "option": option}
            answer = http.post(sandbox.graphql_url, json={"query": SET_VALUE, "variables": variables})
            answer.raise_for_status()

    try:
        yield gh, sync_issue
    finally:
        http.close()
        gh.close()


def naive_github(sandbox: Address, table: dict[str, tuple[str, str]], pacing_s: float) -> None:
    """List every issue per repo, GET each, one call per label and one mutation per board field."""
    with _github_sync(sandbox, table, pacing_s) as (gh, sync_issue):
        for full_name in sandbox.github_repos:
            repo = gh.get_repo(full_name)
            numbers = [issue.number for issue in repo.get_issues(state="all") if issue.pull_request is None]
            for n in numbers:
                sync_issue(full_name, repo.get_issue(n))


def _pace(last: list[float], pacing_s: float) -> None:
    import time

    wait = last[0] + pacing_s - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    last[0] = time.monotonic()


def run_very_naive(sandbox: Address, roadmap_toml: str, pacing_s: float) -> None:
    """The whole very naive sync of ``sandbox`` (Jira, then GitHub)."""
    table = themes_by_label(roadmap_toml)
    naive_jira(sandbox, table)
    naive_github(sandbox, table, pacing_s)


def fair_jira(sandbox: Address, table: dict[str, tuple[str, str]]) -> None:
    """Search every project with the fields needed; one update per item that differs."""
    jira = JIRA(server=sandbox.jira_url, basic_auth=(sandbox.jira_email, sandbox.jira_token), max_retries=0)
    alignment = next(f["id"] for f in jira.fields() if f["name"] == "Alignment")
    for project in sandbox.jira_projects:
        token: str | None = None
        while True:
            page = jira.enhanced_search_issues(
                f'project = "{project}" ORDER BY key ASC', nextPageToken=token, maxResults=100,
                fields=f"labels,priority,{alignment}",
            )  # fmt: skip
            for issue in page:
                _fair_update(issue, alignment, table)
            token = page.nextPageToken
            if not token:
                break
    jira.close()  # type: ignore[no-untyped-call]


def _fair_update(issue: Any, alignment: str, table: dict[str, tuple[str, str]]) -> None:
    labels = list(issue.fields.labels or [])
    theme, level, align = _wanted(labels, table)
    fields: dict[str, Any] = {}
    if level is not None and getattr(issue.fields.priority, "name", None) != JIRA_PRIORITY[level]:
        fields["priority"] = {"name": JIRA_PRIORITY[level]}
    if getattr(getattr(issue.fields, alignment, None), "value", None) != align:
        fields[alignment] = {"value": align}
    adds, removes = _label_ops(labels, "theme:", theme)
    ops = [{"add": label} for label in adds] + [{"remove": label} for label in removes]
    if fields or ops:
        issue.update(fields=fields or None, update={"labels": ops} if ops else None)


def fair_github(sandbox: Address, table: dict[str, tuple[str, str]], pacing_s: float) -> None:
    """The board once, every repo's issues listed (labels included), one call per label and field."""
    with _github_sync(sandbox, table, pacing_s) as (gh, sync_issue):
        for full_name in sandbox.github_repos:
            for issue in gh.get_repo(full_name).get_issues(state="all"):
                # Not ``issue.pull_request``: PyGithub completes a listed issue lacking that key with
                # a GET of its own, one per item; the listed html_url says the same for free.
                if "/pull/" in issue.html_url:
                    continue
                sync_issue(full_name, issue)


def run_naive(sandbox: Address, roadmap_toml: str, pacing_s: float) -> None:
    """The whole fair naive sync of ``sandbox`` (Jira, then GitHub)."""
    table = themes_by_label(roadmap_toml)
    fair_jira(sandbox, table)
    fair_github(sandbox, table, pacing_s)
