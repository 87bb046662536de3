"""Why an item maps where it maps: the decision, the inheritance chain, and every near miss.

``explain`` runs the same engine as :func:`roadsync.mappings.engine.assign` (so the two always agree)
and adds, for the one item, every rule that matched or *nearly* matched (a block where some
but not all conditions held) with each condition's expected and actual values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roadsync.connectors.model import Item
from roadsync.errors import NotFoundError
from roadsync.mappings.assignment import Assignment, Step
from roadsync.mappings.engine import assign, index_items
from roadsync.mappings.roadmap import Alignment, Roadmap
from roadsync.mappings.rules import ItemFacts, Rule, compile_roadmap

__all__ = ["Candidate", "ConditionResult", "Explanation", "decision_chain", "explain"]


@dataclass(frozen=True)
class ConditionResult:
    """One condition of a block, evaluated on the item."""

    condition: str
    expected: tuple[str, ...]
    actual: tuple[str, ...]
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "expected": list(self.expected),
            "actual": list(self.actual),
            "ok": self.ok,
        }


@dataclass(frozen=True)
class Candidate:
    """A block that matched (every condition held) or nearly matched (some held)."""

    theme: str
    block: int
    rule: str
    matched: bool
    conditions: tuple[ConditionResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "block": self.block,
            "rule": self.rule,
            "matched": self.matched,
            "conditions": [condition.to_dict() for condition in self.conditions],
        }


@dataclass(frozen=True)
class Explanation:
    """The decision for one item plus what led to it.

    ``chain`` lists the keys the theme travelled through, from the item to the item that
    decided (``("PAY-7", "PAY-3", "PAY-1")`` for a theme inherited from epic PAY-1 via PAY-3;
    just the item for pin, rule and none).
    """

    item: str
    title: str
    theme: str | None
    alignment: Alignment
    step: Step
    rule: str | None
    reason: str
    secondary: tuple[str, ...]
    unknown_pin: str | None
    chain: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    provisional: str | None = None
    """Why the decision may change once evidence is read (offline: a theme tag on the chain whose
    history is unread may be a person's pin); None when it stands."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "theme": self.theme,
            "alignment": self.alignment,
            "step": self.step,
            "rule": self.rule,
            "reason": self.reason,
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "title": self.title,
            "secondary": list(self.secondary),
            "unknown_pin": self.unknown_pin,
            "chain": list(self.chain),
            "provisional": self.provisional,
        }


def explain(
    key: str,
    items: Sequence[Item],
    roadmap: Roadmap,
    pins: Mapping[str, str] | None = None,
    *,
    assignments: Mapping[str, Assignment] | None = None,
) -> Explanation:
    """Explain ``key``'s assignment among ``items``; raise NotFoundError for an unknown key.

    Pass ``assignments`` (the result of ``assign`` on the same inputs) to explain many items
    without mapping the whole set again.
    """
    by_key = index_items(items)
    item = by_key.get(key)
    if item is None:
        raise NotFoundError(
            f"item {key} is not in the local mirror",
            item=key,
            hint="check the key (PAY-123 or owner/repo#45) and run `roadsync pull` to refresh the mirror",
        )
    decided = assignments if assignments is not None else assign(items, roadmap, pins)
    assignment = decided[key]
    facts = compile_roadmap(roadmap).matcher(by_key).facts(item)
    return Explanation(
        item=key,
        title=item.title,
        theme=assignment.theme,
        alignment=assignment.alignment,
        step=assignment.step,
        rule=assignment.rule,
        reason=assignment.reason,
        secondary=assignment.secondary,
        unknown_pin=assignment.unknown_pin,
        chain=decision_chain(key, by_key, decided),
        candidates=tuple(_candidates(compile_roadmap(roadmap).rules, facts)),
    )


def _candidates(rules: Sequence[Rule], facts: ItemFacts) -> list[Candidate]:
    """Every block where at least one condition held, in precedence order."""
    found: list[Candidate] = []
    for rule in rules:
        results = tuple(
            ConditionResult(c.name, c.expected, tuple(c.actual(facts)), c.check(facts))
            for c in rule.conditions
        )
        if any(result.ok for result in results):
            matched = all(result.ok for result in results)
            found.append(Candidate(rule.theme.id, rule.block, rule.id, matched, results))
    return found


def decision_chain(
    key: str, by_key: Mapping[str, Item], decided: Mapping[str, Assignment]
) -> tuple[str, ...]:
    """The keys from ``key`` to the item whose pin or rule decided its theme (parent and link
    steps, every parent passed on the way included)."""
    assignment = decided[key]
    if assignment.step == "link" and assignment.rule:
        linked = assignment.rule.removeprefix("link:")
        return (key, *decision_chain(linked, by_key, decided)) if linked in decided else (key, linked)
    if assignment.step != "parent" or not assignment.rule:
        return (key,)
    decider = assignment.rule.removeprefix("parent:")
    chain = [key]
    current = by_key[key].parent
    while current is not None and current != decider and current in by_key and len(chain) <= len(by_key):
        chain.append(current)
        current = by_key[current].parent
    chain.append(decider)
    return tuple(chain)
