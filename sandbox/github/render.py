"""REST JSON shapes of the GitHub emulator, as the official OpenAPI description defines them.

Every function takes ``base`` (``scheme://host:port`` the client used) so absolute URLs point back
at the emulator exactly as the client reached it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from roadsync.sandbox.github.model import App, Event, Issue, IssueType, Label, Repo, node_id

__all__ = ["app_json", "event_json", "issue_json", "issue_type_json", "label_json", "repo_json", "user_json"]

DOCS = "https://docs.github.com/rest"
USER_IDS = {"octocat": 583231}


def user_id(login: str) -> int:
    # the token's own account is user ID 1 (GitHub's rate-limit message names it)
    return USER_IDS.get(login, 1 if login.endswith("-bot") else 10_000 + sum(map(ord, login)))


def user_json(base: str, login: str, *, kind: str = "User") -> dict[str, Any]:
    """A ``simple-user``; an App's ``<slug>[bot]`` account is ``type: Bot``."""
    if login.endswith("[bot]"):
        kind = "Bot"
    url = f"{base}/users/{quote(login, safe='')}"
    uid = user_id(login)
    return {
        "login": login, "id": uid, "node_id": node_id("U", uid),
        "avatar_url": f"{base}/avatars/{login}", "gravatar_id": "", "url": url,
        "html_url": f"{base}/{login}", "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "type": kind, "user_view_type": "public",
        "site_admin": False,
    }


def private_user_json(base: str, login: str, name: str) -> dict[str, Any]:
    return {
        **user_json(base, login), "name": name, "company": None, "blog": "", "location": None,
        "email": None, "hireable": None, "bio": None, "twitter_username": None, "public_repos": 0,
        "public_gists": 0, "followers": 0, "following": 0, "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z", "private_gists": 0, "total_private_repos": 0,
        "owned_private_repos": 0, "disk_usage": 0, "collaborators": 0, "two_factor_authentication": True,
        "user_view_type": "private",  # the account's own view (the OpenAPI discriminator)
    }


def label_json(base: str, repo: Repo, label: Label) -> dict[str, Any]:
    return {
        "id": label.id, "node_id": label.node_id,
        "url": f"{base}/repos/{repo.full_name}/labels/{quote(label.name, safe='')}",
        "name": label.name, "description": label.description, "color": label.color, "default": label.default,
    }


def issue_type_json(itype: IssueType) -> dict[str, Any]:
    return {
        "id": itype.id, "node_id": itype.node_id, "name": itype.name, "description": itype.description,
        "color": itype.color, "created_at": itype.created_at, "updated_at": itype.created_at,
        "is_enabled": True,
    }


def repo_json(base: str, repo: Repo, permissions: dict[str, bool] | None = None) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    body: dict[str, Any] = {
        "id": repo.id, "node_id": repo.node_id, "name": repo.name, "full_name": repo.full_name,
        "owner": user_json(base, repo.owner, kind="Organization"), "private": repo.private,
        "html_url": f"{base}/{repo.full_name}", "description": None, "fork": False, "url": api,
        "homepage": None, "language": None, "forks_count": 0, "forks": 0, "stargazers_count": 0,
        "watchers_count": 0, "watchers": 0, "size": 0, "default_branch": "main",
        "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open"),
        "is_template": False, "topics": [], "has_issues": True, "has_projects": True, "has_wiki": False,
        "has_pages": False, "has_downloads": False, "has_discussions": False, "archived": False,
        "disabled": False, "visibility": "private" if repo.private else "public",
        "pushed_at": repo.created_at, "created_at": repo.created_at, "updated_at": repo.created_at,
        "license": None, "mirror_url": None, "network_count": 0, "subscribers_count": 0,
        "git_url": f"git:{base.split(':', 1)[1]}/{repo.full_name}.git",
        "ssh_url": f"git@localhost:{repo.full_name}.git", "clone_url": f"{base}/{repo.full_name}.git",
        "svn_url": f"{base}/{repo.full_name}",
    }
    body["open_issues"] = body["open_issues_count"]
    for name in ("archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits",
                 "compare", "contents", "contributors", "deployments", "downloads", "events", "forks",
                 "git_commits", "git_refs", "git_tags", "hooks", "issue_comment", "issue_events", "issues",
                 "keys", "labels", "languages", "merges", "milestones", "notifications", "pulls",
                 "releases", "stargazers", "statuses", "subscribers", "subscription", "tags", "teams",
                 "trees"):
        body[f"{name}_url"] = f"{api}/{name.replace('_', '/') if name.startswith('git_') else name}"
    if permissions is not None:
        body["permissions"] = permissions
    return body


