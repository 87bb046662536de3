"""Fault injection in front of each emulator: an ASGI middleware that draws the next fault from the
shared :class:`~roadsync.sandbox.faults.FaultState` and answers it the tracker's way (its fault
answers: :func:`roadsync.sandbox.jira.errors.fault_answer`,
:func:`roadsync.sandbox.github.faults.fault_answer`).

A dropped connection sends headers and part of a body, then closes the socket; a fault "after
apply" lets the tracker handle the request, discards its answer and sends the fault's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.requests import ClientDisconnect

from roadsync.sandbox.faults import (
    CONTROL_PREFIX,
    Decision,
    FaultSettings,
    FaultState,
    Tracker,
    is_write_request,
)
from roadsync.sandbox.github.faults import fault_answer as github_fault_answer
from roadsync.sandbox.http import FAIL_ALIAS, ASGIApp, Message, Receive, Scope, Send
from roadsync.sandbox.jira.errors import fault_answer as jira_fault_answer

__all__ = ["FaultAnswer", "FaultsMiddleware"]

FaultAnswer = Callable[[Decision, FaultSettings], tuple[int, dict[str, str], dict[str, Any]]]
_DROP_LOG = "ASGI callable returned without completing response."


class _DropLogFilter(logging.Filter):
    """Keeps uvicorn from logging an error for each connection we drop on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROP_LOG


logging.getLogger("uvicorn.error").addFilter(_DropLogFilter())


class FaultsMiddleware:
    """Wraps one tracker's ASGI app and injects the faults of the shared :class:`FaultState`.

    ``ratelimit_headers`` gives the tracker's current rate-limit headers (GitHub's budget) for
    injected limit answers; ``flavor`` picks Jira Cloud or Data Center rate-limit headers.
    """

    def __init__(
        self,
        app: ASGIApp,
        state: FaultState,
        tracker: Tracker,
        *,
        flavor: str = "cloud",
        ratelimit_headers: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.app = app
        self.state = state
        self.tracker: Tracker = tracker
        self.answer: FaultAnswer = (
            partial(jira_fault_answer, flavor=flavor)
            if tracker == "jira"
            else partial(github_fault_answer, ratelimit=ratelimit_headers)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._serve(scope, receive, send)
        except ClientDisconnect:
            # The client went away before sending its whole body (a killed roadsync run): there is
            # no one to answer, and the tracker stored nothing. Real servers log nothing for it;
            # without this, uvicorn printed "Exception in ASGI application" and a traceback.
            return

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        settings = self.state.settings
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        method = scope.get("method", "GET")
        body, receive = await _buffer_body(receive) if method == "POST" else (b"", receive)
        path = scope.get("path", "")
        write = is_write_request(self.tracker, method, path, body)
        graphql = method == "POST" and path.rstrip("/").endswith("/graphql")
        decision, pick = self.state.decide_with_pick(self.tracker, write=write, graphql=graphql, path=path)
        if decision == "pass":
            await self.app(scope, receive, send)
        elif decision == "batch_not_found":
            await self.app({**scope, FAIL_ALIAS: pick}, receive, send)
        elif decision == "drop":
            await _drop(send)
        elif decision in ("fail_after", "graphql_untyped_after"):
            await self.app(scope, receive, _discard)
            await self._answer(send, "502" if decision == "fail_after" else "graphql_untyped", settings)
        else:
            await self._answer(send, decision, settings)

    async def _answer(self, send: Send, decision: Decision, settings: FaultSettings) -> None:
        kind: Decision = "502" if decision == "fail_before" else decision
        status, headers, body = self.answer(kind, settings)
        raw = json.dumps(body).encode()
        headers = {**headers, "content-type": "application/json", "content-length": str(len(raw))}
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": raw})


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    """Reads the whole request body and returns it with a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _drop(send: Send) -> None:
    # Promise a body we never finish: uvicorn closes the socket when the app returns.
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"partial": ', "more_body": True})


async def _discard(message: Message) -> None:
    return None
