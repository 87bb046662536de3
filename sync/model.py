"""Plan and drift as data: frozen, sorted, with a checksum over canonical JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from roadsync.changes import FieldChange
from roadsync.mappings.assignment import Assignment

ManagedFieldName = Literal["priority", "theme", "alignment"]
DriftKind = Literal[
    "unaligned",
    "priority_mismatch",
    "manual_override",
    "retired_theme",
    "paused_theme",
    "empty_theme",
    "allocation",
    "cross_tracker",
    "parent_mismatch",
    "unknown_theme",
    "unwritable",
    "overwritten_edit",
]
DRIFT_KINDS: tuple[str, ...] = get_args(DriftKind)

__all__ = ["DRIFT_KINDS", "DriftFinding", "DriftKind", "FieldChange", "ManagedFieldName", "Plan"]


@dataclass(frozen=True, order=True, slots=True)
class DriftFinding:
    """One drift finding; theme-level findings have ``item=None`` and the theme id."""

    kind: str
    item: str | None
    theme: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "item": self.item, "theme": self.theme, "detail": self.detail}


def _drift_sort_key(finding: DriftFinding) -> tuple[str, str, str, str]:
    return (finding.kind, finding.item or "", finding.theme or "", finding.detail)


@dataclass(frozen=True)
class Plan:
    """A sorted, immutable plan: changes, drift, assignments, and what the items looked like.

    ``seen`` maps every item the plan touches to its ``updated`` timestamp at planning time:
    ``apply`` refuses the plan when a touched item changed since.
    """

    changes: tuple[FieldChange, ...]
    drift: tuple[DriftFinding, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    seen: Mapping[str, str] = field(default_factory=dict)
    summary: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        changes: Iterable[FieldChange],
        drift: Iterable[DriftFinding] = (),
        assignments: Iterable[Assignment] = (),
        seen: Mapping[str, str] | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> Plan:
        return cls(
            changes=tuple(sorted(changes)),
            drift=tuple(sorted(drift, key=_drift_sort_key)),
            assignments=tuple(sorted(assignments, key=lambda a: a.item)),
            seen=dict(sorted((seen or {}).items())),
            summary=dict(summary or {}),
        )

    def drift_counts(self) -> dict[str, int]:
        """Findings per kind, every known kind in design order (zeros kept), then unknown kinds:
        the one count of drift that reports, snapshots, the demo and the Action read."""
        counts = dict.fromkeys(DRIFT_KINDS, 0)
        for finding in self.drift:
            counts[finding.kind] = counts.get(finding.kind, 0) + 1
        return counts

    def canonical(self) -> dict[str, Any]:
        """The JSON document without its checksum; key order and item order are stable."""
        return {
            "changes": [c.to_dict() for c in self.changes],
            "drift": [d.to_dict() for d in self.drift],
            "assignments": [a.to_dict() for a in self.assignments],
            "seen": dict(self.seen),
            "summary": dict(self.summary),
        }

    @property
    def checksum(self) -> str:
        body = json.dumps(
            {"changes": self.canonical()["changes"], "seen": dict(self.seen)},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(body.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        document = self.canonical()
        document["checksum"] = self.checksum
        return document

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Plan:
        """Read a plan written by :meth:`to_json`; raises ``ValueError`` when the checksum
        does not match (the file was edited after review, or is not a roadsync plan)."""
        try:
            plan = cls.build(
                (FieldChange(**c) for c in document["changes"]),
                (DriftFinding(**d) for d in document.get("drift", [])),
                (Assignment.from_dict(a) for a in document.get("assignments", [])),
                seen=document.get("seen", {}),
                summary=document.get("summary", {}),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a roadsync plan ({exc})") from exc
        if plan.checksum != document.get("checksum"):
            raise ValueError("checksum mismatch: the plan was changed after it was computed")
        return plan

