"""Reading the configured Projects v2 board: in full (GraphQL), or only what changed (REST + GraphQL).

**Full** (:func:`read_project`): the GraphQL project query (id, fields, options, the first 100
items) and one ``node(id:)`` query per further 100 items: ``ceil(items / 100)`` requests. GraphQL's
``ProjectV2.items`` has no filter and orders only by ``POSITION`` [research github.md §10], so this
is the only way to read every item.

**Changed since a time** (:func:`read_board_changes`): the REST list of board items
``GET /orgs/{org}/projectsV2/{n}/items`` (``/users/{user}/…`` for a user's board) [docs:
https://docs.github.com/rest/projects/items#list-items-for-an-organization-owned-project] takes
the projects filter ``q`` [docs: https://docs.github.com/en/issues/planning-and-tracking-with-projects/customizing-views-in-your-project/filtering-projects],
whose ``-last-updated:Ndays`` is "updated in the last N days", and answers each item's
``updated_at``, which moves on every field-value change [community: orgs/community discussion
#209484; research ownership.md G8]. Days are the filter's only unit, so the request asks for
:func:`window_days` days and keeps the items whose ``updated_at`` is at or after ``since`` (a
pull's cursor minus its overlap, the same rule as the issue listing's ``since``). Those items'
values are then read by GraphQL (``BOARD_VALUES_QUERY``, 100 ids a request): the REST values carry
no per-value ``updatedAt``, which the ownership marker's check needs (a value re-set after
roadsync's marker is a person's: :mod:`.board_marks`). A no-change run costs one request; k
changed items ``ceil(n / 100) + ceil(k / 100)``, n being the items updated within the window.

Why :func:`window_days` is sound: an edit at or after ``since`` happened at most
``now - since`` ago, so it is within ``ceil((now - since) / 1 day)`` days whether GitHub counts
the window as 24-hour periods back from its clock or as calendar days; the extra day covers
GitHub counting days in another time zone or from a clock up to a day away from ours. ``since``
itself is the previous successful pull's start (minus the overlap), which is no later than that
pull's board read started, and it is committed per scope only when the scope's pull finished, so
a failed run widens the next window instead of losing the edits it missed.

What the changed-items read cannot see: an item a person *removed* from the board is no longer
listed, so the mirror keeps its old board values until the next full refresh
(``run.full_refresh_hours``); a write planned on them meets the board item missing, as a removal
between a pull and a write always could (and an item read more than ``run.reread_after_s`` ago is
read again before it is written).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from roadsync.config.model import GithubConfig
from roadsync.connectors.github import graphql as documents
from roadsync.connectors.github.client import GithubClient
from roadsync.connectors.github.convert import (
    BoardItem,
    ProjectSnapshot,
    board_item_from_node,
    parent_key_from_url,
    project_fields_from_nodes,
)
from roadsync.connectors.github.pages import pages
from roadsync.errors import NotFoundError

__all__ = ["UNAVAILABLE", "read_board_changes", "read_project", "window_days"]

UNAVAILABLE = (404, 410)
"""Answers meaning "no REST project items here" (GitHub Enterprise Server without the endpoint,
or a board the REST API does not find): the caller reads the board in full instead."""
NODES_PER_QUERY = 100
"""Ids per ``nodes(ids:)`` query: GitHub's cap for that argument."""
DAY = timedelta(days=1)


def window_days(since: datetime, now: datetime) -> int:
    """The ``-last-updated:`` days that hold every board edit made at or after ``since``:
    ``ceil((now - since) / 1 day) + 1``, at least 2 (see the module docstring for why)."""
    elapsed = (now - since) / DAY
    return max(1, math.ceil(elapsed)) + 1


