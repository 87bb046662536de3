"""Text, Markdown and HTML renderings of ``explain`` and ``roadmap`` (small, line-based).

Every field that comes from a tracker or the config goes through the shared escaping layer
(:mod:`roadsync.escaping`): one line each in text, inert GitHub Markdown in Markdown; the HTML
page is the text rendering escaped whole (:func:`roadsync.sync.render.page.html_page`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from roadsync.escaping import markdown, markdown_code, one_line
from roadsync.mappings.coverage import ThemeCoverage
from roadsync.mappings.explain import Explanation
from roadsync.sync.render.page import html_page

__all__ = ["render_explanation", "render_roadmap"]

Escape = Callable[[object], str]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _escape(fmt: str) -> Escape:
    return markdown if fmt == "markdown" else one_line


Ownership = Sequence[Mapping[str, "str | None"]]
"""Rows of ``Backlog.ownership``: ``field``, ``value``, ``owner``, ``evidence``."""


def render_explanation(explanation: Explanation, fmt: str = "table", *, ownership: Ownership = ()) -> str:
    """The decision first, then the chain and the candidates, condition by condition, then whose
    value each managed field holds."""
    text = "\n".join(_explanation_lines(explanation, fmt) + _ownership_lines(ownership, fmt))
    return html_page(f"roadsync explain {one_line(explanation.item)}", text) if fmt == "html" else text


def _ownership_lines(ownership: Ownership, fmt: str) -> list[str]:
    e = _escape(fmt)
    bullet = "- " if fmt == "markdown" else "  "
    owners = {"roadsync": "roadsync's", "person": "a person's", "nobody": "nobody's yet",
              "unsettled": "undecided"}  # fmt: skip
    lines = ["ownership:"] if ownership else []
    for row in ownership:
        who = owners.get(str(row["owner"]), str(row["owner"]))
        value = e(str(row["value"] or "empty"))
        lines.append(f"{bullet}{e(str(row['field']))}: {value} is {who} ({e(str(row['evidence']))})")
    return lines


def _explanation_lines(explanation: Explanation, fmt: str) -> list[str]:
    e = _escape(fmt)
    md = fmt == "markdown"
    bullet = "- " if md else "  "
    theme = explanation.theme or "unaligned"
    lines = [
        f"{'## ' if md else ''}{e(explanation.item)}: {e(explanation.title)}",
        f"theme: {e(theme)}   alignment: {e(explanation.alignment)}   step: {e(explanation.step)}",
        f"rule: {e(explanation.rule or '-')}",
        f"why: {e(explanation.reason or 'no theme matched')}",
    ]
    if explanation.provisional:
        lines.append(f"provisional: {e(explanation.provisional)}")
    if explanation.secondary:
        lines.append(f"also matched: {e(', '.join(explanation.secondary))}")
    if explanation.unknown_pin:
        lines.append(f"ignored pin: '{e(explanation.unknown_pin)}' is not a theme of the roadmap")
    if len(explanation.chain) > 1:
        lines.append(f"inherited through: {e(' -> '.join(explanation.chain))}")
    lines.append(
        "candidates:" if explanation.candidates else "candidates: none (no block matched any condition)"
    )
    for candidate in explanation.candidates:
        verdict = "matched" if candidate.matched else "near miss"
        lines.append(f"{bullet}theme {e(candidate.theme)}, block {candidate.block}: {verdict}")
        for condition in candidate.conditions:
            mark = "ok " if condition.ok else "no "
            lines.append(
                f"{bullet}  {mark}{e(condition.condition)}: wants {e(condition.expected)}, "
                f"has {e(condition.actual)}"
            )
    return lines


def render_roadmap(rows: Sequence[ThemeCoverage], fmt: str = "table") -> str:
    """One row per theme plus the unaligned rest: open items, estimate, share vs target."""
    header = ("theme", "name", "priority", "horizon", "status", "open", "estimate", "share", "target")
    cells = [
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
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join([markdown_code(c[0]), *map(markdown, c[1:])]) + " |" for c in cells]
        return "\n".join(lines)
    table = [header] + [tuple(one_line(cell) for cell in row) for row in cells]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    padded = (zip(row, widths, strict=True) for row in table)
    text = "\n".join("  ".join(cell.ljust(width) for cell, width in row).rstrip() for row in padded)
    return html_page("roadsync roadmap", text) if fmt == "html" else text
