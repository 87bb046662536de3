"""One escaping layer per medium, shared by every verb's renderers: tracker text (titles, bodies,
labels, names, error bodies) is hostile until one of these functions has made it inert.

==============  ===========================================================================
medium          function
==============  ===========================================================================
terminal        :func:`terminal` -- control characters (NUL, ESC, BEL, OSC and CSI
                sequences, C1 codes, bidirectional overrides) become visible stand-ins
HTML            :func:`html` -- the same, then HTML-escaped (quotes too)
Markdown (GFM)  :func:`markdown` for text, :func:`markdown_code` for values: nothing GitHub
                renders as HTML, a link, an image, a mention or a cross-reference
JSON            :func:`json_text` -- DEL, C1 codes and bidi controls, which JSON leaves raw,
                as ``\\u`` escapes (the data is unchanged)
==============  ===========================================================================

GitHub mentions and references are made by a post-processor on the rendered HTML, so a
backslash (``\\@``, ``\\#``) does not stop them (github/markup#1168, github/cmark-gfm#181,
github/cmark-gfm#389). A zero-width joiner (U+200D) after ``@`` and ``#``, inside ``GH-``, after
the ``:`` of ``://`` and inside ``www.`` keeps the text readable and breaks every pattern of
GitHub's autolinker and mention filter; text inside a code span is never processed at all.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

__all__ = ["html", "json_text", "markdown", "markdown_code", "one_line", "terminal", "visible"]

ZWJ = "\u200d"
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_C1_OR_DEL = re.compile("[\x7f-\x9f" + "".join(sorted(_BIDI)) + "]")


def _stand_in(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 CONTROL PICTURES: NUL -> ␀, ESC -> ␛, BEL -> ␇
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1 controls (0x80-0x9f; 0x9b is a one-byte CSI) and bidi overrides


def visible(text: object, *, keep: str = "\n\t") -> str:
    """``text`` with every control character except those in ``keep`` replaced by a visible
    stand-in, so nothing in it can drive a terminal, hide in a page or reorder a line."""
    raw = str(text)
    return "".join(
        _stand_in(ch)
        if ch not in keep and (unicodedata.category(ch) == "Cc" or ch in _BIDI)
        else ch
        for ch in raw
    )


def one_line(text: object) -> str:
    """``text`` on one line: whitespace runs (newlines and tabs included) become one space."""
    return " ".join(visible(text).split())


def terminal(text: object) -> str:
    """Text for a terminal or a text log line (newlines and tabs kept)."""
    return visible(text)


def html(text: object) -> str:
    """Text for HTML element content and attribute values."""
    return _html.escape(visible(text), quote=True)


# Inline Markdown: emphasis, code, links and images ("!" needs "["), strikethrough, table cells.
# "#" and "@" too, for renderers other than GitHub's (GitHub needs the joiners below).
_MARKDOWN_PUNCTUATION = "\\`*_[]|~#@"
_DEFUSE = [
    (re.compile(r"([@#＠＃])"), rf"\1{ZWJ}"),  # mentions, team mentions, #123, owner/repo#123, emails
    (re.compile(r"\b(gh)(-\d)", re.IGNORECASE), rf"\1{ZWJ}\2"),  # GH-123
    (re.compile(r"(:)(//)"), rf"\1{ZWJ}\2"),  # http:// https:// and any scheme://
    (re.compile(r"\b(www)(\.)", re.IGNORECASE), rf"\1{ZWJ}\2"),  # www. autolinks
    # commit SHAs (7-40 hex digits with a letter and a digit): user@sha is covered by @ above
    (re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])([0-9a-f]{4})([0-9a-f]{3,36})\b", re.IGNORECASE),
     rf"\1{ZWJ}\2"),
]


def markdown(text: object, *, link_text: bool = False) -> str:
    """Tracker text as inert GitHub Markdown inline content (one line, table-cell safe): HTML
    escaped, Markdown punctuation backslash-escaped, GitHub autolinks broken with U+200D.

    ``link_text``: the text goes inside ``[...](url)``, where GitHub links, mentions and
    references nothing (its filters skip ``<a>``), so the joiners are left out."""
    flat = one_line(text)
    escaped = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in escaped)
    if escaped[:1] in ("-", "+", ">", "="):  # block syntax when the text starts a line
        escaped = "\\" + escaped
    for pattern, replacement in () if link_text else _DEFUSE:
        escaped = pattern.sub(replacement, escaped)
    return escaped


def markdown_code(text: object) -> str:
    """A value as a GitHub Markdown code span (theme ids, field values, rule ids): nothing inside
    a code span is a link or a mention; backticks and pipes cannot break out of it or the table."""
    flat = one_line(text).replace("|", "\\|")
    if not flat:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def json_text(document: str) -> str:
    """A JSON text with DEL, C1 and bidi control characters written as ``\\u`` escapes (JSON
    escapes only U+0000-U+001F itself); the data is unchanged, a terminal never sees them raw."""
    return _C1_OR_DEL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)
