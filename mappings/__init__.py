"""The mapping layer: the roadmap model, the rule engine, explain and coverage. Pure, no I/O.

::

    roadmap = Roadmap(themes=(...))                 # built by roadsync.config.load.load_roadmap
    assignments = assign(items, roadmap, pins)      # key -> Assignment (pin > rule > parent > link)
    explain("PAY-7", items, roadmap, pins)          # the decision, the chain, every near miss
    coverage(items, assignments, roadmap)           # open work per theme against its target
"""

from __future__ import annotations

from roadsync.mappings.assignment import Assignment, Step
from roadsync.mappings.coverage import Basis, ThemeCoverage, coverage
from roadsync.mappings.engine import assign, index_items
from roadsync.mappings.explain import Candidate, ConditionResult, Explanation, explain
from roadsync.mappings.roadmap import (
    DEFAULT_LEVELS,
    Alignment,
    Horizon,
    MatchBlock,
    Roadmap,
    Theme,
    ThemeStatus,
)
from roadsync.mappings.rules import MAX_DEPTH, Rule, Ruleset, compile_roadmap

__all__ = [
    "DEFAULT_LEVELS",
    "MAX_DEPTH",
    "Alignment",
    "Assignment",
    "Basis",
    "Candidate",
    "ConditionResult",
    "Explanation",
    "Horizon",
    "MatchBlock",
    "Roadmap",
    "Rule",
    "Ruleset",
    "Step",
    "Theme",
    "ThemeCoverage",
    "ThemeStatus",
    "assign",
    "compile_roadmap",
    "coverage",
    "explain",
    "index_items",
]
