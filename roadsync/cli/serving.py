"""Serve until told to stop: what ``roadsync sandbox`` and ``roadsync demo --serve`` share."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["stop_on_signal"]


@contextmanager
def stop_on_signal() -> Iterator[threading.Event]:
    """An event that SIGTERM or SIGINT (Ctrl-C) sets while inside, so a server stops cleanly
    instead of dying mid-request; the previous handlers come back on the way out."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    for which in (signal.SIGTERM, signal.SIGINT):
        previous[which] = signal.getsignal(which)
        signal.signal(which, on_signal)
    try:
        yield stop
    finally:
        for which, handler in previous.items():
            signal.signal(which, handler)
