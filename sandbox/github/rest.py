"""REST endpoints of the GitHub emulator: user, rate limit, repositories, issues, sub-issues, types, events.

Labels live in :mod:`roadsync.sandbox.github.rest_labels`. Lists page with ``page``/``per_page``
(default 30, at most 100) and a ``link`` header shaped exactly as GitHub's, absent on a single page.

Every change is made as the token's account (:class:`~roadsync.sandbox.github.access.TokenGrant`),
which the issue events record as ``actor``. ``PATCH`` of an issue by a token below push access
(triage) answers 200 and silently drops ``labels``, ``assignees``, ``milestone``, ``type`` and
``issue_field_values`` [spec: ``issues/update`` in GitHub's OpenAPI, "Without push access to the
repository, type changes are silently dropped", and the same for the other keys]; issue types are
ignored on a repository whose owner is a user [research github.md §5]. ``PATCH /repos/{o}/{r}``
with ``name`` renames the repository (admin only) [docs: https://docs.github.com/rest/repos/repos#update-a-repository].

Issue events: per issue oldest first, and the repository-wide feed ``/repos/{o}/{r}/issues/events``
newest first with each event's ``issue`` [research ownership.md G7: order undocumented, "generally
newest first"; the feed has no ``since``], both with ETags (a matching ``If-None-Match`` answers 304).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from roadsync.sandbox.github.access import COLLAB_ONLY_FIELDS
from roadsync.sandbox.github.gateway import ApiError, Call, Reply
from roadsync.sandbox.github.model import Event, Issue, Repo
from roadsync.sandbox.github.render import (
    event_json,
    issue_json,
    issue_type_json,
    private_user_json,
    repo_json,
    user_json,
)
from roadsync.sandbox.http import Route

__all__ = ["ROUTES", "Handler", "page_reply"]

Handler = Callable[[Call], Reply]

ISSUE_FIELDS = ("title", "body", "state", "state_reason", "labels", "assignees", "milestone", "type")


def page_reply(call: Call, items: Sequence[Any], render: Callable[[Any], Any]) -> Reply:
    """One page of ``items`` with GitHub's ``link`` header (prev, next, last, first)."""
    per_page = _int(call.query.get("per_page"), 30, 1, 100)
    page = _int(call.query.get("page"), 1, 1, 10**9)
    last = max(1, -(-len(items) // per_page))
    chosen = items[(page - 1) * per_page: page * per_page]
    reply = Reply(body=[render(x) for x in chosen])
    if last > 1:
        rels = []
        if page > 1:
            rels.append((min(page - 1, last), "prev"))
        if page < last:
            rels += [(page + 1, "next"), (last, "last")]
        if page > 1:
            rels.append((1, "first"))
        reply.headers["link"] = ", ".join(f'<{_page_url(call, n)}>; rel="{rel}"' for n, rel in rels)
    return reply


def _page_url(call: Call, page: int) -> str:
    items = [(k, v) for k, v in call.query_items if k != "page"] + [("page", str(page))]
    return f"{call.base}{call.url_path}?{urlencode(items)}"


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value))) if value is not None else default
    except ValueError:
        return default


def _issue(call: Call, repo: Repo, key: str = "number") -> Issue:
    return call.issue(repo, key)


def _render(call: Call, repo: Repo) -> Callable[[Issue], dict[str, Any]]:
    types = {t.name: t for t in call.store.issue_types}
    null_parent = call.store.null_parent_issue_url
    return lambda issue: issue_json(call.base, repo, issue, types, null_parent=null_parent)


def _permissions(call: Call, repo: Repo) -> dict[str, bool]:
    return call.grant.permissions(repo)


# -- account and repositories ----------------------------------------------------------------------

def get_user(call: Call) -> Reply:
    """The token's own account; an installation token has none [docs: "Get the authenticated user"
    needs a user token; GitHub answers 403 "Resource not accessible by integration"]."""
    if call.grant.app is not None:
        raise ApiError(403, "Resource not accessible by integration",
                       docs="https://docs.github.com/rest/users/users#get-the-authenticated-user")
    own = call.actor == call.store.user_login
    name = call.store.user_name if own else call.store.display_name(call.actor)
    return Reply(body=private_user_json(call.base, call.actor, name))


def get_rate_limit(call: Call) -> Reply:
    resources = {name: call.ratelimit.peek(name).as_json() for name in ("core", "search", "graphql")}
    return Reply(body={"resources": resources, "rate": resources["core"]})


def get_owner(call: Call) -> Reply:
    """The organization (``/orgs/{owner}``) or user (``/users/{owner}``) account."""
    owner = call.path["owner"]
    if owner.lower() not in (call.store.owner.lower(), call.store.user_login.lower()):
        raise ApiError(404, "Not Found")
    kind = "Organization" if owner.lower() == call.store.owner.lower() else "User"
    login = call.store.owner if kind == "Organization" else call.store.user_login
    body = {**user_json(call.base, login, kind=kind), "name": login, "description": None,
            "public_repos": sum(1 for r in call.store.repos.values() if not r.private),
            "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"}
    return Reply(body=body)


