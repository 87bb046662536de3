"""After apply: a person's edit that a write still overwrote is found, restored and reported.

What is left of the write race after the re-read before writing (:mod:`roadsync.sync.fresh`) is
the moment between that read and the write. The trackers' history shows it: roadsync's own entry
for the field replaced a value another account set after roadsync read the item (Jira changelog,
GitHub label and issue-type events; :meth:`Reader.overwritten`). That value is written back (a
change with :data:`~roadsync.changes.RESTORE_RULE`), the state cache records roadsync's write as
disputed (the history just showed it landed), and the report gets an ``overwritten_edit``
finding. Projects v2 keeps no history of field values: there, the window left is the seconds
between the re-read and the write (docs/reliability.md).

What keeps the restored value the person's when the state folder is lost is the tracker's own
evidence: a Jira restore's PUT carries roadsync's marker naming the value roadsync wrote (not the
one put back), so its changelog entry by roadsync's account is not read as roadsync setting the
person's value, even when the overwriting bulk edit's markers never landed; a board restore
leaves the board's marker naming roadsync's value. GitHub labels and issue types carry no marker:
there the history decides. A label restore only removes roadsync's label (the person's is still
there), which the history reads right; but an issue-type restore, or a label restore to "no
label", is an event by roadsync's account setting the person's value, which the history alone
reads as roadsync's: with the state folder lost, the next run may take it over (a known gap).

Cost: one history read per tracker per batch of written items (Jira Cloud: 1,000 issues per
request; Data Center: 50; GitHub labels: 50 issues per GraphQL request; issue types: one REST
request per issue), only after an apply that wrote something.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from roadsync.changes import RESTORE_RULE, FieldChange, WriteOutcome
from roadsync.config.model import FieldsConfig
from roadsync.connectors.contracts import Applied, Overwrite, Reader, Writer
from roadsync.connectors.model import Item
from roadsync.errors import TrackerError
from roadsync.logs import event
from roadsync.sync.fields import field_target
from roadsync.sync.model import DriftFinding
from roadsync.sync.sources import each_tracker
from roadsync.sync.state import State
from roadsync.targets import kind_of

__all__ = ["restore_overwritten"]


def restore_overwritten(
    outcomes: Sequence[WriteOutcome],
    items: Mapping[str, Item],
    readers: Mapping[str, Reader],
    writers: Mapping[str, Writer],
    state: State,
    fields: FieldsConfig,
    *,
    since: str,
    themes: Mapping[str, str | None],
) -> list[DriftFinding]:
    """Find, restore and report the people's edits this run's ``outcomes`` overwrote."""
    findings: list[DriftFinding] = []
    asking = {source: applied for source in readers if source in writers
              if (applied := _applied(outcomes, items, fields, source))}  # fmt: skip
    # The trackers' histories are read at the same time; restores are written one by one here.
    answers = each_tracker(readers, asking, lambda reader, applied: reader.overwritten(applied, since))
    for source, found in answers.items():
        if isinstance(found, TrackerError):
            event("ownership.overwritten", logging.WARNING, source=source, error=found.one_line())
            continue
        reader, writer = readers[source], writers[source]
        findings += [_restore(overwrite, items, reader, writer, state, fields, themes) for overwrite in found]
    return findings


def _applied(outcomes: Sequence[WriteOutcome], items: Mapping[str, Item], fields: FieldsConfig,
             source: str) -> list[Applied]:  # fmt: skip
    applied: list[Applied] = []
    for outcome in outcomes:
        item = items.get(outcome.change.item)
        found = field_target(fields, outcome.change.field, source) if item is not None else None
        if outcome.status == "applied" and item is not None and item.source == source and found is not None:
            applied.append((item, outcome.change, found[1]))
    return applied


def _restore(overwrite: Overwrite, items: Mapping[str, Item], reader: Reader, writer: Writer, state: State,
             fields: FieldsConfig, themes: Mapping[str, str | None]) -> DriftFinding:  # fmt: skip
    change = overwrite.change
    item = items[change.item]
    put_back = FieldChange(change.item, change.field, change.new, overwrite.value,
                           f"restore {overwrite.by}'s edit overwritten in a race", RESTORE_RULE)  # fmt: skip
    said = f"{change.field} set by {overwrite.by} to {overwrite.value or 'empty'} just before roadsync wrote "
    said += f"{change.new or 'empty'}"
    try:
        now = reader.reread([item]).get(item.key)
        results = [*writer.write(now, [put_back]), *writer.flush()] if now is not None else []
    except TrackerError as exc:
        results = [WriteOutcome(put_back, "failed", exc.one_line())]
    done = any(r.status == "applied" for r in results)
    found = field_target(fields, change.field, item.source)
    target = kind_of(found[1]).signature(found[1]) if found else ""
    state.record_written(item.identity, change.field, change.new, target=target, disputed=True)
    error = next((r.error for r in results if r.error), None) or "the item is gone"
    tail = f"; restored {overwrite.value or 'empty'}" if done else f"; not restored: {error}"
    return DriftFinding("overwritten_edit", item.key, themes.get(item.key), said + tail)
