"""Renderers: the same report (or plan) as a terminal table, JSON, Markdown or HTML.

Each renderer is a pure function ``render(report) -> str`` in its own module; this module
only dispatches on the ``--format`` name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from roadsync.escaping import json_text
from roadsync.sync.report import Report

__all__ = ["render", "render_json"]


def render_json(document: dict[str, Any]) -> str:
    """One JSON object, keys in a stable order, UTF-8 kept readable."""
    return json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def _renderer(fmt: str) -> Callable[[Report], str]:
    if fmt == "markdown":
        from roadsync.sync.render.markdown import render_markdown

        return render_markdown
    if fmt == "html":
        from roadsync.sync.render.html import render_html

        return render_html
    raise ValueError(f"unknown format {fmt!r}")


def render(
    report: Report, fmt: str, *, json_document: dict[str, Any] | None = None, color: bool = False
) -> str:
    """The report in ``fmt``; for ``json``, ``json_document`` replaces the report's own JSON
    (``plan --format json`` prints the plan document). ``color`` only affects the table."""
    if fmt == "json":
        return render_json(json_document if json_document is not None else report.to_json())
    if fmt == "table":
        from roadsync.sync.render.table import render_table

        return render_table(report, color=color)
    return _renderer(fmt)(report)
