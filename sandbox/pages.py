"""The issue pages people open from a report: Jira's ``/browse/KEY`` and GitHub's
``/{owner}/{repo}/issues/{number}``, as small read-only HTML pages.

Real trackers serve an issue's web page at these addresses (Jira: the issue view at
``https://<site>/browse/PAY-123``, the URL form Jira's own links and ``self``-less references
use; GitHub: an issue's ``html_url``, https://docs.github.com/en/rest/issues/issues#get-an-issue).
roadsync's reports link items there, so while ``roadsync demo --serve`` or ``roadsync sandbox``
runs, those links answer with the fields roadsync manages (priority, labels, custom fields, board
values) instead of a 404. Not the API: no authentication (loopback only), no request counted in
the stats, nothing written. Every value is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from roadsync.sandbox.github.store import GithubStore
    from roadsync.sandbox.jira.store import JiraStore

__all__ = ["github_issue_page", "jira_issue_page"]

_STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:50rem;color:#111827}"
    "th{text-align:left;padding-right:1.5rem;color:#4b5563;font-weight:500}"
    "p.note{color:#6b7280;font-size:13px}"
)
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _page(title: str, heading: str, rows: Iterable[tuple[str, object]], note: str) -> Response:
    cells = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(_shown(value))}</td></tr>" for name, value in rows
    )
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(heading)}</h1><table>{cells}</table>"
        f'<p class="note">{html.escape(note)}</p></body></html>'
    )
    return HTMLResponse(body, headers={"Content-Security-Policy": _CSP})


def _shown(value: object) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _missing(what: str) -> Response:
    return HTMLResponse(f"<!doctype html><title>Not found</title><p>{html.escape(what)} does not exist.</p>",
                        status_code=404, headers={"Content-Security-Policy": _CSP})  # fmt: skip


def jira_issue_page(store: JiraStore) -> Route:
    """``GET /browse/{key}``: the issue's summary, status, priority, labels and custom fields."""

    async def page(request: Request) -> Response:
        key = request.path_params["key"]
        with store.lock:
            issue = store.find(key)
            if issue is None:
                return _missing(f"Issue {key}")
            names = {f.id: f.name for f in store.catalog.custom_fields}
            rows: list[tuple[str, object]] = [
                ("Type", issue.type), ("Status", issue.status), ("Priority", issue.priority),
                ("Labels", sorted(issue.labels)), ("Components", issue.components), ("Parent", issue.parent),
                *((names.get(fid, fid), value) for fid, value in sorted(issue.custom.items())),
            ]  # fmt: skip
            heading = f"{issue.key}: {issue.summary}"
        return _page(heading, heading, rows, "Sandbox Jira (roadsync): a read-only view of the issue.")

    return Route("/browse/{key}", page, methods=["GET"])


def github_issue_page(store: GithubStore) -> Route:
    """``GET /{owner}/{repo}/issues/{number}``: the issue's title, state, labels and board values."""

    async def page(request: Request) -> Response:
        params = request.path_params
        key = f"{params['owner']}/{params['repo']}#{params['number']}"
        with store.lock:
            issue = store.get(key)
            if issue is None:
                return _missing(f"Issue {key}")
            rows: list[tuple[str, object]] = [
                ("State", issue.state), ("Labels", sorted(issue.labels)), ("Type", issue.type),
            ]  # fmt: skip
            for project in store.projects:
                item = project.by_issue.get(issue.node_id)
                for field in project.fields if item is not None else ():
                    value = item.values.get(field.id) if item is not None else None
                    if value is not None:
                        shown = field.option_name(value) if field.data_type == "SINGLE_SELECT" else value
                        rows.append((f"{project.title}: {field.name}", shown))
            heading = f"{issue.title} #{issue.number}"
        return _page(f"{heading} · {params['owner']}/{params['repo']}", heading, rows,
                     f"Sandbox GitHub (roadsync): a read-only view of {key}.")  # fmt: skip

    return Route("/{owner}/{repo}/issues/{number:int}", page, methods=["GET"])
