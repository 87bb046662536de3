"""GitHub label adds and removes, held and sent as aliased GraphQL mutations.

The ``label`` target kind (:mod:`roadsync.targets.label`) decides which labels an item gains and
loses; :class:`LabelQueue` holds those
:class:`~roadsync.connectors.github.graphql.LabelChange` s and sends them
:class:`~roadsync.connectors.github.graphql.DocumentSize` aliases a document
(:func:`~roadsync.connectors.github.graphql.label_changes_mutation`: one ``addLabelsToLabelable`` or
``removeLabelsFromLabelable`` per alias, one label each, so the issue's other labels are never
touched and GitHub records one ``labeled``/``unlabeled`` event by roadsync's account per label,
which is the ownership evidence :mod:`.evidence` reads). An item's label changes stay in one
document. Before a document is sent, the label node ids its changes need are resolved at once
(:class:`~roadsync.connectors.github.label_ids.LabelIds`: one lookup query, the missing labels to
add created as aliased ``createLabel`` mutations); an add whose label could be neither found nor
created fails, a remove of a label the repository lacks is not sent (no issue carries it).
Both mutations are idempotent at the effect level (a set union and a removal; research
github.md §6), so sending one again never does harm.

How GitHub's answer maps to each change's :class:`~roadsync.changes.WriteOutcome`:

- an alias with data is applied; an add whose answer (the issue's labels) lacks the label is
  ``unwritable`` (GitHub answered but did not keep it);
- an alias with an error (``errors[].path[0]`` is the alias; the other aliases were applied
  [GraphQL spec, "Executing mutations"; research §6]) fails, except ``NOT_FOUND``, which GitHub
  also answers in a flaky moment: those are sent once more in a document of their own, and, still
  ``NOT_FOUND``, a read of the issue decides: gone (skipped) or failed (the next run tries again);
- a document that fails as a whole after the client's retries may have run: the issues' labels are
  read back (:data:`~roadsync.connectors.github.graphql.ISSUE_LABELS_QUERY`) and each change is
  applied if GitHub holds its result, else failed; a transient failure halves the document size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.connectors.github import graphql as documents
from roadsync.connectors.github.client import GithubClient, GraphqlResult
from roadsync.connectors.github.label_ids import LabelIds, Need
from roadsync.connectors.github_labels import label_key
from roadsync.errors import AuthError, BudgetExhausted, NotFoundError, TrackerError, TransientError

__all__ = ["LabelQueue"]

Op = documents.LabelChange
Result = tuple[Literal["applied", "unwritable", "failed", "gone"], str | None]
"""One alias's outcome and, unless applied, why."""

HOLD_DOCUMENTS = 10
"""Documents' worth of label changes held at most while label ids are still to be resolved."""
UNKEPT = ("GitHub answered but the issue's labels in its answer do not include it, so it is not "
          "counted as written; check the token's access to the repository [source github]")
NOTHING_TO_SEND = "not sent: the issue's labels already are what the change asks (no label to add or remove)"


@dataclass(frozen=True)
class _Group:
    """One item's label changes and the label adds/removes that carry them out."""

    changes: list[FieldChange]
    ops: list[Op]


