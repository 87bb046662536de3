"""A text rendering as a small self-contained HTML page, for verbs whose document is text
(explain, roadmap, doctor): the whole text goes through the shared HTML layer, so nothing in it
is markup, and a Content-Security-Policy forbids scripts and loads of any kind."""

from __future__ import annotations

from roadsync.escaping import html

__all__ = ["html_page"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_STYLE = (
    "body{font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:2rem;color:#111827}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}"
)


def html_page(title: str, text: str) -> str:
    """``text`` (any content, hostile included) in a ``<pre>`` of an HTML page titled ``title``."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f"<title>{html(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<pre>{html(text)}</pre>\n</body>\n</html>\n"
    )
