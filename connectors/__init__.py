"""Connectors: read items from Jira and GitHub into one model, write managed fields back.

Library objects (jira, PyGithub) never leave this package: they are converted at once by
pure functions into :class:`connectors.model.Item`.
"""

from __future__ import annotations

from connectors.model import Item, Source, StatusCategory

__all__ = ["Item", "Source", "StatusCategory"]
