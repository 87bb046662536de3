"""GitHub label names as GitHub compares them: one helper for the whole connector and its callers.

GitHub matches label names case-insensitively (``name.downcase``; ``Theme/Checkout`` and
``theme/checkout`` are one label, and adding either attaches the stored one) and refuses names over
50 characters [research github.md §4: GitHub's API server and community reports git-bug#176,
intuit/auto#548, github/docs#32156]. Everything in roadsync that asks "is this the same GitHub
label?" calls :func:`label_key` or :func:`same_label`, so the writer, the planner's reading of
pins and ownership, and the doctor agree.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["LABEL_NAME_MAX", "find_label", "label_key", "same_label"]

LABEL_NAME_MAX = 50


def label_key(name: str) -> str:
    """The form GitHub compares label names in (lower case, as Ruby's ``downcase``)."""
    return name.lower()


def same_label(a: str, b: str) -> bool:
    """Whether GitHub treats ``a`` and ``b`` as one label."""
    return label_key(a) == label_key(b)


def find_label(name: str, names: Iterable[str]) -> str | None:
    """The entry of ``names`` that is the label ``name`` (its stored case), or None."""
    key = label_key(name)
    return next((n for n in names if label_key(n) == key), None)
