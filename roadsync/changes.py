"""A field change and the outcome of writing it: what plan, writers and apply share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["RESTORE_RULE", "FieldChange", "OutcomeStatus", "WriteOutcome"]

RESTORE_RULE = "restore:overwritten_edit"
"""The ``rule`` of a change that puts back a person's value a write overwrote in a race: the
value is the person's, so writers record no ownership marker for it."""

OutcomeStatus = Literal["applied", "skipped", "failed", "unwritable"]


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
    changed by a person meanwhile), ``unwritable`` (the tracker refuses it for a reason of its
    configuration: a field off the edit screen, a priority outside the project's scheme, an option
    outside the field's context; ``error`` holds the tracker's reason) or ``failed`` (a transient or
    unexpected failure; ``error`` says why). ``error`` is one line, no secrets."""

    change: FieldChange
    status: OutcomeStatus
    error: str | None = None
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**self.change.to_dict(), "status": self.status, "error": self.error}
