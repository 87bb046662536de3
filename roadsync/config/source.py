"""Where a config problem is: TOML key paths, line numbers, and pydantic errors in people's words.

A problem line names the file, the line (found by scanning the text: TOML parsers give line
numbers only for syntax errors), the TOML key path and the fix::

    roadsync.toml:14: themes[2].match[0].lables: unknown key; did you mean `labels`?
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from roadsync.config.secrets import looks_like_token

Loc = tuple[str | int, ...]

TOKEN_KEYS = frozenset({"token", "api_token", "password", "secret", "pat"})

__all__ = [
    "TOKEN_KEYS",
    "Checked",
    "Loc",
    "Source",
    "key_path",
    "line_index",
    "pydantic_problems",
    "salvage",
    "strip_tokens",
]


def key_path(loc: Loc) -> str:
    """``("themes", 2, "match", 0, "lables")`` -> ``themes[2].match[0].lables``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_BARE = r"[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'"
_DOTTED = rf"(?:{_BARE})(?:\s*\.\s*(?:{_BARE}))*"
_HEADER_RE = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(rf"^\s*({_DOTTED})\s*=")


def _split_dotted(text: str) -> tuple[str, ...]:
    return tuple(m.group(0).strip("\"'") for m in re.finditer(_BARE, text))


def line_index(text: str) -> dict[Loc, int]:
    """Map each table header and key of a TOML text to its first line (1-based).

    Arrays of tables get their element index: the second ``[[themes]]`` is ``("themes", 1)``
    and a ``[[themes.match]]`` below it is ``("themes", 1, "match", 0)``.
    """
    index: dict[Loc, int] = {}
    counts: dict[Loc, int] = {}
    table: Loc = ()
    in_string: str | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if in_string:
            if in_string in line:
                in_string = None
            continue
        header = _HEADER_RE.match(line)
        if header:
            names = _split_dotted(header.group(2))
            resolved: Loc = ()
            for name in names[:-1]:
                resolved = (*resolved, name)
                if resolved in counts:
                    resolved = (*resolved, counts[resolved])
            resolved = (*resolved, names[-1])
            if header.group(1) == "[[":
                counts[resolved] = counts.get(resolved, -1) + 1
                resolved = (*resolved, counts[resolved])
            table = resolved
            index.setdefault(table, lineno)
            continue
        key = _KEY_RE.match(line)
        if key:
            index.setdefault((*table, *_split_dotted(key.group(1))), lineno)
            rest = line[key.end() :]
            for delim in ('"""', "'''"):
                if rest.count(delim) == 1:
                    in_string = delim
    return index


@dataclass
class Source:
    """One parsed file: where it is, its data, and which keys the environment set."""

    path: Path
    text: str
    data: dict[str, Any]
    env_vars: dict[Loc, str] = field(default_factory=dict)
    _index: dict[Loc, int] | None = field(default=None, repr=False)

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc`` or of its nearest parent that the text shows."""
        if self._index is None:
            self._index = line_index(self.text)
        for end in range(len(loc), 0, -1):
            if loc[:end] in self._index:
                return self._index[loc[:end]]
        return None

    def env_var(self, loc: Loc) -> str | None:
        """The ``ROADSYNC_*`` variable that set ``loc`` (or a parent of it), if one did."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.env_vars:
                return self.env_vars[loc[:end]]
        return None

    def problem(self, loc: Loc, message: str) -> str:
        variable = self.env_var(loc)
        if variable is not None:
            return f"{self.path} (environment {variable}): {key_path(loc)}: {message}"
        line = self.line_of(loc)
        where = f"{self.path}:{line}" if line else str(self.path)
        return f"{where}: {key_path(loc)}: {message}"


@dataclass
class Checked:
    """What the checks found; ``data`` is the merged, token-free input when there are no problems."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    theme_file: Path | None = None
    """The file that defines no theme at all (``themes`` missing or empty), else ``None``."""


# --- pydantic errors in the product's words -------------------------------------------------


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _model_at(model: type[BaseModel], path: Loc) -> type[BaseModel] | None:
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        cls = _inner_model(current)
        if cls is None or part not in cls.model_fields:
            return None
        current = cls.model_fields[part].annotation
    return _inner_model(current)


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"remove it; known keys here: {', '.join(choices)}"


def _explain(error: Any, model: type[BaseModel], show_value: bool = True) -> str:
    loc: Loc = tuple(error["loc"])
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        choices = sorted(parent.model_fields) if parent else []
        return f"unknown key; {_did_you_mean(str(loc[-1]), choices)}"
    if kind == "missing":
        return "required key is missing; add it"
    if kind == "too_short":
        return 'needs at least one entry; add one (e.g. projects = ["PAY"])'
    shown = f" (got {value!r})" if isinstance(value, str | int | float | bool) else ""
    if not show_value or looks_like_token(value):
        shown = ""  # a value from the environment, or one that reads like a token, is never echoed
    return f"{error['msg']}{shown}"


def pydantic_problems(src: Source, exc: ValidationError, prefix: Loc, model: type[BaseModel]) -> list[str]:
    """One problem line per pydantic error, located in ``src`` under ``prefix``."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = (*prefix, *error["loc"])
        problems.append(src.problem(loc, _explain(error, model, show_value=src.env_var(loc) is None)))
    return problems


# --- the orchestration --------------------------------------------------------------------


def strip_tokens(src: Source, node: Any, loc: Loc, out: list[str]) -> Any:
    """A copy of ``node`` without token keys; each one found becomes a problem."""
    if isinstance(node, dict):
        kept: dict[str, Any] = {}
        for key, value in node.items():
            if key.lower() in TOKEN_KEYS:
                out.append(
                    src.problem(
                        (*loc, key),
                        "a token must not be written into the config file; "
                        "remove it and set `token_env` (the name of an environment variable "
                        "that holds the token) or `token_file` (a file that holds it)",
                    )
                )
                continue
            kept[key] = strip_tokens(src, value, (*loc, key), out)
        return kept
    if isinstance(node, list):
        return [strip_tokens(src, value, (*loc, i), out) for i, value in enumerate(node)]
    return node


def _without(node: Any, loc: Loc) -> Any:
    """A copy of ``node`` with the value at ``loc`` removed (its nearest removable parent)."""
    if not loc or not isinstance(node, dict | list):
        return node
    head, rest = loc[0], loc[1:]
    if isinstance(node, dict) and isinstance(head, str) and head in node:
        copy = dict(node)
        if rest and isinstance(copy[head], dict | list):
            copy[head] = _without(copy[head], rest)
        else:
            del copy[head]
        return copy
    if isinstance(node, list) and isinstance(head, int) and head < len(node):
        return [_without(v, rest) if i == head else v for i, v in enumerate(node)]
    return node


def salvage(model: type[BaseModel], raw: Any, exc: ValidationError) -> BaseModel | None:
    """The model without the broken keys, so the other checks still see the rest; else None."""
    for error in exc.errors(include_url=False):
        raw = _without(raw, tuple(error["loc"]))
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None
