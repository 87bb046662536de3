"""The read basis: what a tracker's reads contain, as the config decides it, kept per scope.

An item copy in the mirror holds what its read asked for: a Jira search returns only the custom
fields and issue properties named in ``fields=``/``properties=`` (developer.atlassian.com/cloud/
jira/platform/rest/v3/api-group-issue-search, "fields": "a list of fields to return"; "properties":
"a list of issue property keys"), and the GitHub reader keeps the Projects v2 values and marks of
the board fields it manages. A copy read before a field was managed, or for another target, holds
nothing for it, which the planner would take for an empty field. So each scope's cursor keeps the
basis of its last full read (:meth:`roadsync.sync.mirror.Mirror.commit_cursor`), and:

- a pull reads a scope whose basis differs from the config's in full, saying why
  (:func:`basis_change`; :mod:`roadsync.sync.pull`);
- a verb that reads no tracker refuses such a mirror (:func:`refuse_another_basis`).

What goes into a tracker's basis is decided in one place, beside how its reader is built
(:func:`roadsync.sync.sources.read_bases`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from roadsync.errors import ConfigError
from roadsync.sync.mirror import Mirror

__all__ = ["basis_change", "basis_text", "parsed", "refuse_another_basis", "stale_basis"]


def basis_text(basis: Mapping[str, object]) -> str:
    """The canonical JSON of a read basis, as the mirror keeps it (sorted keys, compact)."""
    return json.dumps(basis, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parsed(stored: str | None) -> dict[str, object] | None:
    """A stored basis as a mapping; ``None`` when none was recorded (or it is unreadable)."""
    try:
        found = json.loads(stored) if stored else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def basis_change(stored: str | None, wanted: Mapping[str, object]) -> str | None:
    """Why a scope last read in full with ``stored`` must be read in full again under ``wanted``
    (``"custom fields: + Alignment"``), or ``None`` when the two agree."""
    if stored == basis_text(wanted):
        return None
    before = parsed(stored)
    if before is None:
        return "the mirror does not record what its items were read with"
    names = sorted({*before, *wanted}, key=lambda name: (name not in wanted, name))
    return "; ".join(f"{name}: {_difference(before.get(name), wanted.get(name))}"
                     for name in names if before.get(name) != wanted.get(name))  # fmt: skip


def _difference(before: object, after: object) -> str:
    if isinstance(before, dict) and isinstance(after, dict):
        before, after = [f"{k}={v}" for k, v in before.items()], [f"{k}={v}" for k, v in after.items()]
    if isinstance(before, list) and isinstance(after, list):
        gained = [f"+ {value}" for value in after if value not in before]
        return ", ".join([*gained, *(f"- {value}" for value in before if value not in after)])
    return f"{json.dumps(before)} -> {json.dumps(after)}"


def stale_basis(mirror: Mirror, bases: Mapping[str, Mapping[str, object]]) -> tuple[str, str] | None:
    """The first tracker whose mirrored scopes were read with another basis than ``bases`` asks
    (``(tracker, why)``), or ``None``. For verbs that read no tracker: a scope whose basis is
    unknown (a state file from before bases were kept) is taken as it is."""
    for source, wanted in bases.items():
        for stored in mirror.bases(source).values():
            why = basis_change(stored, wanted) if stored is not None else None
            if why is not None:
                return source, why
    return None


def refuse_another_basis(mirror: Mirror, bases: Mapping[str, Mapping[str, object]]) -> None:
    """For a verb that reads no tracker (``--offline``, explain, roadmap): refuse a mirror whose
    items were read for another config than ``bases`` say (a managed field added or moved, other
    Jira fields, another board field). Their copies hold nothing for what the config now asks,
    and planning from them would take a value the tracker holds for an empty field."""
    stale = stale_basis(mirror, bases)
    if stale is not None:
        source, why = stale
        raise ConfigError(
            f"the mirror's {source} items were read for another config ({why})",
            hint="run 'roadsync pull' to read them again as the config now asks, then this verb",
        )
