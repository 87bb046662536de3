"""An optional record of every API request a sandbox tracker receives, for conformance tests.

:class:`RequestRecorder` wraps a tracker's ASGI app (``wrap(app, "jira")``) and appends one
:class:`RecordedRequest` per HTTP request, in arrival order, to that tracker's list: method, path
(decoded and as sent), query string, content type and body. Nothing else from the headers is kept,
so credentials (``Authorization``, cookies) never reach the record.

The server wraps its trackers only when asked (``start_sandbox(..., record_requests=True)``); a
sandbox started without it has no recorder in the request path at all, so recording costs nothing
when off. The control API (``/_sandbox``) is routed before the recorder and is never recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, replace
from typing import Any, Literal

__all__ = ["RecordedRequest", "RequestRecorder", "Tracker"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Tracker = Literal["jira", "github"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the tracker received it; ``path`` is percent-decoded, ``raw_path`` as sent."""

    tracker: Tracker
    method: str
    path: str
    raw_path: str
    query: str
    content_type: str | None
    body: bytes
    order: int = 0  # arrival order over both trackers (1, 2, ...): which tracker was asked first

    @property
    def target(self) -> str:
        """``raw_path`` plus ``?query`` when there is one (the request line's target)."""
        return f"{self.raw_path}?{self.query}" if self.query else self.raw_path


class RequestRecorder:
    """Per-tracker lists of recorded requests; thread-safe (servers run in their own threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[Tracker, list[RecordedRequest]] = {"jira": [], "github": []}
        self._arrived = 0
        self._listeners: list[Callable[[RecordedRequest], None]] = []

    def listen(self, callback: Callable[[RecordedRequest], None]) -> None:
        """Call ``callback`` with each request as it arrives, before the tracker handles it (on
        the server's thread): what the client had done by the time it sent the request."""
        with self._lock:
            self._listeners.append(callback)

    def recorded(self, tracker: Tracker) -> list[RecordedRequest]:
        """A copy of ``tracker``'s requests so far, oldest first."""
        with self._lock:
            return list(self._requests[tracker])

    def clear(self) -> None:
        with self._lock:
            for requests in self._requests.values():
                requests.clear()

    def wrap(self, app: ASGIApp, tracker: Tracker) -> ASGIApp:
        """``app`` behind a middleware that records each HTTP request before passing it on."""

        async def recording(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            body = await _read_body(receive)
            self._append(_record(tracker, scope, body))
            await app(scope, _replay(body, receive), send)

        return recording

    def _append(self, request: RecordedRequest) -> None:
        with self._lock:
            self._arrived += 1
            recorded = replace(request, order=self._arrived)
            self._requests[request.tracker].append(recorded)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(recorded)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away before sending it all
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body over once, then defers to the real one
    (so the app still learns of a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _record(tracker: Tracker, scope: Scope, body: bytes) -> RecordedRequest:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    # Only the content type is kept: anything else (Authorization above all) stays out of the record.
    content_type = next((v.decode("latin-1") for k, v in headers if k.lower() == b"content-type"), None)
    path = str(scope.get("path", ""))
    raw = scope.get("raw_path")
    return RecordedRequest(
        tracker=tracker,
        method=str(scope.get("method", "GET")).upper(),
        path=path,
        raw_path=raw.decode("latin-1") if isinstance(raw, bytes) else path,
        query=bytes(scope.get("query_string", b"")).decode("latin-1"),
        content_type=content_type,
        body=body,
    )
