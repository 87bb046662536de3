"""Checks of values the schema accepts but no run can use: caught by ``validate`` (exit 78,
the key named) instead of failing a run later.

Pure, like :mod:`roadsync.config.checks`, which calls :func:`sanity_problems`. Each check
reads the raw (token-free) data, so a section with other problems still gets these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from roadsync.config.secrets import token_env_problem
from roadsync.config.source import Loc, Source

__all__ = ["JIRA_PROJECT_KEY", "sanity_problems"]

# Jira project keys: an upper-case letter, then upper-case letters, digits or underscores
# (https://confluence.atlassian.com/adminjiraserver/changing-the-project-key-format-938847081.html;
# Cloud: https://support.atlassian.com/jira-software-cloud/docs/what-is-an-issue/#Workingwithissues-Projectkeys).
# Keys reach JQL, so anything else (a quote above all) is refused here.
JIRA_PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]+")
_MANAGED = ("priority", "theme", "alignment")


def _section(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    node: Any = data
    for name in names:
        node = node.get(name) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def sanity_problems(src: Source, data: Mapping[str, Any]) -> Iterator[str]:
    """Every problem of the kinds above in the config's raw data."""
    yield from _token_names(src, data)
    yield from _project_keys(src, data)
    yield from _label_prefixes(src, data)
    yield from _empty_values(src, data)
    yield from _path_text(src, data)
    if data.get("roadmap") == "":
        yield src.problem(("roadmap",), 'is empty; name the roadmap file (e.g. roadmap = "roadmap.toml") '
                          "or remove the key to keep themes in this file")


def _token_names(src: Source, data: Mapping[str, Any]) -> Iterator[str]:
    for tracker in ("jira", "github"):
        value = _section(data, tracker).get("token_env")
        problem = token_env_problem(value) if isinstance(value, str) else None
        if problem:
            yield src.problem((tracker, "token_env"), problem)


def _project_keys(src: Source, data: Mapping[str, Any]) -> Iterator[str]:
    projects = _section(data, "jira").get("projects")
    for j, key in enumerate(projects if isinstance(projects, list) else []):
        if isinstance(key, str) and not JIRA_PROJECT_KEY.fullmatch(key):
            yield src.problem(("jira", "projects", j),
                              f"{_quoted(key)} is not a Jira project key (an upper-case letter, then "
                              'upper-case letters, digits or _, e.g. "PAY"); write the key, not the name')


def _quoted(text: str) -> str:
    """A short, printable rendering of a config value for a message."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    return repr(shown)


_PATHS = (("roadmap",), ("run", "state_dir"), ("run", "ca_bundle"), ("jira", "token_file"),
          ("github", "token_file"))


def _path_text(src: Source, data: Mapping[str, Any]) -> Iterator[str]:
    """A path with a NUL or another control character names no file any system can open."""
    for loc in _PATHS:
        value = _section(data, *loc[:-1]).get(loc[-1]) if len(loc) > 1 else data.get(loc[0])
        if isinstance(value, str) and any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            yield src.problem(loc, "holds a control character (NUL, a newline...); "
                              "write the path as plain text")


def _empty_values(src: Source, data: Mapping[str, Any]) -> Iterator[str]:
    """A value mapped to "" would write an empty priority, label or option."""
    for name in _MANAGED:
        for tracker in ("jira", "github"):
            values = _section(data, "fields", name, tracker).get("values")
            for key, native in (values.items() if isinstance(values, dict) else ()):
                if isinstance(native, str) and not native.strip():
                    yield src.problem(("fields", name, tracker, "values", key), f"maps `{key}` to an "
                                      "empty value; give the tracker's value or remove the entry")


def _label_targets(data: Mapping[str, Any], tracker: str) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for name in _MANAGED:
        target = _section(data, "fields", name, tracker)
        if target.get("target") == "label" and isinstance(target.get("prefix"), str) and target["prefix"]:
            found.append((name, target["prefix"], target))
    return found


def _label_prefixes(src: Source, data: Mapping[str, Any]) -> Iterator[str]:
    """Two managed fields whose labels share a prefix would read each other's labels as their own;
    Jira refuses labels with whitespace (research/jira.md section 5: "The label '...' can't contain
    spaces.", Cloud and Data Center)."""
    for tracker in ("jira", "github"):
        targets = _label_targets(data, tracker)
        for i, (name, prefix, target) in enumerate(targets):
            loc: Loc = ("fields", name, tracker, "prefix")
            for other, other_prefix, _ in targets[:i]:
                if prefix.startswith(other_prefix) or other_prefix.startswith(prefix):
                    yield src.problem(loc, f"{prefix!r} overlaps the label prefix {other_prefix!r} of "
                                      f"fields.{other}.{tracker}; give each managed field its own prefix")
            if tracker == "jira":
                yield from _jira_label_text(src, loc, prefix, target)


def _jira_label_text(src: Source, loc: Loc, prefix: str, target: Mapping[str, Any]) -> Iterator[str]:
    if any(ch.isspace() for ch in prefix):
        yield src.problem(loc, f"{prefix!r} has whitespace, and Jira refuses labels with spaces; "
                          'use - or _ instead (e.g. "theme:")')
    values = target.get("values")
    for key, label in (values.items() if isinstance(values, dict) else ()):
        if isinstance(label, str) and any(ch.isspace() for ch in label):
            yield src.problem((*loc[:-1], "values", key),
                              f"{label!r} has whitespace, and Jira refuses labels with spaces; use - or _")
