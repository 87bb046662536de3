"""Pull: the cursor rule (pure), and whole pulls against the sandbox trackers over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from roadsync.config.load import Settings, load_settings
from roadsync.connectors.model import Item
from roadsync.errors import AuthError, BudgetExhausted, TrackerError
from roadsync.sandbox.server import Sandbox, start_sandbox
from roadsync.sync.lock import run_lock
from roadsync.sync.pull import PullResult, next_cursor, parse_time, pull, pull_into, wants_full
from roadsync.sync.state import open_state

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
FLAVORS = ["cloud", "datacenter"]
JIRA_ISSUES = 7
GITHUB_ISSUES = {"web": 5, "api": 3}


# -- the cursor rule (pure) -----------------------------------------------------------------------


def at(text: str) -> datetime:
    moment = parse_time(text)
    assert moment is not None
    return moment


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        # the first pull: its start
        (None, "2026-03-01T12:00:00Z"),
        # a quiet scope moves on to this run's start: the next window starts here, not at the
        # last change seen (which would re-read the last big sync's writes on every run)
        ("2026-02-01T00:00:00Z", "2026-03-01T12:00:00Z"),
        # never backwards: a run whose clock is behind the previous one's cannot rewind it
        ("2026-03-01T13:00:00Z", "2026-03-01T13:00:00Z"),
    ],
)
def test_next_cursor(previous: str | None, expected: str) -> None:
    """The cursor is the pull's start and never moves back."""
    assert next_cursor(previous, NOW) == expected


def test_full_refresh_cadence() -> None:
    """A scope is pulled in full when never pulled, never fully, or the last full pull is too old."""
    recent, old = "2026-03-01T00:00:00Z", "2026-02-27T00:00:00Z"
    assert wants_full(None, recent, NOW, 24)
    assert wants_full(recent, None, NOW, 24)
    assert wants_full(recent, old, NOW, 24)
    assert not wants_full(recent, recent, NOW, 24)


def test_parse_time_reads_every_tracker_format() -> None:
    """Jira's offsets, GitHub's Z and fractions all parse to the same UTC instant; junk gives None."""
    expected = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    assert parse_time("2026-03-01T10:30:00.000+0100") == expected
    assert parse_time("2026-03-01T09:30:00Z") == expected
    assert parse_time("2026-03-01T09:30:00+00:00") == expected
    assert parse_time("yesterday") is None and parse_time("") is None


# -- pull_into with in-memory readers (fakes of the connector seam, like httpx's MockTransport) ---


def item(key: str, updated: str, source: str = "jira", scope: str = "PAY") -> Item:
    return Item(source=source, key=key, scope=scope, url="", kind="issue", title=key, updated=updated)  # type: ignore[arg-type]


class ListReader:
    """Serves fixed items per scope; raises ``error`` after ``fail_after`` items when set."""

    def __init__(self, source: str, items: dict[str, list[Item]], *, error: TrackerError | None = None,
                 fail_after: int = 0) -> None:  # fmt: skip
        self.source = source
        self.items = items
        self.error = error
        self.fail_after = fail_after
        self.requests = 0
        self.since_asked: list[str | None] = []
        self.pulls_ended = 0

    def scopes(self) -> list[str]:
        return list(self.items)

    def close(self) -> None:
        self.closed = True

    def lost_scopes(self) -> set[str]:
        return set()

    def pulled(self) -> None:
        self.pulls_ended += 1

    def fetch_items(self, scope: str, since: str | None) -> Iterator[Item]:
        self.requests += 1
        self.since_asked.append(since)
        for n, found in enumerate(self.items[scope]):
            if self.error is not None and n == self.fail_after:
                raise self.error
            yield found


def test_failed_source_keeps_what_it_read_and_the_rest_runs(tmp_path: Path) -> None:
    """A source failing mid-scope keeps the items read, leaves its cursor, and the result is exit 4."""
    mirror, _ = open_state(tmp_path)
    budget = BudgetExhausted("GitHub core budget down to 5", source="github")
    web = [item(f"acme/web#{n}", "2026-03-01T10:00:00Z", "github", "acme/web") for n in range(3)]
    github = ListReader("github", {"acme/web": web}, error=budget, fail_after=2)
    jira = ListReader("jira", {"PAY": [item("PAY-1", "2026-03-01T10:00:00Z")]})
    result = pull_into(mirror, [github, jira], now=NOW)
    assert (result.exit_code, result.sources["github"].total, result.sources["jira"].total) == (4, 2, 1)
    assert mirror.cursor("github", "acme/web") is None
    assert mirror.cursor("jira", "PAY") is not None


