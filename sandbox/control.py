"""The sandbox control API under ``/_sandbox``: stats, faults, GitHub budget, health.

Mounted in front of both tracker servers with the same :class:`Control`, so either base URL
works; answers only loopback clients (403 otherwise). Never faulted, never counted.

* ``GET /stats`` -> ``{"jira": {"reads", "writes", "issues"}, "github": {...}}``
* ``POST /stats/reset``
* ``GET /faults``, ``POST /faults`` with a partial JSON body (``{"rate": 0.1, "seed": 7}``)
* ``POST /github/budget`` with ``{"limit": n, "remaining": n}``
* ``POST /jira/move`` with ``{"key": "OPS-3", "project": "SHOP", "author": "Dana Reyes"}``: a
  person moves a Jira issue to another project (Jira's bulk move needs a UI-like flow, so the
  sandbox offers this instead) -> ``{"key": new key}``; 404 for an unknown issue or project
* ``GET /github/limits``, ``POST /github/limits`` with a partial JSON body
  (``{"content_per_minute": 80, "graphql_points_per_minute": 2000, "minute_s": 60}``): GitHub's
  secondary limits in force (:mod:`roadsync.sandbox.github.secondary`; ``null`` turns one off)
* ``GET /health``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from roadsync.sandbox.common import Stats
from roadsync.sandbox.faults import CONTROL_PREFIX, FaultState
from roadsync.sandbox.http import ASGIApp, Receive, Scope, Send

__all__ = ["Control", "create_control_app", "with_control"]

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass
class Control:
    """What the control API reads and changes.

    ``issues(tracker)`` counts a tracker's issues (pull requests excluded);
    ``set_budget(limit, remaining)`` sets the GitHub budget and returns the new one;
    ``set_limits(**changes)`` / ``limits()`` change and read GitHub's secondary limits.
    """

    stats: Stats
    faults: FaultState
    issues: Callable[[str], int]
    set_budget: Callable[[int | None, int | None], dict[str, int]] | None = None
    move: Callable[[str, str, str | None], str] | None = None
    set_limits: Callable[..., dict[str, Any]] | None = None
    limits: Callable[[], dict[str, Any]] | None = None


def create_control_app(control: Control) -> Starlette:
    """The control API as a starlette app (paths relative to ``/_sandbox``)."""

    async def stats(request: Request) -> Response:
        return JSONResponse(control.stats.snapshot(control.issues))

    async def reset(request: Request) -> Response:
        control.stats.reset()
        return JSONResponse(control.stats.snapshot(control.issues))

    async def get_faults(request: Request) -> Response:
        return JSONResponse(control.faults.settings.to_dict())

    async def set_faults(request: Request) -> Response:
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        try:
            settings = control.faults.update(**body)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(settings.to_dict())

    async def budget(request: Request) -> Response:
        if control.set_budget is None:
            return JSONResponse({"error": "no GitHub tracker in this sandbox"}, status_code=404)
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        limit, remaining = body.get("limit"), body.get("remaining")
        for value in (limit, remaining):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                return JSONResponse({"error": "limit and remaining must be non-negative integers"}, 400)
        return JSONResponse(control.set_budget(limit, remaining))

    async def move(request: Request) -> Response:
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        key, project, author = body.get("key"), body.get("project"), body.get("author")
        if control.move is None or not isinstance(key, str) or not isinstance(project, str):
            return JSONResponse({"error": "give key and project (strings)"}, status_code=400)
        try:
            return JSONResponse(
                {"key": control.move(key, project, author if isinstance(author, str) else None)}
            )
        except KeyError as exc:
            return JSONResponse({"error": f"no such issue or project: {exc.args[0]}"}, status_code=404)

    async def get_limits(request: Request) -> Response:
        if control.limits is None:
            return JSONResponse({"error": "no GitHub tracker in this sandbox"}, status_code=404)
        return JSONResponse(control.limits())

    async def set_limits(request: Request) -> Response:
        if control.set_limits is None:
            return JSONResponse({"error": "no GitHub tracker in this sandbox"}, status_code=404)
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        try:
            return JSONResponse(control.set_limits(**body))
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def index(request: Request) -> Response:
        # The URL `roadsync sandbox` prints: opening it says what it offers instead of a bare 404.
        return JSONResponse({"endpoints": [
            f"{method} {request.scope.get('root_path', '')}{route.path}"
            for route in routes for method in sorted((route.methods or set()) - {"HEAD"})
        ]})  # fmt: skip

    routes = [
        Route("/stats", stats, methods=["GET"]),
        Route("/stats/reset", reset, methods=["POST"]),
        Route("/faults", get_faults, methods=["GET"]),
        Route("/faults", set_faults, methods=["POST"]),
        Route("/github/budget", budget, methods=["POST"]),
        Route("/jira/move", move, methods=["POST"]),
        Route("/github/limits", get_limits, methods=["GET"]),
        Route("/github/limits", set_limits, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ]
    return Starlette(routes=[*routes, Route("/", index, methods=["GET"])])


async def _json_object(request: Request) -> dict[str, Any] | Response:
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
    if not isinstance(body, dict):
        return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
    return body


def with_control(tracker_app: ASGIApp, control_app: ASGIApp) -> ASGIApp:
    """An ASGI app sending ``/_sandbox/...`` to the control API (loopback clients only) and
    everything else to ``tracker_app``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")):
            await tracker_app(scope, receive, send)
            return
        client = scope.get("client")
        if not client or client[0] not in LOOPBACK:
            await JSONResponse({"error": "the control API answers loopback clients only"}, 403)(
                scope, receive, send
            )
            return
        inner = dict(scope)
        inner["root_path"] = scope.get("root_path", "") + CONTROL_PREFIX
        await control_app(inner, receive, send)

    return app
