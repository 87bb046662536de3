"""roadsync: keep a product roadmap and the Jira/GitHub backlog in step.

The distribution owns one import name, ``roadsync``. Its stages are folders at the repository
root, installed as subpackages:

- ``roadsync.connectors`` reads and writes Jira and GitHub (library objects never leave it);
- ``roadsync.mappings`` is the roadmap model and the rule engine that maps items to themes;
- ``roadsync.sync`` plans, applies, keeps state and reports drift;
- ``roadsync.sandbox`` holds the loopback Jira and GitHub emulators (the demo, tests, benchmarks).

This package itself is the application shell around them (``roadsync.cli``, ``roadsync.config``,
``roadsync.doctor``, ``roadsync.init``, ``roadsync.action``, ``roadsync.demo``) and what every
stage shares: the version, the error tree (``roadsync.errors``) and the change records
(``roadsync.changes``). See docs/architecture.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
