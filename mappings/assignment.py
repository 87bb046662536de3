"""The mapping layer's output for one item. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from roadsync.mappings.roadmap import Alignment

Step = Literal["pin", "rule", "parent", "link", "none"]

__all__ = ["Assignment", "Step"]


@dataclass(frozen=True)
class Assignment:
    """Where an item landed and why.

    ``theme`` is the primary theme id or ``None`` (unaligned). ``step`` is the precedence step
    that decided (pin > rule > parent > link > none); ``rule`` names the rule
    (``theme:checkout/block:1``, ``pin:theme/checkout``, ``parent:PAY-1``); ``reason`` is
    a sentence for people. ``unknown_pin`` is a theme tag on the item that the roadmap does
    not define (reported as ``unknown_theme`` drift).
    """

    item: str
    theme: str | None
    alignment: Alignment
    step: Step
    rule: str | None
    reason: str
    secondary: tuple[str, ...] = ()
    unknown_pin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "theme": self.theme,
            "alignment": self.alignment,
            "step": self.step,
            "rule": self.rule,
            "reason": self.reason,
            "secondary": list(self.secondary),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assignment:
        """Read back what :meth:`to_dict` wrote (a plan or report file)."""
        return cls(
            item=data["item"],
            theme=data.get("theme"),
            alignment=data["alignment"],
            step=data["step"],
            rule=data.get("rule"),
            reason=data.get("reason", ""),
            secondary=tuple(data.get("secondary", ())),
        )
