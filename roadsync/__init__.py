"""roadsync: keep a product roadmap and the Jira/GitHub backlog in step.

The distribution ships four top-level packages:

- ``connectors`` reads and writes Jira and GitHub, and holds the sandbox trackers;
- ``mappings`` is the roadmap model and the rule engine that maps items to themes;
- ``sync`` plans, applies, keeps state, reports drift and hosts the CLI;
- ``roadsync`` (this one) holds what all of them share: the version and the error tree.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