def test_each_reader_is_told_once_that_the_pull_is_over(tmp_path: Path) -> None:
    """Every reader, the failed one too, gets ``pulled()`` once, after its last scope."""
    mirror, _ = open_state(tmp_path)
    denied = AuthError("token rejected", source="github", status=401)
    github = ListReader("github", {"acme/web": [item("acme/web#1", "2026-03-01T10:00:00Z", "github")]},
                        error=denied)  # fmt: skip
    jira = ListReader("jira", {"PAY": [item("PAY-1", "2026-03-01T10:00:00Z")], "OPS": []})
    pull_into(mirror, [github, jira], now=NOW)
    assert (github.pulls_ended, jira.pulls_ended) == (1, 1)


def test_every_source_failing_for_auth_is_exit_1(tmp_path: Path) -> None:
    """When every source fails for a reason other than budget, the pull is an error (exit 1)."""
    mirror, _ = open_state(tmp_path)
    denied = AuthError("token rejected", source="jira", status=401)
    reader = ListReader("jira", {"PAY": [item("PAY-1", "2026-03-01T10:00:00Z")]}, error=denied)
    assert pull_into(mirror, [reader], now=NOW).exit_code == 1


def test_items_edited_during_a_full_pull_make_it_unstable(tmp_path: Path) -> None:
    """A full pass that saw an item stamped after its start removes nothing and stays full next run."""
    mirror, _ = open_state(tmp_path)
    mirror.upsert([item("PAY-9", "2026-02-01T00:00:00Z")])
    reader = ListReader("jira", {"PAY": [item("PAY-1", "2026-03-01T12:00:05Z")]})
    result = pull_into(mirror, [reader], now=NOW, full=True)
    assert result.sources["jira"].scopes[0].unstable and mirror.get("PAY-9") is not None
    assert mirror.cursor("jira", "PAY") is None
    stable = ListReader("jira", {"PAY": [item("PAY-1", "2026-03-01T11:00:00Z")]})
    pull_into(mirror, [stable], now=NOW + timedelta(minutes=1))
    assert stable.since_asked == [None] and mirror.get("PAY-9") is None


def test_incremental_pull_asks_from_cursor_minus_overlap(tmp_path: Path) -> None:
    """After a full pull the next one asks for items since the previous pull's start minus the
    overlap window (not since the newest item seen, 11:00)."""
    mirror, _ = open_state(tmp_path)
    reader = ListReader("jira", {"PAY": [item("PAY-1", "2026-03-01T11:00:00Z")]})
    pull_into(mirror, [reader], now=NOW)
    second = pull_into(mirror, [reader], now=NOW + timedelta(hours=1), overlap_minutes=5)
    assert reader.since_asked == [None, "2026-03-01T11:55:00Z"]
    assert (second.sources["jira"].fetched, second.sources["jira"].unchanged) == (0, 1)


# -- against the sandbox --------------------------------------------------------------------------


def stamp(hours_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed() -> dict[str, Any]:
    jira_issues = [
        {
            "key": f"PAY-{n}",
            "type": "Task",
            "summary": f"Task {n}",
            "created": stamp(48),
            "updated": stamp(30 - n),
        }
        for n in range(1, JIRA_ISSUES + 1)
    ]
    github_issues = [
        {
            "repo": repo,
            "number": n,
            "title": f"{repo} issue {n}",
            "created_at": stamp(48),
            "updated_at": stamp(20 - n),
        }
        for repo, count in GITHUB_ISSUES.items()
        for n in range(1, count + 1)
    ]
    return {
        "jira": {"projects": [{"key": "PAY", "name": "Payments"}], "issues": jira_issues},
        "github": {
            "owner": "acme",
            "repos": [{"name": name} for name in GITHUB_ISSUES],
            "issues": github_issues,
        },
        "themes": [{"id": "tasks", "name": "Tasks", "priority": "P2", "match": [{"title": "(?i)task"}]}],
    }


class Trackers:
    """A sandbox, its config file, and pulls with the config's settings."""

    def __init__(self, sandbox: Sandbox, folder: Path) -> None:
        self.sandbox = sandbox
        self.config = sandbox.write_config(folder / "roadsync.toml")
        self.env = {**os.environ, **sandbox.env()}
        self.settings: Settings = load_settings(self.config, env=self.env)

    def pull(self, *, full: bool = False) -> PullResult:
        return pull(self.settings, full=full, now=datetime.now(timezone.utc))

    def mirror_keys(self) -> set[str]:
        mirror, _ = open_state(self.settings.state_dir)
        try:
            return {item.key for item in mirror.items()}
        finally:
            mirror.conn.close()

    def set_github_budget(self, remaining: int | None) -> None:
        body = {"limit": 5000, "remaining": remaining}
        httpx.post(self.sandbox.control_url + "/github/budget", json=body).raise_for_status()


@pytest.fixture(params=FLAVORS)
def trackers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Trackers]:
    with start_sandbox(seed(), jira_flavor=request.param) as sandbox:
        yield Trackers(sandbox, tmp_path)


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Trackers]:
    with start_sandbox(seed(), jira_flavor="cloud") as sandbox:
        yield Trackers(sandbox, tmp_path)