class LabelQueue:
    """Held label changes of one writer; :meth:`hold` and :meth:`flush` return change outcomes."""

    def __init__(self, client: GithubClient, size: documents.DocumentSize) -> None:
        self.client = client
        self.size = size
        self.ids = LabelIds(client, size)
        self._groups: list[_Group] = []
        self._held = 0
        self._unknown = False

    def hold(self, changes: list[FieldChange], ops: list[Op]) -> list[WriteOutcome]:
        """Queue one item's label ``changes`` carried by ``ops``; full documents are sent at once
        and their outcomes returned. While a held change needs a label whose id is not known yet,
        up to :data:`HOLD_DOCUMENTS` documents are held, so that one lookup and one creation
        document serve them all."""
        self._groups.append(_Group(changes, ops))
        self._held += len(ops)
        self._unknown |= any(not op.label_id and self._open(op) for op in ops)
        outcomes: list[WriteOutcome] = []
        while self._held >= self.size.current and (
                not self._unknown or self._held >= HOLD_DOCUMENTS * self.size.current):
            outcomes += self._send_next()
        return outcomes

    def flush(self) -> list[WriteOutcome]:
        """Send everything held; one outcome per held change."""
        outcomes: list[WriteOutcome] = []
        while self._groups:
            outcomes += self._send_next()
        return outcomes

    def _open(self, op: Op) -> bool:
        """Whether ``op``'s label id is still to be looked up (neither known nor given up on)."""
        key = Need(op.repo, op.name).key
        given_up = key in self.ids.failed or (not op.add and key in self.ids.absent)
        return key not in self.ids.known and not given_up

    def _send_next(self) -> list[WriteOutcome]:
        """Send the next document: whole groups, as many as fit (at least one)."""
        before = self.client.requests
        if self._unknown:
            self._groups, self._unknown = self._with_label_ids(self._groups), False
        count, taken = 0, 0
        for group in self._groups:
            if taken and count + len(group.ops) > self.size.current:
                break
            count, taken = count + len(group.ops), taken + 1
        groups, self._groups = self._with_label_ids(self._groups[:taken]), self._groups[taken:]
        self._held -= sum(len(group.ops) for group in groups)
        ops = [op for group in groups for op in group.ops if op.label_id]
        results = dict(zip(ops, self._send(ops), strict=True))
        unlabelled = [op for group in groups for op in group.ops if not op.label_id]
        results.update({op: ("failed", self._no_label(op)) for op in unlabelled})
        outcomes = [o for group in groups for o in _outcomes(group, results)]
        if outcomes:
            first = outcomes[0]
            outcomes[0] = WriteOutcome(first.change, first.status, first.error, self.client.requests - before)
        return outcomes

    def _with_label_ids(self, groups: list[_Group]) -> list[_Group]:
        """``groups`` with each op's label id resolved at once (:class:`.label_ids.LabelIds`:
        looked up, missing labels to add created); a remove of a label the repository lacks is
        dropped (the label is on no issue); an add whose label could not be had keeps an empty id
        (it fails)."""
        needs = [Need(op.repo, op.name, op.color if op.add else "")
                 for group in groups for op in group.ops if not op.label_id and self._open(op)]
        ids = self.ids.resolve(needs) if needs else self.ids.known
        resolved = []
        for group in groups:
            ops = []
            for op in group.ops:
                found = op.label_id or ids.get(Need(op.repo, op.name).key, "")
                if found or op.add:
                    ops.append(replace(op, label_id=found))
            self._held -= len(group.ops) - len(ops)
            resolved.append(_Group(group.changes, ops))
        return resolved

    def _no_label(self, op: Op) -> str:
        why = self.ids.failed.get(Need(op.repo, op.name).key) or "it could not be found or created"
        return f"GitHub label {op.name!r} is missing in {op.repo}: {why} [source github]"

    def _send(self, ops: Sequence[Op], *, again: bool = True) -> list[Result]:
        """One document for ``ops``; a result per op, in order (no request for no ops)."""
        if not ops:
            return []
        document, variables = documents.label_changes_mutation(ops)
        try:
            answer = self.client.graphql(document, variables, partial=True)
        except (AuthError, BudgetExhausted):
            raise
        except NotFoundError:
            if not again:
                raise
            answer = GraphqlResult({}, [{"type": "NOT_FOUND", "path": [f"l{n}"]} for n in range(len(ops))])
        except TrackerError as exc:
            if isinstance(exc, TransientError):
                self.size.failed()
            return self._read_back(ops, exc.one_line())
        errors = {str((e.get("path") or [""])[0]): e for e in answer.errors}
        results: list[Result | None] = [_result(op, answer.data.get(f"l{n}"), errors.get(f"l{n}"))
                                        for n, op in enumerate(ops)]
        unsure = [n for n, result in enumerate(results) if result is None]
        for n, result in zip(unsure, self._unsure([ops[n] for n in unsure], again), strict=True):
            results[n] = result
        return [r for r in results if r is not None]

    def _unsure(self, ops: list[Op], again: bool) -> list[Result]:
        """Ops answered ``NOT_FOUND``: sent once more, then each issue read before it is called gone."""
        if not ops:
            return []
        if again:
            try:
                return self._send(ops, again=False)
            except NotFoundError:
                pass
        return [self._gone_or_failed(op) for op in ops]

    def _gone_or_failed(self, op: Op) -> Result:
        try:
            query, variables = documents.ITEM_EXISTS_QUERY, {"item": op.issue_id}
            found = self.client.graphql_known(query, variables, item=op.item)
        except NotFoundError:
            return ("gone", self._where(op))
        if not (found.data.get("node") or {}).get("id"):
            return ("gone", self._where(op))
        return ("failed", f"GitHub GraphQL answered NOT_FOUND for label {op.name!r} on an issue that "
                "exists (the label may have been deleted); not applied, the next run tries again "
                "[source github]")

    def _where(self, op: Op) -> str:
        """Why an issue GitHub no longer resolves is gone: its REST answer (a 301 names where it was
        transferred to; :mod:`.redirects`), one request on this rare path."""
        repo, _, number = op.item.rpartition("#")
        reason = f"{op.item} no longer exists, moved, or the token cannot see it"
        try:
            self.client.rest("GET", f"/repos/{repo}/issues/{number}", item=op.item)
        except (AuthError, BudgetExhausted):
            raise
        except NotFoundError as exc:
            reason = f"{reason} ({exc.message})"
        except TrackerError:
            pass
        return f"item gone: {reason}"

    def _read_back(self, ops: Sequence[Op], error: str) -> list[Result]:
        """After a document that failed whole: applied where GitHub holds the op's result."""
        ids = sorted({op.issue_id for op in ops})
        try:
            answer = self.client.graphql_known(documents.ISSUE_LABELS_QUERY, {"ids": ids}, partial=True)
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError:
            return [("failed", error)] * len(ops)
        held = {str(node["id"]): _names(node) for node in answer.data.get("nodes") or () if node}
        done = [op.issue_id in held and (label_key(op.name) in held[op.issue_id]) == op.add for op in ops]
        return [("applied", None) if ok else ("failed", error) for ok in done]