def app_json(base: str, owner: str, app: App) -> dict[str, Any]:
    """The ``integration`` object (``GET /app``, ``performed_via_github_app``)."""
    return {
        "id": app.id, "slug": app.slug, "node_id": node_id("A", app.id), "client_id": app.client_id,
        "owner": user_json(base, owner, kind="Organization"), "name": app.name,
        "description": "roadsync in the sandbox", "external_url": f"{base}/apps/{app.slug}",
        "html_url": f"{base}/apps/{app.slug}", "created_at": app.created_at, "updated_at": app.created_at,
        "permissions": dict(app.permissions), "events": ["issues"], "installations_count": 1,
    }


def issue_json(base: str, repo: Repo, issue: Issue, types: dict[str, IssueType], *,
               null_parent: bool = False) -> dict[str, Any]:
    """The issue object of ``GET /repos/{o}/{r}/issues/{n}`` (``pull_request`` key for pull requests).

    ``parent_issue_url`` is left out for an issue without a parent, as github.com serves it
    [community: kamp-us/phoenix#4171, a live check: "neither key" on an issue without a parent; the
    OpenAPI description lists the key as optional and nullable]; ``null_parent`` sends ``null``
    instead (servers that do).
    """
    api = f"{base}/repos/{repo.full_name}"
    url = f"{api}/issues/{issue.number}"
    subs = [repo.issues[n] for n in issue.sub_issues if n in repo.issues]
    done = sum(1 for s in subs if s.state == "closed")
    body: dict[str, Any] = {
        "id": issue.id, "node_id": issue.node_id, "url": url, "repository_url": api,
        "labels_url": f"{url}/labels{{/name}}", "comments_url": f"{url}/comments",
        "events_url": f"{url}/events", "html_url": f"{base}/{repo.full_name}/issues/{issue.number}",
        "number": issue.number, "state": issue.state, "state_reason": issue.state_reason,
        "title": issue.title, "body": issue.body, "user": user_json(base, issue.user),
        "labels": [label_json(base, repo, repo.labels[n]) for n in issue.labels if n in repo.labels],
        "assignee": user_json(base, issue.assignees[0]) if issue.assignees else None,
        "assignees": [user_json(base, a) for a in issue.assignees], "milestone": None,
        "locked": False, "active_lock_reason": None, "comments": 0, "closed_at": issue.closed_at,
        "created_at": issue.created_at, "updated_at": issue.updated_at, "closed_by": None,
        "author_association": "MEMBER", "timeline_url": f"{url}/timeline",
        "type": issue_type_json(types[issue.type]) if issue.type in types else None,
        "sub_issues_summary": {"total": len(subs), "completed": done,
                               "percent_completed": done * 100 // len(subs) if subs else 0},
        "parent_issue_url": f"{api}/issues/{issue.parent}" if issue.parent is not None else None,
        "reactions": {"url": f"{url}/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
                      "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0},
    }
    if issue.parent is None and not null_parent:
        del body["parent_issue_url"]
    if issue.state_reason is None:
        # GitHub sends null here, but the official description's enum does not allow null; leaving
        # the key out satisfies the description and reads the same in every client
        del body["state_reason"]
    if issue.pull_request:
        # A pull request listed as an issue links to its /pull/ page [docs: the "List repository
        # issues" example, https://docs.github.com/en/rest/issues/issues#list-repository-issues]
        html = body["html_url"] = f"{base}/{repo.full_name}/pull/{issue.number}"
        body["pull_request"] = {"url": f"{api}/pulls/{issue.number}", "html_url": html,
                                "diff_url": f"{html}.diff", "patch_url": f"{html}.patch", "merged_at": None}
        body["draft"] = False
    return body


def event_json(base: str, repo: Repo, issue: Issue, event: Event,
               types: dict[str, IssueType] | None = None, app: App | None = None) -> dict[str, Any]:
    """An issue event with its ``actor`` (and ``performed_via_github_app`` when an App's token did it).

    ``labeled``/``unlabeled`` carry ``label{name,color}``, ``renamed`` ``rename{from,to}``,
    ``issue_type_*`` ``issue_type`` (and ``prev_issue_type``) [spec: GitHub's OpenAPI event schemas].
    """
    body: dict[str, Any] = {
        "id": event.id, "node_id": node_id("LE" if event.label else "E", event.id),
        "url": f"{base}/repos/{repo.full_name}/issues/events/{event.id}",
        "actor": user_json(base, event.actor), "event": event.event, "commit_id": None,
        "commit_url": None, "created_at": event.created_at,
        "performed_via_github_app": app_json(base, repo.owner, app) if app is not None else None,
    }
    if event.label is not None:
        body["label"] = {"name": event.label[0], "color": event.label[1]}
    if "rename" in event.extra:
        body["rename"] = dict(event.extra["rename"])
    for key in ("issue_type", "prev_issue_type"):
        if key in event.extra:
            known = (types or {}).get(event.extra[key])
            body[key] = ({"id": known.id, "name": known.name, "color": known.color} if known
                         else {"id": 0, "name": event.extra[key], "color": None})
    return body
