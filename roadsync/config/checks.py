"""Every check of a config and its roadmap, collected at once: one line per problem.

Pure: works on parsed TOML (plus environment overrides) and the file texts, never reads the
clock or the network (``today`` comes in). :mod:`roadsync.config.load` reads the files and builds
``Settings`` from what passes here.

A problem line names the file, the line (found by scanning the text: TOML parsers give
line numbers only for syntax errors), the TOML key path and the fix::

    roadsync.toml:14: themes[2].match[0].lables: unknown key; did you mean `labels`?
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import re2
from pydantic import BaseModel, ValidationError

from roadsync.config.model import FieldTarget, RoadmapFile, SettingsModel, ThemeModel
from roadsync.config.sanity import sanity_problems
from roadsync.config.secrets import shown_url, url_credentials_problem
from roadsync.config.source import (
    Checked,
    Loc,
    Source,
    key_path,
    line_index,
    pydantic_problems,
    salvage,
    strip_tokens,
)
from roadsync.mappings.roadmap import ALIGNMENTS
from roadsync.sync.model import DRIFT_KINDS
from roadsync.targets import TargetContext, kind_of, kinds_on

FAIL_ON_EXTRA = ("all",)

__all__ = ["Checked", "Loc", "Source", "check", "key_path", "line_index"]


def _validate_parts(
    src: Source, data: dict[str, Any], model: type[BaseModel], out: list[str]
) -> tuple[dict[str, Any], list[tuple[Source, int, ThemeModel]]]:
    """Validate each top-level key on its own so one bad section does not hide the others."""
    parts: dict[str, Any] = {}
    themes: list[tuple[Source, int, ThemeModel]] = []
    for key, value in data.items():
        if key == "themes" and isinstance(value, list):
            for i, raw in enumerate(value):
                try:
                    themes.append((src, i, ThemeModel.model_validate(raw)))
                except ValidationError as exc:
                    out.extend(pydantic_problems(src, exc, ("themes", i), ThemeModel))
                    salvaged = salvage(ThemeModel, raw, exc)
                    if isinstance(salvaged, ThemeModel):
                        themes.append((src, i, salvaged))
            continue
        try:
            parts[key] = getattr(model.model_validate({key: value}), key)
        except ValidationError as exc:
            out.extend(pydantic_problems(src, exc, (), model))
            salvaged = salvage(model, {key: value}, exc) if key in model.model_fields else None
            if salvaged is not None:
                parts[key] = getattr(salvaged, key)
    return parts, themes


def check(config: Source, roadmap: Source | None, today: date) -> Checked:
    """Run every check over the config (and its separate roadmap file, if any)."""
    result = Checked()
    out = result.problems
    config_data = strip_tokens(config, config.data, (), out)
    parts, themes = _validate_parts(config, config_data, SettingsModel, out)
    roadmap_data: dict[str, Any] = {}
    theme_src = config
    if roadmap is not None:
        roadmap_data = strip_tokens(roadmap, roadmap.data, (), out)
        rparts, rthemes = _validate_parts(roadmap, roadmap_data, RoadmapFile, out)
        if "themes" in config_data and "themes" in roadmap_data:
            out.append(
                config.problem(
                    ("themes",),
                    f"themes are defined here and in {roadmap.path}; "
                    "keep them in one place (the roadmap file)",
                )
            )
        for key in ("priority_levels", "allocation_tolerance"):
            if rparts.get(key) is not None:
                parts[key] = rparts[key]
        themes, theme_src = rthemes, roadmap
    found_levels = parts.get("priority_levels")
    levels = list(SettingsModel().priority_levels if found_levels is None else found_levels)
    out.extend(_check_levels(theme_src if roadmap and "priority_levels" in roadmap_data else config, levels))
    _check_themes(theme_src, themes, levels, today, result)
    out.extend(_check_sources(config, config_data))
    out.extend(_check_fields(config, parts, levels, [theme.id for _, _, theme in themes]))
    if not (roadmap_data if roadmap is not None else config_data).get("themes"):
        result.theme_file = theme_src.path
    out.extend(_check_run(config, parts))
    out.extend(sanity_problems(config, config_data))
    if "jira" not in config_data and "github" not in config_data:
        result.warnings.append(
            f"{config.path}: no [jira] or [github] section, so there is nothing to read; "
            "add one (see config.example.toml)"
        )
    if not out:
        merged = {k: v for k, v in config_data.items() if k != "themes"}
        merged["themes"] = (roadmap_data if roadmap is not None else config_data).get("themes", [])
        for key in ("priority_levels", "allocation_tolerance"):
            if roadmap_data.get(key) is not None:
                merged[key] = roadmap_data[key]
        result.data = merged
    return result


# --- the checks -------------------------------------------------------------------------


def _check_levels(src: Source, levels: list[str]) -> Iterator[str]:
    if not levels:
        yield src.problem(("priority_levels",), 'needs at least one level, highest first (e.g. ["P0", "P1"])')
    if any(not level.strip() for level in levels):
        yield src.problem(("priority_levels",), "has an empty level; give every level a name")
    for level in sorted({lv for lv in levels if levels.count(lv) > 1}):
        yield src.problem(("priority_levels",), f"level `{level}` is listed twice; list each level once")


# What a TOML basic (double-quoted) string turns these escapes into, shown back as typed.
_TOML_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _control_problem(pattern: str) -> str | None:
    """A control character in a pattern is almost always a TOML escape that was meant for the
    regex: in double quotes ``"\\bsso\\b"`` is a backspace, so the theme silently matches nothing."""
    controls = sorted({_typed(c) for c in pattern if _is_control(c)})
    if not controls:
        return None
    shown = "".join(_typed(c) if _is_control(c) else c for c in pattern)
    what = ", ".join(controls)
    return (
        f"the regular expression '{shown}' holds a control character ({what}): in a double-quoted TOML "
        "string a backslash starts an escape (\"\\b\" is a backspace, not a word boundary); write the "
        "pattern in single quotes, e.g. title = '(?i)\\bsso\\b'"
    )


def _is_control(char: str) -> bool:
    return ord(char) < 0x20 or ord(char) == 0x7F


def _typed(char: str) -> str:
    """A control character as it was probably typed (``\\b``), else as ``\\xNN``."""
    return _TOML_ESCAPES.get(char, f"\\x{ord(char):02x}")


def _regex_problem(pattern: str) -> str | None:
    control = _control_problem(pattern)
    if control:
        return control
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return (
            f"invalid regular expression '{pattern}': {reason}; roadsync uses RE2 syntax "
            "(no backreferences or lookaround)"
        )
    return None


def _check_themes(
    src: Source, themes: list[tuple[Source, int, ThemeModel]], levels: list[str], today: date, result: Checked
) -> None:
    out = result.problems
    first_id: dict[str, int] = {}
    for _, i, theme in themes:
        if theme.id in first_id:
            out.append(
                src.problem(
                    ("themes", i, "id"),
                    f"duplicate theme id `{theme.id}` (also themes"
                    f"[{first_id[theme.id]}]); give each theme its own id",
                )
            )
        first_id.setdefault(theme.id, i)
    alias_owner: dict[str, int] = {}
    share = 0.0
    for _, i, theme in themes:
        out.extend(_check_one_theme(src, i, theme, levels, first_id, alias_owner))
        if theme.status != "retired" and theme.target_share is not None:
            share += theme.target_share
        if theme.status == "active" and theme.retire_after is not None and theme.retire_after < today:
            result.warnings.append(
                src.problem(
                    ("themes", i, "retire_after"),
                    f"theme `{theme.id}` is active but its retire_after date {theme.retire_after} "
                    'has passed; set status = "retired" or move the date',
                )
            )
    if share > 1.0 + 1e-9:
        out.append(
            src.problem(
                ("themes",),
                f"target shares of active and paused themes sum to {share:.2f}, "
                "above 1; lower some target_share values",
            )
        )


def _check_one_theme(
    src: Source,
    i: int,
    theme: ThemeModel,
    levels: list[str],
    ids: dict[str, int],
    alias_owner: dict[str, int],
) -> Iterator[str]:
    if theme.priority not in levels:
        yield src.problem(
            ("themes", i, "priority"),
            f"unknown priority level `{theme.priority}`; "
            f"use one of {', '.join(levels)} (or add it to priority_levels)",
        )
    if theme.status == "retired" and theme.retire_after is None and not _has_key(src, i, "retire_after"):
        yield src.problem(
            ("themes", i, "retire_after"),
            f"theme `{theme.id}` is retired but has no "
            "retire_after date; add one (e.g. retire_after = 2025-06-30)",
        )
    for j, alias in enumerate(theme.aliases):
        loc: Loc = ("themes", i, "aliases", j)
        if alias == theme.id:
            yield src.problem(loc, f"alias `{alias}` repeats the theme's own id; remove it")
        elif alias in ids:
            yield src.problem(
                loc,
                f"alias `{alias}` is the id of themes[{ids[alias]}]; an alias must not name another theme",
            )
        elif alias in alias_owner:
            yield src.problem(
                loc,
                f"alias `{alias}` is already an alias of themes[{alias_owner[alias]}]; keep it on one theme",
            )
        alias_owner.setdefault(alias, i)
    for j, block in enumerate(theme.match):
        for key in ("title", "text"):
            pattern = getattr(block, key)
            reason = _regex_problem(pattern) if pattern is not None else None
            if reason:
                yield src.problem(("themes", i, "match", j, key), reason)


def _has_key(src: Source, i: int, key: str) -> bool:
    """Whether the file gives themes[i] this key (an invalid value is reported once, by the schema)."""
    themes = src.data.get("themes")
    return isinstance(themes, list) and i < len(themes) and isinstance(themes[i], dict) and key in themes[i]


def _url_problem(url: str, allow_http: bool) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return f"`{shown_url(url)}` is not a valid URL; write it like https://acme.atlassian.net"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"`{shown_url(url)}` is not an http(s) URL; write it like https://acme.atlassian.net"
    credentials = url_credentials_problem(url)
    if credentials:
        return credentials
    if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        return (
            f"`{url}` uses plain http to a non-loopback host; use https:// "
            "(or set run.allow_insecure_http = true on a trusted network)"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _section(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _check_sources(src: Source, data: Mapping[str, Any]) -> Iterator[str]:
    """URLs, key patterns and scopes, read from the raw data so a broken section still gets them."""
    allow_http = _section(data, "run").get("allow_insecure_http") is True
    jira, github = _section(data, "jira"), _section(data, "github")
    for name, section, keys in (("jira", jira, ("url",)), ("github", github, ("url", "graphql_url"))):
        for key in keys:
            value = section.get(key)
            reason = _url_problem(value, allow_http) if isinstance(value, str) else None
            if reason:
                yield src.problem((name, key), reason)
        pattern = section.get("key_pattern")
        reason = _regex_problem(pattern) if isinstance(pattern, str) else None
        if reason:
            yield src.problem((name, "key_pattern"), reason)
    if not isinstance(data.get("github"), dict):
        return  # absent, or a wrong type that the schema check reports
    repos = github.get("repos")
    if not repos and not github.get("org"):
        yield src.problem(
            ("github",), 'needs `repos` (e.g. repos = ["acme/web"]) or `org` (e.g. org = "acme")'
        )
    for j, repo in enumerate(repos if isinstance(repos, list) else []):
        if isinstance(repo, str) and not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            yield src.problem(
                ("github", "repos", j), f'`{repo}` is not a repository; write it as "owner/name"'
            )


def _check_fields(
    src: Source, parts: Mapping[str, Any], levels: list[str], theme_ids: list[str]
) -> Iterator[str]:
    fields = parts.get("fields")
    if fields is None:
        return
    if fields.unaligned_priority is not None and fields.unaligned_priority not in levels:
        yield src.problem(
            ("fields", "unaligned_priority"),
            f"unknown priority level `{fields.unaligned_priority}`; use one of {', '.join(levels)}",
        )
    for name in ("priority", "theme", "alignment"):
        managed = getattr(fields, name)
        for tracker in ("jira", "github"):
            target = getattr(managed, tracker) if managed is not None else None
            if target is not None:
                loc: Loc = ("fields", name, tracker)
                yield from _check_target(src, loc, name, tracker, target, parts, levels, theme_ids)


def _check_target(
    src: Source,
    loc: Loc,
    name: str,
    tracker: str,
    target: FieldTarget,
    parts: Mapping[str, Any],
    levels: list[str],
    theme_ids: list[str],
) -> Iterator[str]:
    allowed = [kind.name for kind in kinds_on(tracker)]
    if target.target not in allowed:
        yield src.problem(
            (*loc, "target"),
            f"target `{target.target}` does not exist on {tracker}; use one of {', '.join(allowed)}",
        )
        return
    github = parts.get("github")
    known: list[str] = levels if name == "priority" else list(ALIGNMENTS) if name == "alignment" else []
    context = TargetContext(
        name, tracker, known, github_board=None if github is None else github.project is not None,
        theme_ids=theme_ids,
    )  # fmt: skip
    for where, message in kind_of(target).problems(target, context):
        yield src.problem((*loc, *where), message)


def _check_run(src: Source, parts: Mapping[str, Any]) -> Iterator[str]:
    run = parts.get("run")
    if run is None:
        return
    kinds = [*DRIFT_KINDS, *FAIL_ON_EXTRA]
    for j, kind in enumerate(run.fail_on):
        if kind not in kinds:
            close = difflib.get_close_matches(kind, kinds, n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`?" if close else f"use some of {', '.join(kinds)}"
            yield src.problem(("run", "fail_on", j), f"unknown drift kind `{kind}`; {hint}")
