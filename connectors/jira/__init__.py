"""The Jira connector: read issues and epics as Items, write managed fields back.

Public API: :class:`JiraReader`, :class:`JiraWriter`, the pure converter :func:`item_from_jira`
with :class:`FieldIds`, and :class:`JiraClient` (the one place that builds ``jira.JIRA``).
jira library objects never leave this package.
"""

from __future__ import annotations

from roadsync.connectors.jira.client import JiraClient
from roadsync.connectors.jira.convert import FieldIds, Flavor, item_from_jira
from roadsync.connectors.jira.reader import JiraReader
from roadsync.connectors.jira.writer import JiraWriter

__all__ = ["FieldIds", "Flavor", "JiraClient", "JiraReader", "JiraWriter", "item_from_jira"]
