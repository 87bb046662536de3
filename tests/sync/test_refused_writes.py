"""A tracker that refuses roadsync's writes (401/403) stops its own writes, not the run's report.

A new user's first sync with a GitHub token that may read but not write (the GitHub emulator
answers ``FORBIDDEN`` to ``addLabelsToLabelable`` below triage, as GitHub does [docs: "Repository
roles for an organization", "Apply/dismiss labels"]) used to end with exit 1 and an empty stdout
although every Jira change had been written. Now the run goes on with the other tracker, prints
its report (what was applied, what was not and why) with exit 1, and says on stderr which tracker
refused what and what to do. Real CLI against the demo sandbox over real sockets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from roadsync.sandbox.github import TokenGrant as GithubGrant

READ_ONLY = "ghp_read_only_everywhere_0001"


def _sync(config: Path, env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "roadsync", "sync", "--config", str(config), "--format", "json"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr


def test_a_tracker_refusing_writes_leaves_the_others_written_and_reported(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    """GitHub refuses every write (403): Jira's changes are applied, the report is printed with
    exit 1 listing each GitHub change as not written with the refusal, stderr names GitHub, what
    it refused and what to do; the next sync with a good token writes the GitHub changes."""
    sandbox = sandbox_factory("demo", jira_flavor="cloud",
                              restricted_tokens={READ_ONLY: GithubGrant(writable=frozenset())})  # fmt: skip
    config = sandbox.write_config(tmp_path / "roadsync.toml")
    good = {**os.environ, **sandbox.info()["env"]}
    code, report, err = _sync(config, {**good, "ROADSYNC_SANDBOX_GITHUB_TOKEN": READ_ONLY})
    assert code == 1 and report, err
    applied = report["applied"]
    not_written = applied["not_written"]
    assert applied["applied"] > 0 and sandbox.stats()["jira"]["writes"] > 0
    assert not_written and all("#" in o["item"] for o in not_written), not_written
    assert all("github refused roadsync's writes" in o["error"] for o in not_written)
    assert sandbox.stats()["github"]["writes"] == 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("roadsync: github: writes refused") and "AddLabelsToLabelable" in lines[0]
    assert "write access to the repository" in lines[0] and f"{len(not_written)} change(s)" in lines[0]
    by_repo = Counter(o["item"].split("#")[0] for o in not_written)
    spread = ", ".join(f"{repo} {n}" for repo, n in sorted(by_repo.items()))
    assert len(by_repo) > 1 and f"not written ({spread}; listed in the report" in lines[0]
    assert "first refused request: GitHub GraphQL" in lines[0]
    assert READ_ONLY not in err and READ_ONLY not in json.dumps(report)
    code, report, err = _sync(config, good)
    assert code == 0, err
    assert (report["applied"]["applied"], report["applied"]["not_written"]) == (len(not_written), [])
    assert sandbox.stats()["github"]["writes"] > 0
