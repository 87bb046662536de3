"""Plain-text and Markdown renderings of ``explain`` and ``roadmap`` (small, line-based)."""

from __future__ import annotations

from collections.abc import Sequence

from roadsync.mappings.coverage import ThemeCoverage
from roadsync.mappings.explain import Explanation

__all__ = ["render_explanation", "render_roadmap"]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def render_explanation(explanation: Explanation, *, markdown: bool = False) -> str:
    """The decision first, then the chain and the candidates, condition by condition."""
    bullet = "- " if markdown else "  "
    theme = explanation.theme or "unaligned"
    lines = [
        f"{'## ' if markdown else ''}{explanation.item}: {explanation.title}",
        f"theme: {theme}   alignment: {explanation.alignment}   step: {explanation.step}",
        f"rule: {explanation.rule or '-'}",
        f"why: {explanation.reason or 'no theme matched'}",
    ]
    if explanation.secondary:
        lines.append(f"also matched: {', '.join(explanation.secondary)}")
    if explanation.unknown_pin:
        lines.append(f"ignored pin: '{explanation.unknown_pin}' is not a theme of the roadmap")
    if len(explanation.chain) > 1:
        lines.append(f"inherited through: {' -> '.join(explanation.chain)}")
    lines.append(
        "candidates:" if explanation.candidates else "candidates: none (no block matched any condition)"
    )
    for candidate in explanation.candidates:
        verdict = "matched" if candidate.matched else "near miss"
        lines.append(f"{bullet}theme {candidate.theme}, block {candidate.block}: {verdict}")
        for condition in candidate.conditions:
            mark = "ok " if condition.ok else "no "
            lines.append(
                f"{bullet}  {mark}{condition.condition}: wants {condition.expected}, has {condition.actual}"
            )
    return "\n".join(lines)


def render_roadmap(rows: Sequence[ThemeCoverage], *, markdown: bool = False) -> str:
    """One row per theme plus the unaligned rest: open items, estimate, share vs target."""
    header = ("theme", "name", "priority", "horizon", "status", "open", "estimate", "share", "target")
    table = [header] + [
        (
            row.id or "(unaligned)",
            row.name,
            row.priority or "-",
            row.horizon or "-",
            row.status or "-",
            str(row.open_items),
            f"{row.estimate_sum:g}",
            _percent(row.share),
            _percent(row.target_share),
        )
        for row in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(cells) + " |" for cells in table]
        lines.insert(1, "|" + "---|" * len(header))
        return "\n".join(lines)
    widths = [max(len(cells[i]) for cells in table) for i in range(len(header))]
    padded = (zip(cells, widths, strict=True) for cells in table)
    return "\n".join("  ".join(cell.ljust(width) for cell, width in row).rstrip() for row in padded)
