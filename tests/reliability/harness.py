"""Shared helpers of the reliability suite: a small company, canonical tracker snapshots,
duplicate detection from the trackers' own histories, and the real CLI run in-process.

Nothing here touches roadsync's code paths: runs go through ``roadsync.cli.main`` (or a real
``roadsync`` subprocess) against sandbox trackers served over loopback sockets.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

from roadsync.cli import main
from roadsync.sandbox.demo import demo_fixture
from roadsync.sandbox.sandbox_config import config_toml
from roadsync.sandbox.server import Sandbox

# Test knob: every retry sleep shrinks 1000x (Retry-After 1 s -> 1 ms, the secondary-limit
# minute -> 60 ms) without changing what is retried or when a run stops.
RETRY_SCALE = "0.001"
ROADSYNC_BOT = ("roadsync bot", "roadsync-bot")
MARKER_FIELD = "roadsync"
"""The Projects v2 field roadsync keeps its ownership marker in (``github.project.marker_field``)."""

Snapshot = dict[str, Any]


def small_fixture(jira_per_project: int = 10, github_per_repo: int = 6) -> dict[str, Any]:
    """The demo company cut down to its first issues per project and repo (links kept inside)."""
    full: dict[str, Any] = copy.deepcopy(dict(demo_fixture()))
    jira: dict[str, Any] = full["jira"]
    github: dict[str, Any] = full["github"]
    jira["issues"] = [i for i in jira["issues"] if int(i["key"].rsplit("-", 1)[1]) <= jira_per_project]
    kept_jira = {i["key"] for i in jira["issues"]}
    for issue in jira["issues"]:
        if issue.get("parent") not in kept_jira:
            issue["parent"] = None
    github["issues"] = [i for i in github["issues"] if i["number"] <= github_per_repo]
    kept = {f"{github['owner']}/{i['repo']}#{i['number']}" for i in github["issues"]}
    for issue in github["issues"]:
        if issue.get("parent") is not None and issue["parent"] > github_per_repo:
            issue["parent"] = None
    project = github.get("project")
    if project:
        project["items"] = [item for item in project.get("items", []) if item["issue"] in kept]
    _unset_managed(jira["issues"], github["issues"], project)
    return full


def _unset_managed(jira: list[dict[str, Any]], github: list[dict[str, Any]], project: Any) -> None:
    # Take the managed values off so the first sync has writes to make on nearly every item.
    for issue in jira:
        issue["labels"] = [x for x in issue.get("labels", []) if not x.startswith("theme:")]
        issue["priority"] = "Lowest"
        issue.get("fields", {}).pop("Alignment", None)
    for issue in github:
        issue["labels"] = [x for x in issue.get("labels", []) if not x.startswith("theme/")]
    for item in (project or {}).get("items", []):
        item["values"] = {k: v for k, v in item.get("values", {}).items() if k == "Estimate"}


def write_config(sandbox: Sandbox, path: Path, extra: str = "") -> Path:
    """The demo roadmap and managed fields for ``sandbox`` (whatever its seed), plus ``extra`` TOML."""
    text = config_toml(sandbox, roadmap="demo")
    # The small company's first sync touches nearly every item: above the default guard.
    text = text.replace("[run]\n", "[run]\nmax_changes = 100000\n", 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_merge_sections(text, extra), encoding="utf-8")
    return path


def _merge_sections(text: str, extra: str) -> str:
    # Keys for a section that the sandbox config already opens go right under its header.
    for block in [b for b in extra.strip().split("\n\n") if b.strip()]:
        header, _, body = block.strip().partition("\n")
        if header in text.splitlines():
            text = text.replace(header + "\n", f"{header}\n{body}\n", 1)
        else:
            text += f"\n{block.strip()}\n"
    return text


def cli_env(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    env = dict(sandbox.info()["env"])
    env["ROADSYNC_RUN__RETRY_SCALE"] = RETRY_SCALE
    env.update(extra)
    return env


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_cli(config: Path, *args: str, env: Mapping[str, str], fmt: str = "json") -> tuple[int, Any, str]:
    """Run the real CLI in-process: (exit code, parsed stdout (JSON) or text, stderr)."""
    out, err = StringIO(), StringIO()
    with environment(env), redirect_stdout(out), redirect_stderr(err):
        try:
            main([*args, "--config", str(config), "--format", fmt])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
    text = out.getvalue()
    document: Any = text
    if fmt == "json" and text.strip():
        try:
            document = json.loads(text)
        except ValueError:
            document = text
    return code, document, err.getvalue()


def synced(sandbox: Sandbox, folder: Path, extra: str = "") -> tuple[Path, dict[str, str], Any]:
    """A config for ``sandbox`` in ``folder`` (:func:`write_config`), its CLI environment, and the
    JSON report of a first ``sync`` that succeeded."""
    config = write_config(sandbox, folder / "roadsync.toml", extra)
    env = cli_env(sandbox)
    code, report, err = run_cli(config, "sync", env=env)
    assert code == 0, err
    return config, env, report


def spawn_cli(config: Path, *args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """A real ``roadsync`` process (for kill -9 and lock tests)."""
    return subprocess.Popen(
        [sys.executable, "-m", "roadsync", *args, "--config", str(config), "--format", "json"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def sync_until_done(config: Path, env: Mapping[str, str], *, tries: int = 4) -> list[int]:
    """``roadsync sync`` at most ``tries`` times (a first run plus retries) until it exits 0."""
    codes: list[int] = []
    for _ in range(tries):
        code, _, err = run_cli(config, "sync", env=env)
        assert "Traceback" not in err, err
        codes.append(code)
        if code == 0:
            break
    return codes


def snapshot(sandbox: Sandbox) -> Snapshot:
    """Every tracker value roadsync could touch, without times or ids: labels, priorities,
    custom fields, issue types and Projects v2 values (by field and option name); not roadsync's
    own marker field (its ownership record, tested in test_ownership*.py)."""
    jira_store, github_store = sandbox.jira_store, sandbox.github_store
    custom_names = {f.id: f.name for f in jira_store.catalog.custom_fields}
    jira = {
        issue.key: {
            "labels": sorted(issue.labels),
            "priority": issue.priority,
            "custom": {
                custom_names.get(k, k): _plain(v, jira_store, k) for k, v in sorted(issue.custom.items())
            },
        }
        for issue in jira_store.issues()
    }
    github: dict[str, Any] = {}
    for repo in github_store.repos.values():
        for issue in repo.issues.values():
            key = f"{repo.owner}/{repo.name}#{issue.number}"
            github[key] = {"labels": sorted(issue.labels), "type": issue.type, "state": issue.state}
    for project in github_store.projects:
        for item in project.items:
            issue = item.issue
            values = {}
            for field_id, value in item.values.items():
                field = project.field_by_id(field_id)
                if field is not None and field.name != MARKER_FIELD:  # roadsync's bookkeeping
                    values[field.name] = field.option_name(value) or value
            key = f"{github_store.owner}/{issue.repo}#{issue.number}"
            github.setdefault(key, {})["board"] = dict(sorted(values.items()))
    return {"jira": dict(sorted(jira.items())), "github": dict(sorted(github.items()))}


def _plain(value: Any, store: Any, field_id: str) -> Any:
    field = store.catalog.custom_field(field_id)
    if field is not None and field.kind == "select" and isinstance(value, str):
        option = field.option_by_id(value)
        return option.value if option else value
    return value


def bot_history(sandbox: Sandbox) -> Counter[tuple[str, ...]]:
    """What roadsync changed, from the trackers' own histories: one count per (item, field,
    from, to) in Jira changelogs, per (issue, labeled/unlabeled, label) in GitHub events and per
    (issue, board field, value) in the GitHub emulator's record of board value changes."""
    seen: Counter[tuple[str, ...]] = Counter()
    for issue in sandbox.jira_store.issues():
        for group in issue.changelog:
            if group.author in ROADSYNC_BOT:
                for item in group.items:
                    seen[(issue.key, item.field, str(item.from_string), str(item.to_string))] += 1
    store = sandbox.github_store
    for repo in store.repos.values():
        for number, gh_issue in repo.issues.items():
            for event in gh_issue.events:
                if event.actor == store.user_login and event.label is not None:
                    seen[(f"{repo.owner}/{repo.name}#{number}", event.event, event.label[0])] += 1
    for project in store.projects:
        for item in project.items:
            key = f"{store.owner}/{item.issue.repo}#{item.issue.number}"
            for field_id, value, actor, _ in item.history:
                field = project.field_by_id(field_id)
                # The marker field is roadsync's record of what it wrote, set with the values (and
                # corrected when one of them was not set): bookkeeping, not a managed value.
                if actor == store.user_login and field is not None and field.name != MARKER_FIELD:
                    shown = field.option_name(value) or value if value is not None else None
                    seen[(key, "board", field.name, str(shown))] += 1
    return seen


def duplicates(history: Counter[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """History entries roadsync made more than once (a label added twice, a value set twice)."""
    return {key: count for key, count in history.items() if count > 1}
