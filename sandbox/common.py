"""What both emulators share: request counters and a loopback uvicorn runner."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

__all__ = ["RunningServer", "Stats", "serve_app"]


@dataclass
class TrackerStats:
    reads: int = 0
    writes: int = 0
    notifications: int = 0


@dataclass
class Stats:
    """Request counters per tracker. ``writes`` count requests that changed tracker state
    (GraphQL mutations included); every other authenticated API request is a read.
    ``issues`` is filled in by the server from the stores when stats are asked for. Jira also
    counts ``notifications``: the mails its edits would have sent (one per recipient per edit).
    ``endpoints`` counts the same requests by what they asked for (:meth:`by_endpoint`), so a
    benchmark can say what one kind of request costs (e.g. reading ownership history)."""

    jira: TrackerStats = field(default_factory=TrackerStats)
    github: TrackerStats = field(default_factory=TrackerStats)
    endpoints: Counter[tuple[str, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, tracker: str, *, write: bool, endpoint: str = "") -> None:
        """One request to ``tracker``; ``endpoint`` names what it asked for (the emulator's
        handler, e.g. ``bulk_changelog``; GraphQL ``graphql:<operation name>``)."""
        with self.lock:
            counters: TrackerStats = getattr(self, tracker)
            if write:
                counters.writes += 1
            else:
                counters.reads += 1
            self.endpoints[(tracker, endpoint or "other")] += 1

    def notify(self, tracker: str, mails: int) -> None:
        with self.lock:
            counters: TrackerStats = getattr(self, tracker)
            counters.notifications += mails

    def reset(self) -> None:
        with self.lock:
            self.jira = TrackerStats()
            self.github = TrackerStats()
            self.endpoints = Counter()

    def by_endpoint(self) -> dict[str, dict[str, int]]:
        """Requests per tracker and endpoint since the last reset: ``{"jira": {"search": 3, ...}}``."""
        with self.lock:
            out: dict[str, dict[str, int]] = {"jira": {}, "github": {}}
            for (tracker, endpoint), n in sorted(self.endpoints.items()):
                out.setdefault(tracker, {})[endpoint] = n
            return out

    def snapshot(self, issues: Callable[[str], int] | None = None) -> dict[str, dict[str, int]]:
        with self.lock:
            out = {
                name: {
                    "reads": getattr(self, name).reads,
                    "writes": getattr(self, name).writes,
                    "issues": issues(name) if issues else 0,
                }
                for name in ("jira", "github")
            }
            out["jira"]["notifications"] = self.jira.notifications
            return out


class RunningServer:
    """A uvicorn server on a loopback port, in a daemon thread; ``stop()`` is idempotent."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this; without it every keep-alive answer waits ~40 ms for a
        # delayed ACK (Nagle), which made each sandbox request take ~44 ms instead of ~1 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        self.host = host
        self.port: int = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign,attr-defined]
        self._thread = threading.Thread(target=self._run, name=f"sandbox:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def serve_app(app: Any, port: int = 0) -> RunningServer:
    """Serve an ASGI app on ``127.0.0.1:port`` (0 = ephemeral) until ``stop()``."""
    return RunningServer(app, port=port)
