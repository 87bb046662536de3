"""A field change and the outcome of writing it: what plan, writers and apply share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["FieldChange", "OutcomeStatus", "WriteOutcome"]

OutcomeStatus = Literal["applied", "skipped", "failed"]


@dataclass(frozen=True, order=True)
class FieldChange:
    """One write: ``old``/``new`` are tracker-native values (``"High"``, ``"priority/P1"``).

    ``None`` as ``new`` means clear the field. ``reason`` says why for people; ``rule`` is the
    mapping rule id that decided the value.
    """

    item: str
    field: str
    old: str | None
    new: str | None
    reason: str = ""
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "reason": self.reason,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class WriteOutcome:
    """What happened to one change: ``applied``, ``skipped`` (nothing to do, item gone,
    changed by a person meanwhile) or ``failed`` (``error`` says why, one line, no secrets)."""

    change: FieldChange
    status: OutcomeStatus
    error: str | None = None
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**self.change.to_dict(), "status": self.status, "error": self.error}
