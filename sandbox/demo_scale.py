"""Large synthetic fixtures for benchmarks: :func:`generate_fixture` and its roadmap.

Items spread evenly over ``projects`` Jira projects (``PA``, ``PB``, ...) and ``repos``
repositories (``acme/repo-0``, ...). Each item carries an ``area-N`` label that the roadmap of
:func:`scale_roadmap_toml` maps to theme ``tN`` (one item in ten carries none: unaligned), and
already carries the managed values that roadmap implies, except a seeded ``change_share`` of
the open items whose priority or alignment is stale. 100k items build in well under a second
or two; the stores take the rest.
"""

from __future__ import annotations

import random
import string
from typing import Any

from roadsync.sandbox.fixture import Fixture

__all__ = ["SCALE_THEMES", "generate_fixture", "scale_roadmap_toml"]

SCALE_THEMES = 8
_LEVELS = ["P0", "P1", "P2", "P3"]
_JIRA = {"P0": "Highest", "P1": "High", "P2": "Medium", "P3": "Low", "P4": "Lowest"}
_STALE = {"P0": "P2", "P1": "P3", "P2": "P4", "P3": "P1"}
_ALIGN = ["aligned", "inherited", "unaligned", "retired", "paused"]


def _project_key(i: int) -> str:
    letters = string.ascii_uppercase
    return "P" + letters[i % 26] + ("" if i < 26 else str(i // 26))


def _values(rng: random.Random, i: int, change_share: float) -> tuple[str | None, str, str | None]:
    """(theme, priority level, alignment) an item carries; stale for ``change_share`` of them."""
    theme = None if i % 10 == 9 else i % SCALE_THEMES
    if theme is None:
        return None, "P2", "unaligned"
    level, alignment = _LEVELS[theme % 4], "aligned"
    if rng.random() < change_share:
        if rng.random() < 0.5:
            level = _STALE[level]
        else:
            alignment = None  # type: ignore[assignment]
    return f"t{theme}", level, alignment


def generate_fixture(
    jira_items: int,
    github_items: int,
    *,
    seed: int = 0,
    repos: int = 3,
    projects: int = 2,
    change_share: float = 0.1,
) -> Fixture:
    """A deterministic fixture of the given size (closed items: one in four, never stale)."""
    if repos < 1 or projects < 1:
        raise ValueError("repos and projects must be at least 1")
    rng = random.Random(seed)
    keys = [_project_key(i) for i in range(projects)]
    jira_issues: list[dict[str, Any]] = []
    for i in range(jira_items):
        project = keys[i % projects]
        closed = i % 4 == 3
        theme, level, alignment = _values(rng, i, 0.0 if closed else change_share)
        labels = [f"area-{theme[1:]}", f"theme:{theme}"] if theme else ["misc"]
        day = 1 + i % 28
        jira_issues.append(
            {
                "key": f"{project}-{i // projects + 1}",
                "type": "Bug" if i % 7 == 0 else "Story",
                "summary": f"Work item {i} in {project}",
                "status": "Done" if closed else "To Do",
                "labels": labels,
                "priority": _JIRA[level],
                "fields": {"Alignment": alignment},
                "created": f"2026-01-{day:02d}T10:00:00Z",
                "updated": f"2026-02-{day:02d}T10:{i % 60:02d}:00Z",
            }
        )
    gh_issues: list[dict[str, Any]] = []
    board: list[dict[str, Any]] = []
    for i in range(github_items):
        repo = f"repo-{i % repos}"
        number = i // repos + 1
        closed = i % 4 == 3
        theme, level, alignment = _values(rng, i, 0.0 if closed else change_share)
        labels = [f"area-{theme[1:]}", f"theme/{theme}"] if theme else ["misc"]
        day = 1 + i % 28
        gh_issues.append(
            {
                "repo": repo,
                "number": number,
                "title": f"Work item {i} in {repo}",
                "labels": labels,
                "state": "closed" if closed else "open",
                "type": "Bug" if i % 7 == 0 else "Feature",
                "created_at": f"2026-01-{day:02d}T10:00:00Z",
                "updated_at": f"2026-02-{day:02d}T10:{i % 60:02d}:00Z",
            }
        )
        board.append(  # the board item last changed with its issue, as a board left alone is
            {"issue": f"acme/{repo}#{number}", "values": {"Priority": level, "Alignment": alignment},
             "updated_at": f"2026-02-{day:02d}T10:{i % 60:02d}:00Z"}
        )
    return {
        "jira": {
            "projects": [{"key": k, "name": f"Project {k}"} for k in keys],
            "custom_fields": [
                {"name": "Alignment", "type": "select", "options": _ALIGN},
                {"name": "Story Points", "type": "number"},
            ],
            "issues": jira_issues,  # type: ignore[typeddict-item]
        },
        "github": {
            "owner": "acme",
            "repos": [{"name": f"repo-{r}"} for r in range(repos)],
            "issue_types": ["Bug", "Feature", "Task"],
            "issues": gh_issues,  # type: ignore[typeddict-item]
            "project": {
                "number": 1,
                "title": "Roadmap",
                "owner": "acme",
                "fields": [
                    {"name": "Priority", "type": "single_select", "options": [*_LEVELS, "P4"]},
                    {"name": "Alignment", "type": "single_select", "options": _ALIGN},
                    {"name": "Estimate", "type": "number"},
                ],
                "items": board,  # type: ignore[typeddict-item]
            },
        },
    }


def scale_roadmap_toml() -> str:
    """The roadmap that fits :func:`generate_fixture`: theme ``tN`` matches label ``area-N``."""
    blocks = []
    for n in range(SCALE_THEMES):
        blocks.append(
            f'[[themes]]\nid = "t{n}"\nname = "Theme {n}"\npriority = "{_LEVELS[n % 4]}"\n'
            f'[[themes.match]]\nlabels = ["area-{n}"]\n'
        )
    return 'priority_levels = ["P0", "P1", "P2", "P3", "P4"]\n\n' + "\n".join(blocks)
