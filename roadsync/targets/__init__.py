"""Target kinds: where a managed field lives in a tracker, one object per kind.

:data:`KINDS` is the registry, in the order checks and writes run; :func:`kind_of` is how the
planner, the writers, the config checks and the doctors find a target's kind. A new kind is one
module (a :class:`~roadsync.targets.base.TargetKind` subclass), one line here, and its name in
``roadsync.config.model.FieldTarget.target`` (the config schema).
"""

from __future__ import annotations

from collections.abc import Mapping

from roadsync.config.model import FieldTarget
from roadsync.targets.base import Current, Refused, TargetContext, TargetKind
from roadsync.targets.components import Components
from roadsync.targets.field import CustomField
from roadsync.targets.issue_type import IssueType
from roadsync.targets.label import Label
from roadsync.targets.priority import JIRA_DEFAULT_PRIORITIES, Priority
from roadsync.targets.project import BoardField

__all__ = [
    "JIRA_DEFAULT_PRIORITIES",
    "KINDS",
    "Current",
    "Refused",
    "TargetContext",
    "TargetKind",
    "kind_of",
    "kinds_on",
]

KINDS: Mapping[str, TargetKind] = {
    kind.name: kind for kind in (Priority(), CustomField(), Label(), BoardField(), IssueType(), Components())
}
"""Every target kind by name, in the order preflight checks and GitHub writes run."""


def kind_of(target: FieldTarget) -> TargetKind:
    """The kind of a configured target (the schema admits only registered names)."""
    return KINDS[target.target]


def kinds_on(tracker: str) -> list[TargetKind]:
    """The kinds a tracker (``jira`` / ``github``) offers, in registry order."""
    return [kind for kind in KINDS.values() if tracker in kind.trackers]