def get_repo(call: Call) -> Reply:
    repo = call.repo()
    return Reply(body=repo_json(call.base, repo, _permissions(call, repo)))


def update_repo(call: Call) -> Reply:
    """``PATCH /repos/{o}/{r}``: only ``name`` changes anything here (a rename; admin only)."""
    repo = call.repo(role="admin")
    body = call.body if isinstance(call.body, dict) else {}
    name = body.get("name")
    changed = False
    if name is not None:
        if not isinstance(name, str) or not name:
            raise ApiError(422, "Validation Failed", errors=[{"resource": "Repository", "code": "invalid",
                                                              "field": "name"}])
        changed = name != repo.name
        call.store.rename_repo(repo, name)
    return Reply(body=repo_json(call.base, repo, _permissions(call, repo)), changed=changed)


def list_owner_repos(call: Call) -> Reply:
    owner = call.path["owner"]
    if owner.lower() != call.store.owner.lower():
        raise ApiError(404, "Not Found")
    repos = [r for r in call.store.repos.values() if call.grant.can_read(r)]
    return page_reply(call, repos, lambda r: repo_json(call.base, r, _permissions(call, r)))


# -- issues ----------------------------------------------------------------------------------------

def list_issues(call: Call) -> Reply:
    repo = call.repo()
    q = call.query
    state = q.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Issue", "field": "state",
                                                          "code": "invalid"}])
    labels = [n.strip() for n in q.get("labels", "").split(",") if n.strip()]
    issues = call.store.list_issues(
        repo, state=state, since=_since(q.get("since")), labels=labels,
        sort=q.get("sort", "created"), direction=q.get("direction", "desc"),
    )
    return page_reply(call, issues, _render(call, repo))


def _since(value: str | None) -> str | None:
    if not value:
        return None
    # GitHub accepts any ISO 8601 timestamp; the store compares normalised ``...Z`` strings
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Issue", "field": "since",
                                                          "code": "invalid"}]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def get_issue(call: Call) -> Reply:
    repo = call.repo()
    return Reply(body=_render(call, repo)(_issue(call, repo)))


def patch_issue(call: Call) -> Reply:
    repo = call.repo(role="triage")
    issue = _issue(call, repo)
    fields = _issue_fields(call, repo)
    changed = call.store.update_issue(issue, fields, call.actor)
    return Reply(body=_render(call, repo)(issue), changed=changed)


def create_issue(call: Call) -> Reply:
    repo = call.repo(write=True)
    fields = _issue_fields(call, repo)
    if not isinstance(fields.get("title"), (str, int)) or not str(fields["title"]):
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Issue", "field": "title",
                                                          "code": "missing_field"}])
    issue = call.store.create_issue(repo, fields, call.actor)
    headers = {"location": f"{call.base}/repos/{repo.full_name}/issues/{issue.number}"}
    return Reply(201, _render(call, repo)(issue), headers, changed=True)


def _issue_fields(call: Call, repo: Repo) -> dict[str, Any]:
    """The keys of an issue POST/PATCH this token may set; the others are dropped, as GitHub does."""
    if not isinstance(call.body, dict):
        raise ApiError(400, "Problems parsing JSON")
    dropped = set(COLLAB_ONLY_FIELDS) if not call.grant.can_write(repo) else set()
    if not call.store.owner_has_issue_types():
        dropped.add("type")
    fields = {k: v for k, v in call.body.items() if k in ISSUE_FIELDS and k not in dropped}
    if "assignee" in call.body and "assignee" not in dropped:
        fields["assignees"] = [call.body["assignee"]] if call.body["assignee"] else []
    if fields.get("type") is not None and call.store.issue_type(str(fields["type"])) is None:
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Issue", "field": "type",
                                                          "code": "invalid", "value": fields["type"]}])
    return fields


# -- sub-issues ------------------------------------------------------------------------------------

def list_sub_issues(call: Call) -> Reply:
    repo = call.repo()
    parent = _issue(call, repo)
    subs = [repo.issues[n] for n in parent.sub_issues if n in repo.issues]
    return page_reply(call, subs, _render(call, repo))


def _sub_issue(call: Call, parent: Issue) -> Issue:
    sub_id = call.body.get("sub_issue_id") if isinstance(call.body, dict) else None
    if not isinstance(sub_id, int) or isinstance(sub_id, bool):
        raise ApiError(422, "Invalid request.\n\nFor 'properties/sub_issue_id', is not an integer.")
    child = call.store.issue_by_id(sub_id)
    if child is None or not call.grant.can_read(call.store.repos[child.repo]):
        raise ApiError(404, "Not Found")
    return child


