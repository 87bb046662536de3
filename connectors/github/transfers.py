"""Issues that came into a repository by transfer, and the repositories they left.

A transferred issue gets a new number, database id and node id in the repository it moves to
[research github.md §2: MarcusJellinghaus/mcp-workspace#256, GoogleCloudPlatform/
repo-automation-playground#85] and leaves its old repository's listing without a trace that an
incremental read (``since``) could see: the old key would stay in the mirror beside the new one
until the next periodic full refresh, one issue counted twice. What the issue carries in its new
home is a ``TransferredEvent`` in its timeline naming ``fromRepository`` [GitHub GraphQL schema,
``TransferredEvent`` and ``IssueTimelineItemsItemType.TRANSFERRED_EVENT``, tests/api; research
github.md §2 "Events"].

So the reader asks, for the issues an incremental read meets for the first time, where each came
from (:func:`transferred_from`: one GraphQL request per 100 such issues, none on a run without new
issues), and the pull reads those repositories in full again in the same run, which forgets the
keys no longer there (``roadsync.sync.pull``).
"""

from __future__ import annotations

from collections.abc import Sequence

from roadsync.connectors.github import graphql as documents
from roadsync.connectors.github.client import GithubClient

__all__ = ["PAGE", "transferred_from"]

PAGE = 100  # ids per ``nodes(ids:)`` request (GitHub's limit)


def transferred_from(client: GithubClient, node_ids: Sequence[str], scope: str) -> set[str]:
    """The ``owner/repo`` names the issues ``node_ids`` were transferred from (any case, as GitHub
    spells them). An id gone meanwhile answers ``null`` with a ``NOT_FOUND`` next to the others'
    data and is passed over."""
    sources: set[str] = set()
    for start in range(0, len(node_ids), PAGE):
        ids = list(node_ids[start : start + PAGE])
        result = client.graphql(documents.TRANSFERS_QUERY, {"ids": ids}, item=scope, partial=True)
        for node in result.data.get("nodes") or ():
            for event in ((node or {}).get("timelineItems") or {}).get("nodes") or ():
                name = ((event or {}).get("fromRepository") or {}).get("nameWithOwner")
                if name:
                    sources.add(str(name))
    return sources