def _result(op: Op, data: Any, error: Mapping[str, Any] | None) -> Result | None:
    """One alias's result; None when it answered ``NOT_FOUND`` (unsure: sent again)."""
    if error is not None:
        if error.get("type") == "NOT_FOUND":
            return None
        return ("failed", f"GitHub GraphQL: {error.get('message') or 'refused'} [source github]")
    if not isinstance(data, dict):
        return ("failed", "GitHub GraphQL: no result [source github]")
    if op.add and label_key(op.name) not in _names(data.get("labelable") or {}):
        return ("unwritable", UNKEPT)
    return ("applied", None)


def _names(issue: Mapping[str, Any]) -> set[str]:
    """The label keys of an ``Issue`` node's ``labels { nodes { name } }``."""
    nodes = (issue.get("labels") or {}).get("nodes") or ()
    return {label_key(str(node.get("name"))) for node in nodes if isinstance(node, dict)}


def _outcomes(group: _Group, results: Mapping[Op, Result]) -> list[WriteOutcome]:
    """Each change's outcome from the results of the label ops that carry it (by label name, in any
    case, as GitHub compares names)."""
    outcomes = []
    for change in group.changes:
        keys = {label_key(v) for v in (change.new, change.old) if v}
        mine = [results[op] for op in group.ops if label_key(op.name) in keys]
        new = label_key(change.new) if change.new else None
        added = [results[op] for op in group.ops if op.add and label_key(op.name) == new]
        errors = [why for status, why in mine if status == "failed"]
        if any(status == "unwritable" for status, _ in added):
            outcomes.append(WriteOutcome(change, "unwritable", UNKEPT))
        elif errors:
            outcomes.append(WriteOutcome(change, "failed", errors[0]))
        elif gone := [why for status, why in mine if status == "gone"]:
            outcomes.append(WriteOutcome(change, "skipped", gone[0]))
        elif mine:
            outcomes.append(WriteOutcome(change, "applied"))
        else:  # no label op carries it: the issue's labels already are what the change asks
            outcomes.append(WriteOutcome(change, "skipped", NOTHING_TO_SEND))
    return outcomes
