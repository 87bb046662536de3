"""Coverage per theme: how much open work stands behind each theme, against its target share.

Only *open* items count (status category not ``done``), each under its *primary* theme
(secondary themes do not split the work). The share of open work is measured

- **by estimate** when every open item has an estimate and they sum to more than zero;
- **by count** otherwise: with some estimates missing, a sum would silently weigh
  unestimated work as zero, which is worse than counting every item as one.

``basis`` on every row says which one was used. ``delta`` is ``share - target_share``
(``None`` without a target). Rows come in file order of the roadmap, then one ``unaligned``
row (``id`` is ``None``) for open items that map to no theme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from roadsync.mappings.assignment import Assignment
from roadsync.mappings.roadmap import Horizon, Roadmap, ThemeStatus

Basis = Literal["estimate", "count"]

__all__ = ["Basis", "Countable", "ThemeCoverage", "coverage"]


class Countable(Protocol):
    """What coverage reads of an item (a connector ``Item``, or a report's entry for it)."""

    @property
    def key(self) -> str: ...

    @property
    def is_open(self) -> bool: ...

    @property
    def estimate(self) -> float | None: ...


@dataclass(frozen=True)
class ThemeCoverage:
    """One row of the roadmap view: a theme (or the unaligned rest) and its open work."""

    id: str | None
    name: str
    priority: str | None
    horizon: Horizon | None
    status: ThemeStatus | None
    target_share: float | None
    open_items: int
    estimate_sum: float
    share: float
    delta: float | None
    basis: Basis

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "priority": self.priority,
            "horizon": self.horizon,
            "status": self.status,
            "target_share": self.target_share,
            "open_items": self.open_items,
            "estimate_sum": self.estimate_sum,
            "share": self.share,
            "delta": self.delta,
            "basis": self.basis,
        }


def coverage(
    items: Sequence[Countable], assignments: Mapping[str, Assignment], roadmap: Roadmap
) -> list[ThemeCoverage]:
    """Coverage rows for every theme in file order, then the ``unaligned`` row."""
    known = {theme.id for theme in roadmap.themes}
    counts: dict[str | None, int] = {}
    estimates: dict[str | None, float] = {}
    open_items = [item for item in items if item.is_open]
    for item in open_items:
        assigned = assignments.get(item.key)
        landed = assigned.theme if assigned is not None and assigned.theme in known else None
        counts[landed] = counts.get(landed, 0) + 1
        estimates[landed] = estimates.get(landed, 0.0) + (item.estimate or 0.0)
    total_estimate = sum(estimates.values())
    by_estimate = bool(open_items) and total_estimate > 0 and all(i.estimate is not None for i in open_items)
    basis: Basis = "estimate" if by_estimate else "count"

    def share(theme_id: str | None) -> float:
        if by_estimate:
            return round(estimates.get(theme_id, 0.0) / total_estimate, 4)
        return round(counts.get(theme_id, 0) / len(open_items), 4) if open_items else 0.0

    rows = []
    for theme in sorted(roadmap.themes, key=lambda t: (t.order, t.id)):
        part = share(theme.id)
        target = theme.target_share
        row = ThemeCoverage(
            id=theme.id, name=theme.name, priority=theme.priority, horizon=theme.horizon,
            status=theme.status, target_share=target, open_items=counts.get(theme.id, 0),
            estimate_sum=estimates.get(theme.id, 0.0), share=part,
            delta=round(part - target, 4) if target is not None else None, basis=basis,
        )  # fmt: skip
        rows.append(row)
    unaligned = ThemeCoverage(
        id=None, name="unaligned", priority=None, horizon=None, status=None, target_share=None,
        open_items=counts.get(None, 0), estimate_sum=estimates.get(None, 0.0), share=share(None),
        delta=None, basis=basis,
    )  # fmt: skip
    rows.append(unaligned)
    return rows
