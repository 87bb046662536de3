"""GitHub's rate limits as the emulator plays them: a primary budget per resource, secondary limits on demand.

The primary budget (``core`` for REST, ``graphql`` for GraphQL) resets at a fixed epoch an hour after
start. ``secondary_next(n)`` makes the next ``n`` API requests answer a secondary-limit refusal.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

__all__ = ["Budget", "RateLimiter", "SecondaryLimit"]

RESOURCES = ("core", "graphql", "search")


@dataclass
class Budget:
    limit: int
    remaining: int
    reset: int

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    def headers(self, resource: str) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": resource,
        }

    def as_json(self) -> dict[str, int]:
        return {"limit": self.limit, "remaining": self.remaining, "reset": self.reset, "used": self.used}


@dataclass(frozen=True)
class SecondaryLimit:
    """How the next refused request answers: ``status`` 403 or 429, ``retry_after`` seconds or None."""

    status: int
    retry_after: int | None


class RateLimiter:
    """Primary budgets per resource plus queued secondary-limit refusals; thread-safe."""

    def __init__(self, budget: int = 5000, *, now: float | None = None) -> None:
        self._lock = threading.Lock()
        self.reset_epoch = int(now if now is not None else time.time()) + 3600
        self.budgets = {name: Budget(budget, budget, self.reset_epoch) for name in RESOURCES}
        self._secondary: list[SecondaryLimit] = []

    def set_budget(self, limit: int, remaining: int | None = None, *, resource: str | None = None) -> None:
        """Set the limit (and what is left, default all of it) of one resource, or of all."""
        with self._lock:
            for name in [resource] if resource else list(self.budgets):
                left = limit if remaining is None else remaining
                self.budgets[name] = Budget(limit, left, self.reset_epoch)

    def exhaust(self, resource: str | None = None) -> None:
        """Spend the whole primary budget of one resource (default: all)."""
        with self._lock:
            for name in [resource] if resource else list(self.budgets):
                self.budgets[name].remaining = 0

    def secondary_next(self, n: int = 1, *, status: int = 403, retry_after: int | None = 60) -> None:
        """Refuse the next ``n`` requests with a secondary limit (403 or 429, ``retry-after`` or not)."""
        with self._lock:
            self._secondary.extend([SecondaryLimit(status, retry_after)] * n)

    def take_secondary(self) -> SecondaryLimit | None:
        with self._lock:
            return self._secondary.pop(0) if self._secondary else None

    def charge(self, resource: str, cost: int = 1) -> bool:
        """Spend ``cost`` points; False (nothing spent) when the budget cannot pay it."""
        with self._lock:
            budget = self.budgets[resource]
            if budget.remaining < cost or budget.remaining <= 0:
                return False
            budget.remaining -= cost
            return True

    def peek(self, resource: str) -> Budget:
        with self._lock:
            b = self.budgets[resource]
            return Budget(b.limit, b.remaining, b.reset)
