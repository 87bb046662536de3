"""The GitHub connector: read issues and the Projects v2 board, write managed fields.

PyGithub and httpx objects never leave this package; callers get :class:`~roadsync.connectors.model.Item`,
:class:`ProjectSnapshot` and :class:`~roadsync.changes.WriteOutcome`.
"""

from __future__ import annotations

from roadsync.connectors.github.client import GithubClient, graphql_url_for
from roadsync.connectors.github.convert import BoardItem, ProjectField, ProjectSnapshot, item_from_issue
from roadsync.connectors.github.reader import EtagStore, GithubReader, PreviousItem, read_project
from roadsync.connectors.github.writer import GithubWriter

__all__ = [
    "BoardItem",
    "EtagStore",
    "GithubClient",
    "GithubReader",
    "GithubWriter",
    "PreviousItem",
    "ProjectField",
    "ProjectSnapshot",
    "graphql_url_for",
    "item_from_issue",
    "read_project",
]
