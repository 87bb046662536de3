"""Connectors: read items from Jira and GitHub into one model, write managed fields back.

Library objects (jira, PyGithub) never leave this package: they are converted at once by
pure functions into :class:`roadsync.connectors.model.Item`.
"""

from __future__ import annotations

from roadsync.connectors.model import Item, Source, StatusCategory

__all__ = ["Item", "Source", "StatusCategory"]