def counts(result: PullResult) -> dict[str, tuple[int, int]]:
    return {name: (source.fetched, source.total) for name, source in result.sources.items()}


def test_full_then_unchanged_incremental_pull(trackers: Trackers) -> None:
    """The first pull fetches every item; a no-change pull fetches none, about one request per scope."""
    first = trackers.pull()
    github_total = sum(GITHUB_ISSUES.values())
    assert counts(first) == {"jira": (JIRA_ISSUES, JIRA_ISSUES), "github": (github_total, github_total)}
    assert first.exit_code == 0 and all(source.full for source in first.sources.values())
    second = trackers.pull()
    assert counts(second) == {"jira": (0, JIRA_ISSUES), "github": (0, github_total)}
    assert not any(source.full for source in second.sources.values())
    # Jira: one search page (+ the once-per-reader metadata calls); GitHub: one (304) per repo.
    assert second.sources["jira"].requests <= 1 + 3
    assert second.sources["github"].requests <= len(GITHUB_ISSUES)
    assert second.to_json()["sources"]["jira"]["fetched"] == 0


def test_edits_by_a_person_are_fetched_next_time(trackers: Trackers) -> None:
    """An edit made in each tracker between pulls is fetched (and only it) and lands in the mirror."""
    trackers.pull()
    trackers.sandbox.jira_store.edit_as_person("PAY-3", labels_add=["hand-made"])
    trackers.sandbox.github_store.edit_as_person("acme/web#2", title="renamed by a person")
    result = trackers.pull()
    assert counts(result) == {"jira": (1, JIRA_ISSUES), "github": (1, sum(GITHUB_ISSUES.values()))}
    mirror, _ = open_state(trackers.settings.state_dir)
    jira_item, github_item = mirror.get("PAY-3"), mirror.get("acme/web#2")
    mirror.conn.close()
    assert jira_item is not None and "hand-made" in jira_item.labels
    assert github_item is not None and github_item.title == "renamed by a person"


def test_full_refresh_drops_deleted_items(trackers: Trackers) -> None:
    """Deleted items stay through incremental pulls and leave the mirror on the next full refresh."""
    trackers.pull()
    trackers.sandbox.jira_store.delete("PAY-2")
    trackers.sandbox.github_store.delete("acme/api#1")
    trackers.pull()
    assert {"PAY-2", "acme/api#1"} <= trackers.mirror_keys()
    result = trackers.pull(full=True)
    assert not {"PAY-2", "acme/api#1"} & trackers.mirror_keys()
    assert result.sources["jira"].removed == 1 and result.sources["github"].removed == 1
    assert counts(result) == {"jira": (0, JIRA_ISSUES - 1), "github": (0, sum(GITHUB_ISSUES.values()) - 1)}


def test_exhausted_budget_is_incomplete_and_the_next_run_loses_nothing(cloud: Trackers) -> None:
    """A spent GitHub budget stops that source (exit 4) keeping what was read; the next run completes it."""
    reserve = cloud.settings.model.run.budget_reserve
    cloud.set_github_budget(reserve)  # the first request answers "reserve - 1 left": stop after it
    first = cloud.pull()
    github = first.sources["github"]
    assert first.exit_code == 4 and github.failed and "budget" in (github.error or "")
    assert first.sources["jira"].total == JIRA_ISSUES and not first.sources["jira"].failed
    assert "error" in first.to_json()["sources"]["github"]
    assert 0 < github.total < sum(GITHUB_ISSUES.values())
    cloud.set_github_budget(None)
    second = cloud.pull()
    assert second.exit_code == 0
    assert second.sources["github"].total == sum(GITHUB_ISSUES.values())
    assert second.sources["github"].fetched == sum(GITHUB_ISSUES.values()) - github.total


def run_cli(trackers: Trackers, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "roadsync", "pull", "--config", str(trackers.config), *args]
    return subprocess.run(command, env=trackers.env, capture_output=True, text=True, timeout=120)


def test_cli_prints_one_json_document(cloud: Trackers) -> None:
    """`roadsync pull --format json` exits 0 and prints exactly the per-source JSON document."""
    done = run_cli(cloud, "--full", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["sources"]["jira"]["fetched"] == JIRA_ISSUES
    assert document["sources"]["github"]["total"] == sum(GITHUB_ISSUES.values())
    assert {"fetched", "total", "requests"} <= set(document["sources"]["github"])
    assert cloud.sandbox.jira_token not in done.stdout + done.stderr


def test_cli_exits_75_while_another_run_holds_the_lock(cloud: Trackers) -> None:
    """A pull started while another run holds the lock exits 75 and names the lock file."""
    with run_lock(cloud.settings.state_dir):
        done = run_cli(cloud)
    assert done.returncode == 75
    assert "roadsync.lock" in done.stderr and done.stdout == ""
