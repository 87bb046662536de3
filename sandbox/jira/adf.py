"""Atlassian Document Format (ADF) for descriptions in ``/rest/api/3``: plain text in, ADF out."""

from __future__ import annotations

from typing import Any

__all__ = ["adf_to_text", "text_to_adf"]


def text_to_adf(text: str) -> dict[str, Any]:
    """A minimal ADF document: one paragraph per line of ``text``."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def adf_to_text(document: dict[str, Any]) -> str:
    """The text of an ADF document: text nodes joined, block nodes on their own lines."""
    lines: list[str] = []
    for block in document.get("content") or []:
        lines.append(_inline_text(block))
    return "\n".join(lines)


def _inline_text(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    if node.get("type") == "hardBreak":
        return "\n"
    return "".join(_inline_text(child) for child in node.get("content") or [])