def add_sub_issue(call: Call) -> Reply:
    repo = call.repo(write=True)
    parent = _issue(call, repo)
    child = _sub_issue(call, parent)
    if child.repo != parent.repo:
        # the emulator keeps sub-issues within one repository (its fixture format does too)
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Issue", "code": "invalid",
                                                          "field": "sub_issue_id"}])
    call.store.add_sub_issue(parent, child, replace_parent=bool(call.body.get("replace_parent")),
                             actor=call.actor)
    return Reply(201, _render(call, repo)(parent), changed=True)


def remove_sub_issue(call: Call) -> Reply:
    repo = call.repo(write=True)
    parent = _issue(call, repo)
    child = _sub_issue(call, parent)
    call.store.remove_sub_issue(parent, child, call.actor)
    return Reply(body=_render(call, repo)(child), changed=True)


def get_parent(call: Call) -> Reply:
    repo = call.repo()
    issue = _issue(call, repo)
    if issue.parent is None or issue.parent not in repo.issues:
        raise ApiError(404, "Not Found")
    return Reply(body=_render(call, repo)(repo.issues[issue.parent]))


# -- issue types, events ---------------------------------------------------------------------------

def org_issue_types(call: Call) -> Reply:
    if call.path["org"].lower() != call.store.owner.lower():
        raise ApiError(404, "Not Found")
    return Reply(body=[issue_type_json(t) for t in call.store.issue_types])


def repo_issue_types(call: Call) -> Reply:
    call.repo()
    return Reply(body=[issue_type_json(t) for t in call.store.issue_types])


def list_events(call: Call) -> Reply:
    repo = call.repo()
    issue = _issue(call, repo)
    return page_reply(call, issue.events, lambda e: _event(call, repo, issue, e))


def _event(call: Call, repo: Repo, issue: Issue, event: Event) -> dict[str, Any]:
    types = {t.name: t for t in call.store.issue_types}
    app = call.store.app(event.app) if event.app else None
    return event_json(call.base, repo, issue, event, types, app)


def list_repo_events(call: Call) -> Reply:
    """``GET /repos/{o}/{r}/issues/events``: every issue event of the repository, newest first."""
    repo = call.repo()
    render = _render(call, repo)

    def one(pair: tuple[Event, Issue]) -> dict[str, Any]:
        event, issue = pair
        return {**_event(call, repo, issue, event), "issue": render(issue)}

    return page_reply(call, call.store.repo_events(repo), one)


def get_repo_event(call: Call) -> Reply:
    repo = call.repo()
    wanted = int(call.path["event_id"]) if str(call.path["event_id"]).isdigit() else -1
    for event, issue in call.store.repo_events(repo):
        if event.id == wanted:
            return Reply(body={**_event(call, repo, issue, event), "issue": _render(call, repo)(issue)})
    raise ApiError(404, "Not Found")


ROUTES: list[Route] = [
    Route("GET", "/rate_limit", get_rate_limit, {"charged": False}),
    Route("GET", "/user", get_user),
    Route("GET", "/repos/{owner}/{repo}", get_repo),
    Route("PATCH", "/repos/{owner}/{repo}", update_repo),
    Route("GET", "/orgs/{owner}", get_owner),
    Route("GET", "/users/{owner}", get_owner),
    Route("GET", "/orgs/{owner}/repos", list_owner_repos),
    Route("GET", "/users/{owner}/repos", list_owner_repos),
    Route("GET", "/repos/{owner}/{repo}/issues", list_issues),
    Route("GET", "/repos/{owner}/{repo}/issues/events", list_repo_events),
    Route("GET", "/repos/{owner}/{repo}/issues/events/{event_id}", get_repo_event),
    Route("POST", "/repos/{owner}/{repo}/issues", create_issue),
    Route("GET", "/repos/{owner}/{repo}/issues/{number}", get_issue),
    Route("PATCH", "/repos/{owner}/{repo}/issues/{number}", patch_issue),
    Route("GET", "/repos/{owner}/{repo}/issues/{number}/sub_issues", list_sub_issues),
    Route("POST", "/repos/{owner}/{repo}/issues/{number}/sub_issues", add_sub_issue),
    Route("DELETE", "/repos/{owner}/{repo}/issues/{number}/sub_issue", remove_sub_issue),
    Route("GET", "/repos/{owner}/{repo}/issues/{number}/parent", get_parent),
    Route("GET", "/orgs/{org}/issue-types", org_issue_types),
    Route("GET", "/repos/{owner}/{repo}/issue-types", repo_issue_types),
    Route("GET", "/repos/{owner}/{repo}/issues/{number}/events", list_events),
    Route("GET", "/repos/{owner}/{repo}/issues/{number}/timeline", list_events),
]
