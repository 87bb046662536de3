"""REST Projects v2 items of the GitHub emulator: ``GET /orgs/{org}/projectsV2/{n}/items`` and the
user-owned ``GET /users/{username}/projectsV2/{n}/items``.

Sources: the REST reference "List items for an organization owned project" / "…for a user owned
project" [docs: https://docs.github.com/rest/projects/items], the filter syntax [docs:
https://docs.github.com/en/issues/planning-and-tracking-with-projects/customizing-views-in-your-project/filtering-projects]
and cursor paging [docs: https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api].
Our ``tests/api/github-rest.json`` is an older description without these paths, so the tests check
the item shape against the docs' example response instead. What is served:

- ``q``: space-separated qualifiers, all of which must hold. ``last-updated:Ndays`` ("items last
  updated N or more days ago": ``updated_at <= now - N days``) and its negation
  ``-last-updated:Ndays`` ("updated in the last N days": ``updated_at > now - N days``); ``1day`` is
  the singular. ``is:issue`` / ``is:pr`` / ``is:open`` / ``is:closed`` and ``repo:OWNER/REPO``. Any
  other qualifier answers 400 naming it: an emulator limit, so that no test relies on a filter the
  emulator would silently ignore.
- ``fields``: field ids (``fields=1,2`` or repeated ``fields[]=1``); without it only the Title
  field's value is returned, as the docs say. Value shapes from the docs' example: title
  ``{"raw", "html", "number", "url", "issue_id", "issue_state", "state_reason", "is_draft"}``,
  single select ``{"id", "name": {"raw", "html"}, "color", "description": {"raw", "html"}}``. The
  docs show no text, number, date or iteration value (unverified): text ``{"raw", "html"}`` like the
  title, number a JSON number, date ``"YYYY-MM-DD"``, iteration ``{"id", "title": {"raw", "html"},
  "start_date", "duration"}``. Field ids are the fields' ``databaseId`` on the GraphQL side.
- ``per_page`` (default 30, at most 100) and the ``after`` / ``before`` cursors given in the
  ``link`` header (``rel="next"`` / ``rel="prev"``, absent on the last / first page). Items come in
  board position order, as the GraphQL ``items`` connection serves them.
- An item: ``id`` (database id), ``node_id``, ``project_url``, ``content`` (the issue or pull
  request object), ``content_type`` (``Issue`` / ``PullRequest``), ``creator``, ``created_at``,
  ``updated_at``, ``archived_at``, ``item_url``, ``fields``. ``updated_at`` is the same record
  as GraphQL's ``ProjectV2Item.updatedAt``: it moves on every field-value change and is set when
  the item is added [community: orgs/community discussion #209484; research ownership.md G8].
  Items of repositories the token cannot read are left out.
- A token that cannot reach Projects v2 (``GITHUB_TOKEN``) gets 403; an unknown board 404, and so
  does every board when ``store.rest_project_items`` is False: a server without the REST Projects
  API (github.com serves it under API version 2022-11-28 too [docs:
  github/docs src/rest/data/fpt-2022-11-28/projects.json]; which GitHub Enterprise Server versions
  serve it is unverified). Reads
  are charged to the ``core`` budget and counted like every REST read.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from roadsync.sandbox.github.gateway import ApiError, Call, Reply
from roadsync.sandbox.github.model import Project, ProjectField, ProjectItem
from roadsync.sandbox.github.render import issue_json, user_json
from roadsync.sandbox.http import Route

__all__ = ["ROUTES", "item_json", "matches"]

DOCS = "https://docs.github.com/rest/projects/items#list-items-for-an-organization-owned-project"
_LAST_UPDATED = re.compile(r"^(-?)last-updated:(\d+)days?$")
Predicate = Callable[[ProjectItem], bool]


def list_org_project_items(call: Call) -> Reply:
    """``GET /orgs/{org}/projectsV2/{project_number}/items``."""
    return _list(call, call.path["org"], org=True)


def list_user_project_items(call: Call) -> Reply:
    """``GET /users/{username}/projectsV2/{project_number}/items``."""
    return _list(call, call.path["username"], org=False)


def _list(call: Call, owner: str, *, org: bool) -> Reply:
    if not call.store.rest_project_items:
        raise ApiError(404, "Not Found", docs=DOCS)
    if not call.grant.projects:
        raise ApiError(403, "Resource not accessible by integration", docs=DOCS)
    number = str(call.path["project_number"])
    project = call.store.project(owner, int(number)) if number.isdigit() else None
    if project is None or (project.owner.lower() == call.store.owner.lower()) != org:
        raise ApiError(404, "Not Found", docs=DOCS)
    keep = matches(call.query.get("q") or "", datetime.now(timezone.utc))
    readable = [i for i in project.items if call.grant.can_read(call.store.repos[i.issue.repo])]
    chosen = [(at, i) for at, i in enumerate(readable) if keep(i)]
    per_page = _per_page(call.query.get("per_page"))
    page, before, after = _page(chosen, per_page, call)
    wanted = _field_ids(call)
    reply = Reply(body=[item_json(call, project, item, wanted) for _, item in page])
    links = [(after, "next"), (before, "prev")]
    rendered = [f'<{_url(call, key, cursor)}>; rel="{rel}"' for cursor, rel in links if cursor
                for key in [("after" if rel == "next" else "before")]]
    if rendered:
        reply.headers["link"] = ", ".join(rendered)
    return reply


def matches(query: str, now: datetime) -> Predicate:
    """The predicate of a projects filter ``query`` (see the module docstring); 400 for a
    qualifier the emulator does not serve."""
    tests: list[Predicate] = []
    for word in query.split():
        tests.append(_qualifier(word, now))
    return lambda item: all(test(item) for test in tests)


def _qualifier(word: str, now: datetime) -> Predicate:
    updated = _LAST_UPDATED.match(word)
    if updated:
        edge = now - timedelta(days=int(updated[2]))
        recent: Predicate = lambda item: _time(item.updated_at) > edge  # noqa: E731
        return recent if updated[1] else (lambda item: not recent(item))
    kinds: dict[str, Predicate] = {
        "is:issue": lambda item: not item.issue.pull_request,
        "is:pr": lambda item: item.issue.pull_request,
        "is:open": lambda item: item.issue.state == "open",
        "is:closed": lambda item: item.issue.state == "closed",
    }
    if word in kinds:
        return kinds[word]
    if word.startswith("repo:"):
        name = word[len("repo:"):].lower()
        return lambda item: item.issue.repo.lower() == name.rpartition("/")[2]
    raise ApiError(400, f"The sandbox does not serve the projects filter {word!r}", docs=DOCS)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _per_page(value: str | None) -> int:
    try:
        return min(100, max(1, int(value))) if value is not None else 30
    except ValueError:
        return 30


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{index}".encode()).decode()


def _position(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise ApiError(400, "Invalid cursor", docs=DOCS) from None


def _page(
    chosen: list[tuple[int, ProjectItem]], per_page: int, call: Call
) -> tuple[list[tuple[int, ProjectItem]], str | None, str | None]:
    """One page of ``chosen`` (board position, item) by the ``after``/``before`` cursors (a cursor
    is a board position), with the cursors of the previous and next pages (None at an end)."""
    after, before = call.query.get("after"), call.query.get("before")
    if before:
        edge = _position(before)
        earlier = [pair for pair in chosen if pair[0] < edge]
        page = earlier[-per_page:]
    else:
        edge = _position(after) if after else -1
        page = [pair for pair in chosen if pair[0] > edge][:per_page]
    if not page:
        return [], None, None
    first, last = page[0][0], page[-1][0]
    more_after = any(at > last for at, _ in chosen)
    more_before = any(at < first for at, _ in chosen)
    return page, _cursor(first) if more_before else None, _cursor(last) if more_after else None


def _url(call: Call, key: str, cursor: str) -> str:
    kept = [(k, v) for k, v in call.query_items if k not in ("after", "before")]
    return f"{call.base}{call.url_path}?{urlencode([*kept, (key, cursor)])}"


def _field_ids(call: Call) -> set[int] | None:
    """The ``fields`` asked for (``fields=1,2`` or ``fields[]=1&fields[]=2``), None when absent."""
    raw = [v for k, v in call.query_items if k in ("fields", "fields[]")]
    if not raw:
        return None
    try:
        return {int(part) for value in raw for part in value.split(",") if part.strip()}
    except ValueError:
        raise ApiError(400, "fields must be field ids", docs=DOCS) from None


def item_json(call: Call, project: Project, item: ProjectItem, wanted: set[int] | None) -> dict[str, Any]:
    """One item as the list answers it (see the module docstring)."""
    repo = call.store.repos[item.issue.repo]
    types = {t.name: t for t in call.store.issue_types}
    kind = "orgs" if project.owner.lower() == call.store.owner.lower() else "users"
    project_url = f"{call.base}/{kind}/{project.owner}/projectsV2/{project.number}"
    chosen = [f for f in project.fields
              if (f.database_id in wanted if wanted is not None else f.data_type == "TITLE")]
    content = issue_json(call.base, repo, item.issue, types)
    return {
        "id": item.database_id,
        "node_id": item.id,
        "project_url": project_url,
        "content": content,
        "content_type": "PullRequest" if item.issue.pull_request else "Issue",
        "creator": user_json(call.base, item.creator),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "archived_at": None,
        "item_url": f"{project_url}/items/{item.database_id}",
        "fields": [_field_json(item, f, str(content.get("html_url") or "")) for f in chosen],
    }


def _field_json(item: ProjectItem, pfield: ProjectField, html_url: str) -> dict[str, Any]:
    data_type = pfield.data_type.lower()
    raw = item.values.get(pfield.id)
    value: Any
    if pfield.data_type == "TITLE":
        issue = item.issue
        value = {**_rich(issue.title), "number": issue.number, "url": html_url,
                 "issue_id": issue.id, "issue_state": issue.state, "state_reason": issue.state_reason,
                 "is_draft": False}
    elif raw is None:
        value = None
    elif pfield.data_type == "SINGLE_SELECT":
        value = {"id": raw, "name": _rich(pfield.option_name(raw) or ""), "color": "GRAY",
                 "description": _rich("")}
    elif pfield.data_type == "ITERATION":
        value = {"id": raw, "title": _rich(str(raw)), "start_date": "2026-01-05", "duration": 14}
    elif pfield.data_type in ("NUMBER", "DATE"):
        value = raw
    else:
        value = _rich(str(raw))
    return {"id": pfield.database_id, "name": pfield.name, "data_type": data_type, "value": value}


def _rich(text: str) -> dict[str, str]:
    return {"raw": text, "html": html.escape(text)}


ROUTES: list[Route] = [
    Route("GET", "/orgs/{org}/projectsV2/{project_number}/items", list_org_project_items),
    Route("GET", "/users/{username}/projectsV2/{project_number}/items", list_user_project_items),
]
