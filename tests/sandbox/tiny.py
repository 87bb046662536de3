"""A tiny tracker stand-in for fault and control tests: counts requests and applied writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.control import Control, create_control_app, with_control
from roadsync.sandbox.faults import FaultSettings, FaultState, Tracker
from roadsync.sandbox.injection import FaultsMiddleware


@dataclass
class Tiny:
    """What the stand-in saw: requests handled and writes applied (method, path)."""

    applied: list[tuple[str, str]] = field(default_factory=list)
    handled: int = 0


def tiny_app(tracker: Tracker, seen: Tiny, stats: Stats) -> Starlette:
    from roadsync.sandbox.faults import is_write_request

    async def any_path(request: Request) -> Response:
        body = await request.body()
        seen.handled += 1
        write = is_write_request(tracker, request.method, request.url.path, body)
        stats.count(tracker, write=write)
        if write:
            seen.applied.append((request.method, request.url.path))
        return JSONResponse({"ok": True, "path": request.url.path})

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", any_path, methods=methods)])


@dataclass
class TinySandbox:
    url: str
    seen: Tiny
    faults: FaultState
    stats: Stats


@contextmanager
def serve_tiny(tracker: Tracker = "jira", **settings: object) -> Iterator[TinySandbox]:
    """One stand-in tracker behind the fault middleware and the control API, on loopback."""
    seen, stats = Tiny(), Stats()
    faults = FaultState(FaultSettings().updated(settings))
    control = Control(stats, faults, lambda name: 7 if name == tracker else 0)
    app = with_control(
        FaultsMiddleware(tiny_app(tracker, seen, stats), faults, tracker), create_control_app(control)
    )
    server: RunningServer = serve_app(app)
    try:
        yield TinySandbox(server.url, seen, faults, stats)
    finally:
        server.stop()
