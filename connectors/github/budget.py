"""GitHub's primary rate-limit budget per resource (``core``, ``graphql``), as the last response's
``x-ratelimit-*`` headers said, and the stop before a request when it is under the reserve."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from roadsync.errors import BudgetExhausted

__all__ = ["Budget"]


class Budget:
    """The primary rate-limit budget per resource, as the last response headers said."""

    def __init__(self, reserve: int) -> None:
        self.reserve = reserve
        self.remaining: dict[str, int] = {}
        self.reset_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def update(self, headers: Mapping[str, str], default_resource: str) -> None:
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is None:
            return
        resource = headers.get("x-ratelimit-resource", default_resource)
        with self._lock:
            try:
                self.remaining[resource] = int(float(remaining))
                self.reset_at[resource] = float(headers.get("x-ratelimit-reset", "0"))
            except ValueError:
                return

    def check(self, resource: str, *, item: str | None = None) -> None:
        """Raise :class:`BudgetExhausted` when ``resource`` is under the reserve and not yet reset."""
        with self._lock:
            remaining = self.remaining.get(resource)
            reset_at = self.reset_at.get(resource, 0.0)
        if remaining is None or remaining >= self.reserve or reset_at <= time.time():
            return
        when = time.strftime("%H:%M UTC", time.gmtime(reset_at))
        raise BudgetExhausted(
            f"GitHub {resource} budget down to {remaining} (reserve {self.reserve})",
            source="github",
            item=item,
            hint=f"stopped cleanly; rerun after the reset at {when} to resume",
        )
