"""The mapping layer's output for one item. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from roadsync.mappings.roadmap import Alignment

Step = Literal["pin", "rule", "parent", "link", "none"]

__all__ = ["Assignment", "Step", "build_assignment"]


@dataclass(frozen=True, slots=True)
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


_FIELDS = ("item", "theme", "alignment", "step", "rule", "reason", "secondary", "unknown_pin")
# Every item has an Assignment, held through planning and writing: slotted, one is 104 bytes
# instead of 216 with a __dict__ (11 MB at 100k items). A frozen dataclass's __init__ sets each
# field through object.__setattr__ (~2 µs per Assignment, paid for every item by the mapping and
# by a cron run reading kept outcomes); the slots' own descriptors set them directly and build an
# equal object (tests/mappings/test_engine.py). Another shape falls back to the constructor.
_SETTERS = (
    tuple(getattr(Assignment, name).__set__ for name in _FIELDS)
    if tuple(f.name for f in fields(Assignment)) == _FIELDS
    and getattr(Assignment, "__slots__", None) == _FIELDS
    and not hasattr(Assignment, "__post_init__")
    else ()
)


def build_assignment(
    item: str, theme: str | None, alignment: Alignment, step: Step, rule: str | None, reason: str,
    secondary: tuple[str, ...] = (), unknown_pin: str | None = None,
) -> Assignment:  # fmt: skip
    """``Assignment(...)`` with the same arguments, built without the frozen dataclass's per-field
    ``object.__setattr__`` (the hot path of mapping and of reading kept outcomes)."""
    if not _SETTERS:
        return Assignment(item, theme, alignment, step, rule, reason, secondary, unknown_pin)
    made = object.__new__(Assignment)
    # Unrolled (no values tuple, no zip): at 100k items a loop over the setters costs ~0.1 s.
    set_item, set_theme, set_alignment, set_step, set_rule, set_reason, set_secondary, set_pin = _SETTERS
    set_item(made, item)
    set_theme(made, theme)
    set_alignment(made, alignment)
    set_step(made, step)
    set_rule(made, rule)
    set_reason(made, reason)
    set_secondary(made, secondary)
    set_pin(made, unknown_pin)
    return made
