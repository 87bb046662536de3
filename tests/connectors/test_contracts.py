"""Both trackers' connectors implement the Reader and Writer contracts the engine calls."""

from __future__ import annotations

from roadsync.config.model import GithubConfig, JiraConfig
from roadsync.connectors.contracts import Reader, Writer
from roadsync.connectors.github import GithubReader, GithubWriter
from roadsync.connectors.jira import JiraReader, JiraWriter
from roadsync.sync.sources import TRACKERS

JIRA = JiraConfig(url="http://127.0.0.1:9", email="bot@example.com", projects=["PAY"], write_concurrency=4)
GITHUB = GithubConfig(url="http://127.0.0.1:9", repos=["acme/web"])


def test_connectors_declare_what_apply_and_pull_use() -> None:
    """Writers say how many items they take at once, hold nothing before a write, and close twice safely.

    Building a connector sends nothing (Jira connects on first use), so no tracker is needed here;
    mypy checks the full signatures where roadsync.sync.sources builds them as Reader / Writer."""
    readers: list[Reader] = [JiraReader(JIRA, "t"), GithubReader(GITHUB, "t")]
    writers: list[Writer] = [JiraWriter(JIRA, "t", {}), GithubWriter(GITHUB, "t", {})]
    assert [w.concurrency for w in writers] == [4, 1]
    assert [w.flush() for w in writers] == [[], []]
    assert [c.requests for c in [*readers, *writers]] == [0, 0, 0, 0]
    for connection in [*readers, *writers]:
        connection.close()
        connection.close()  # idempotent
    assert [r.source for r in readers] == ["jira", "github"]


def test_one_table_names_every_tracker() -> None:
    """The tracker table is where pull and apply find trackers: Jira and GitHub, each once."""
    assert [tracker.name for tracker in TRACKERS] == ["jira", "github"]
