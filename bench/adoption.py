"""First adoption: no item carries its theme tag yet, so every mapped item needs a label added.

The bench data always carries the ``theme:``/``theme/`` tags, so a first sync never adds a GitHub
label; a team adopting roadsync starts without them. This scenario strips every theme tag from
the fixture, runs roadsync's first sync with GitHub writes paced 1 s apart and GitHub's documented
secondary limits in force in the sandbox (2,000 GraphQL points and 80/500 content-creating
requests a minute/hour, :data:`roadsync.sandbox.github.DOCUMENTED`), and compares it with the
floor at the same pacing. It runs at a small size, GitHub writes paced at 1 s.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bench.scenarios import Measured, Size, _env, _measure, _sync_once, make_fixture, write_config

__all__ = ["ADOPTION_PACING_S", "run_adoption", "without_theme_tags"]

ADOPTION_PACING_S = 1.0
"""GitHub's "wait at least one second between each request" for mutative requests [docs:
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api]."""

_TAGS = ("theme:", "theme/")


def without_theme_tags(fixture: dict[str, Any]) -> dict[str, Any]:
    """``fixture`` with every theme tag label removed from every item (a copy)."""
    stripped = copy.deepcopy(fixture)
    for tracker in ("jira", "github"):
        for issue in stripped.get(tracker, {}).get("issues", []):
            issue["labels"] = [label for label in issue.get("labels", []) if not label.startswith(_TAGS)]
    return stripped


def run_adoption(size: Size, *, latency_ms: int, folder: Path) -> Measured:
    """roadsync's first sync of a backlog without theme tags, paced and limited as GitHub is."""
    from roadsync.sandbox.github import DOCUMENTED
    from roadsync.sandbox.server import start_sandbox

    fixture = without_theme_tags(dict(make_fixture(size)))
    limits = DOCUMENTED.to_dict()
    with start_sandbox(fixture, latency_ms=latency_ms, github_limits=limits) as sandbox:
        config = write_config(sandbox, folder, ADOPTION_PACING_S)
        _env(sandbox)
        return _measure("adoption", sandbox, lambda m: _sync_once(config, m), None)