def read_board_changes(
    client: GithubClient, config: GithubConfig, since: datetime, now: datetime
) -> dict[str, BoardItem] | None:
    """The board items (by issue key) updated at or after ``since``, with their values; ``None``
    when GitHub does not serve the REST list (404, 410): read the board in full then.

    Requests: ``ceil(listed / 100)`` REST pages plus ``ceil(changed / 100)`` GraphQL queries.
    Draft issues and items whose content the token cannot read are left out, as in a full read.
    Raises :class:`~roadsync.errors.TrackerError` as the client does.
    """
    project = config.project
    assert project is not None
    where = f"project {project.owner}/{project.number}"
    kind = "orgs" if project.owner_type == "organization" else "users"
    query = urlencode({"q": f"-last-updated:{window_days(since, now)}days", "per_page": 100})
    first = f"/{kind}/{project.owner}/projectsV2/{project.number}/items?{query}"
    keys: dict[str, str] = {}  # item node id -> issue key
    for page in pages(client, first, where, accept=UNAVAILABLE):
        if page.status in UNAVAILABLE:
            return None
        for raw in page.data or ():
            key = _content_key(raw)
            if key and raw.get("node_id") and _at_or_after(raw.get("updated_at"), since):
                keys[str(raw["node_id"])] = key
    return _values(client, keys, where)


def _content_key(raw: Mapping[str, Any]) -> str | None:
    """``owner/repo#n`` of a REST item's issue or pull request (``content.url``, or a pull
    request's ``issue_url``); ``None`` for drafts and unreadable content."""
    if raw.get("content_type") not in ("Issue", "PullRequest"):
        return None
    content = raw.get("content") or {}
    return parent_key_from_url(content.get("url")) or parent_key_from_url(content.get("issue_url"))


def _at_or_after(stamp: Any, since: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) >= since
    except ValueError:
        return True  # an unreadable stamp: read the item rather than miss an edit


def _values(client: GithubClient, keys: Mapping[str, str], where: str) -> dict[str, BoardItem]:
    """The values of the board items ``keys`` names (item node id -> issue key), by issue key.
    An item deleted since it was listed is left out (its node comes back null)."""
    found: dict[str, BoardItem] = {}
    ids = list(keys)
    for start in range(0, len(ids), NODES_PER_QUERY):
        batch = ids[start : start + NODES_PER_QUERY]
        result = client.graphql_known(documents.BOARD_VALUES_QUERY, {"ids": batch}, item=where, partial=True)
        for node in result.data.get("nodes") or ():
            key = keys.get(str((node or {}).get("id") or ""))
            if key is None or node is None:
                continue
            repo, _, number = key.rpartition("#")
            content = {"number": int(number), "repository": {"nameWithOwner": repo}}
            pair = board_item_from_node({**node, "content": content})
            if pair:
                found[pair[0]] = pair[1]
    return found


def read_project(client: GithubClient, config: GithubConfig, *, items: bool = True) -> ProjectSnapshot:
    """Read the configured Projects v2 board: ceil(items / 100) GraphQL requests (at least 1).

    With ``items=False`` only the board's id and fields (with their options) are wanted, as a
    writer needs: one request, and the snapshot's ``items`` holds only the first page. The
    writer reads a board this run's pull already found, so it asks as for a known node
    (:meth:`~roadsync.connectors.github.client.GithubClient.graphql_known`).
    Raises :class:`~roadsync.errors.NotFoundError` when the board is not there.
    """
    project = config.project
    assert project is not None
    owner_field = "organization" if project.owner_type == "organization" else "user"
    query = documents.PROJECT_ORG_QUERY if owner_field == "organization" else documents.PROJECT_USER_QUERY
    where = f"project {project.owner}/{project.number}"
    ask = client.graphql if items else client.graphql_known
    result = ask(query, {"owner": project.owner, "number": project.number, "after": None}, item=where)
    board = (result.data.get(owner_field) or {}).get("projectV2")
    if not board:
        raise NotFoundError(
            f"GitHub Projects board {project.owner} #{project.number} not found",
            source="github",
            item=where,
            hint="check github.project owner, number and owner_type, and the token's project scope",
        )
    found: dict[str, BoardItem] = {}
    connection: Mapping[str, Any] = board["items"]
    while True:
        for node in connection.get("nodes") or ():
            pair = board_item_from_node(node)
            if pair:
                found[pair[0]] = pair[1]
        info = connection.get("pageInfo") or {}
        if not items or not info.get("hasNextPage"):
            break
        page = client.graphql(
            documents.PROJECT_ITEMS_QUERY,
            {"project": board["id"], "after": info.get("endCursor")},
            item=where,
        )
        connection = (page.data.get("node") or {}).get("items") or {}
    fields = project_fields_from_nodes(list((board.get("fields") or {}).get("nodes") or ()))
    return ProjectSnapshot(str(board["id"]), fields, found)
