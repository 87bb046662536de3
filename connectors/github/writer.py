"""Write managed fields to GitHub: prefixed labels, Projects v2 fields, issue types.

Contract (docs/architecture.md, "Readers and writers"): :meth:`GithubWriter.write` gets all changes
of one item; every change gets exactly one :class:`~roadsync.changes.WriteOutcome`, either from
``write()`` (labels, issue type, and any board updates a full batch flushed) or from :meth:`flush`
(the queued board updates): **call ``flush()`` after the last item**. Per-item failures become
``failed`` outcomes; :class:`~roadsync.errors.AuthError` and
:class:`~roadsync.errors.BudgetExhausted` raise (the run cannot go on).

What each target writes is its kind's (:mod:`roadsync.targets`): ``label`` adds/removes one label
per alias (missing repo labels created first, many to a document: :mod:`.label_ids`),
``issue_type`` PATCHes the issue, ``project`` updates a board field. Unbatched kinds go first; label changes
(:class:`~roadsync.connectors.github.label_batch.LabelQueue`) and board updates are held here and
sent as aliased mutations, up to :data:`~roadsync.connectors.github.graphql.BATCH_SIZE` per
document (:class:`~roadsync.connectors.github.graphql.DocumentSize`); :meth:`flush` sends labels
first, then board values.

Nothing that changes nothing is sent: label adds/removes and types are checked against the Item,
board values against the board as read by this writer. Writes are paced
``seconds_between_writes`` apart (GitHub's secondary-limit guidance: at least 1 s), and every
request keeps under GitHub's documented secondary limits (:mod:`.pacing`).

Board values carry roadsync's ownership marker: each document that sets an item's values also
sets that item's marker text field (``github.project.marker_field``; :mod:`.board_marks`) to
the values roadsync wrote, created on the board with ``createProjectV2Field`` the first time it
is missing. A restore of a person's value (:data:`~roadsync.changes.RESTORE_RULE`) changes no
marker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar, cast

from roadsync.changes import RESTORE_RULE, FieldChange, WriteOutcome
from roadsync.config.model import FieldTarget, GithubConfig
from roadsync.connectors.github import graphql as documents
from roadsync.connectors.github.auth import GithubAuth
from roadsync.connectors.github.board_marks import MarkerBook
from roadsync.connectors.github.client import GithubClient, GraphqlResult
from roadsync.connectors.github.convert import ProjectSnapshot, board_item_from_node
from roadsync.connectors.github.label_batch import LabelQueue
from roadsync.connectors.github.label_ids import LabelIds
from roadsync.connectors.github.pacing import DOCUMENTED, SecondaryLimits
from roadsync.connectors.github.reader import next_link, read_project
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError, BudgetExhausted, NotFoundError, TrackerError, TransientError
from roadsync.logs import event
from roadsync.targets import Refused, kind_of, kinds_on
from roadsync.targets.label import label_colour

__all__ = ["GithubWriter", "label_colour"]

T = TypeVar("T")
Update = documents.FieldUpdate
_ORDER = sorted(kinds_on("github"), key=lambda kind: kind.batched)
"""Kinds in write order: unbatched (labels, issue types) first, batched board updates last."""


class GithubWriter:
    """Writer for one GitHub configuration; ``targets`` maps managed field name -> its GitHub target."""

    concurrency = 1
    """One item at a time: GitHub's secondary limits ask for serial writes paced
    ``seconds_between_writes`` apart (docs: "make requests serially instead of concurrently")."""

    def __init__(
        self,
        config: GithubConfig,
        token: GithubAuth,
        targets: Mapping[str, FieldTarget],
        *,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        seconds_between_writes: float | None = None,
        budget_reserve: int = 100,
        limits: SecondaryLimits = DOCUMENTED,
    ) -> None:
        self.config = config
        self.targets = targets
        self.client = GithubClient(
            config,
            token,
            verify=verify,
            retry=retry,
            budget_reserve=budget_reserve,
            seconds_between_writes=seconds_between_writes,
            limits=limits,
        )
        self._size = documents.DocumentSize()
        self._labels = LabelQueue(self.client, self._size)
        self._board: ProjectSnapshot | None = None
        self._memo: dict[str, Any] = {}
        self._queue: list[tuple[FieldChange, documents.FieldUpdate]] = []
        self._items: dict[str, Item] = {}
        self._book = MarkerBook()
        self._marker_field: str | None = None
        self._marker_tries = 0
        self._not_written: set[tuple[str, str]] = set()
        """Board values GitHub answered per alias as not set (a whole document that failed is
        uncertain: it may have run, so its marker claim stands)."""

    @property
    def requests(self) -> int:
        return self.client.requests

    def close(self) -> None:
        self.client.close()

    # -- entry points --------------------------------------------------------------------------

    def write(self, item: Item, changes: Sequence[FieldChange]) -> list[WriteOutcome]:
        """Write one item's changes, kind by kind (unbatched kinds first, in registry order);
        board updates may be held for :meth:`flush`."""
        groups: dict[str, list[FieldChange]] = {kind.name: [] for kind in _ORDER}
        outcomes: list[WriteOutcome] = []
        self._items[item.key] = item
        for change in changes:
            target = self.targets.get(change.field)
            if target is None or "github" not in kind_of(target).trackers:
                outcomes.append(_failed(change, f"no GitHub target for {change.field}"))
            else:
                groups[target.target].append(change)
        for kind in _ORDER:
            outcomes += self._guarded(groups[kind.name], partial(kind.github_write, item, site=self))
        return outcomes

    def guard(self, barrier: Callable[[], None]) -> None:
        """Call ``barrier()`` before every mutation and REST write this writer's client sends."""
        self.client.barrier = barrier

    def flush(self) -> list[WriteOutcome]:
        """Send the held label changes, then the queued board updates, as aliased mutations; one
        outcome per held change."""
        return self._labels.flush() + self._flush_board()

    def _flush_board(self) -> list[WriteOutcome]:
        outcomes: list[WriteOutcome] = []
        while self._queue:
            size = self._size.current
            batch, self._queue = self._queue[:size], self._queue[size:]
            changes = [change for change, _ in batch]
            done = self._guarded(changes, self._sender(batch))
            self._correct_markers(batch, done)
            outcomes += done
        return outcomes

    def _sender(
        self, batch: list[tuple[FieldChange, documents.FieldUpdate]]
    ) -> Callable[[list[FieldChange]], list[WriteOutcome]]:
        return lambda _changes: self._send_batch(batch)

    def _guarded(
        self, changes: list[FieldChange], run: Callable[[list[FieldChange]], list[WriteOutcome]]
    ) -> list[WriteOutcome]:
        if not changes:
            return []
        try:
            return run(changes)
        except (AuthError, BudgetExhausted):
            raise
        except NotFoundError as exc:
            # Deleted or transferred since it was read: nothing to write to, as in the Jira writer.
            return [WriteOutcome(change, "skipped", _gone(change, exc)) for change in changes]
        except TrackerError as exc:
            return [_failed(change, exc.one_line()) for change in changes]
        except Refused as exc:
            return [_failed(change, str(exc)) for change in changes]

    # -- what target kinds may ask (roadsync.targets.base.GithubSite) --------------------------

    def target(self, change: FieldChange) -> FieldTarget:
        return self.targets[change.field]

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per writer and ``key`` (repo label lists, board item ids)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def board(self) -> ProjectSnapshot:
        return self._snapshot()

    def hold(self, change: FieldChange, update: documents.FieldUpdate) -> list[WriteOutcome]:
        """Queue a board update; a full batch is sent at once and its outcomes returned."""
        self._queue.append((change, update))
        return self._flush_board() if len(self._queue) >= self._size.current else []

    @property
    def label_ids(self) -> LabelIds:
        """The repository label ids this writer has found or created (:mod:`.label_ids`)."""
        return self._labels.ids

    def hold_labels(self, changes: list[FieldChange], ops: list[documents.LabelChange]) -> list[WriteOutcome]:
        """Queue one item's label changes (:class:`LabelQueue`); outcomes of a document it filled."""
        return self._labels.hold(changes, ops)

    @staticmethod
    def next_link(headers: Mapping[str, str]) -> str | None:
        return next_link(headers)

    # -- Projects v2 batches -------------------------------------------------------------------

    def _send_batch(self, batch: list[tuple[FieldChange, documents.FieldUpdate]], *,
                    again: bool = True) -> list[WriteOutcome]:
        """Send one document of aliased board updates; one outcome per update.

        An alias answered ``NOT_FOUND`` is not taken for "gone": GitHub also says so in a flaky
        moment, and the other aliases of the document were applied [GraphQL spec, "Executing
        mutations"]. Those updates are sent once more in a document of their own (setting an
        absolute value twice is harmless); still ``NOT_FOUND``, a read of the board item decides:
        gone (skipped) when it is gone, failed (retried next run) when it is still there.
        """
        board = self._snapshot()
        markers = self._marker_updates(batch) if again else []
        updates = [u for _, u in batch] + markers
        document, variables = documents.field_updates_mutation(board.project_id, updates)
        try:
            result = self.client.graphql(document, variables, partial=True)
            errors = {str((error.get("path") or [""])[0]): error for error in result.errors}
        except TransientError:
            self._size.failed()  # it may have timed out: smaller documents from now on
            raise
        except NotFoundError:
            if not again:
                raise
            # The whole document answered NOT_FOUND with no data: not one alias is known to be
            # gone (nor set), so every update is unsure and takes the same road as one alias's.
            result = GraphqlResult({}, [])
            errors = {f"u{n}": {"type": "NOT_FOUND"} for n in range(len(updates))}
        for n, marker in enumerate(markers, start=len(batch)):
            if f"u{n}" in errors or not result.data.get(f"u{n}"):
                self._book.lost(marker.item_id)
        outcomes: list[WriteOutcome | None] = []
        unsure: list[tuple[int, tuple[FieldChange, documents.FieldUpdate]]] = []
        for n, (change, update) in enumerate(batch):
            error = errors.get(f"u{n}")
            if error is not None and error.get("type") == "NOT_FOUND":
                unsure.append((n, (change, update)))
                outcomes.append(None)
                continue
            reason = str(error.get("message") or "refused") if error else None
            reason = reason or (None if result.data.get(f"u{n}") else "no result")
            if reason:
                self._not_written.add((change.item, change.field))
            outcomes.append(
                _failed(change, f"GitHub GraphQL: {reason} [source github, item {change.item}]")
                if reason
                else WriteOutcome(change, "applied", requests=1 if n == 0 else 0)
            )
        pairs = [pair for _, pair in unsure]
        settled = self._resend(pairs) if again else [self._not_found(c, u) for c, u in pairs]
        for (n, _), outcome in zip(unsure, settled, strict=True):
            outcomes[n] = outcome
            if outcome.status != "applied" and not again:
                self._not_written.add((outcome.change.item, outcome.change.field))
        return [o for o in outcomes if o is not None]

    def _resend(self, pairs: list[tuple[FieldChange, documents.FieldUpdate]]) -> list[WriteOutcome]:
        if not pairs:
            return []
        try:
            return self._send_batch(pairs, again=False)
        except NotFoundError:  # every alias NOT_FOUND again: each is read before it is called gone
            return [self._not_found(change, update) for change, update in pairs]
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError as exc:
            return [_failed(change, exc.one_line()) for change, _ in pairs]

    def _not_found(self, change: FieldChange, update: documents.FieldUpdate) -> WriteOutcome:
        """A board update GitHub answered NOT_FOUND twice: skipped if a read finds the item gone."""
        try:
            found = self.client.graphql_known(documents.ITEM_EXISTS_QUERY, {"item": update.item_id},
                                              item=change.item)
        except NotFoundError:
            return WriteOutcome(change, "skipped", f"item gone: {change.item} is no longer on the board")
        if not (found.data.get("node") or {}).get("id"):
            return WriteOutcome(change, "skipped", f"item gone: {change.item} is no longer on the board")
        return _failed(change, f"GitHub GraphQL answered NOT_FOUND for {change.item}'s board item, which "
                       "exists; not applied, the next run tries again [source github]")

    def _marker_updates(self, batch: Sequence[tuple[FieldChange, documents.FieldUpdate]]) -> list[Update]:
        """One marker update per board item of the batch: the values roadsync writes in it, merged
        into the item's marker as last read (or as this writer last set it). None when the marker
        field cannot be created: the values are still written, and the state cache records them."""
        project = self.config.project
        writes: dict[str, dict[str, tuple[str, str | None]]] = {}
        for change, update in batch:
            if change.rule != RESTORE_RULE and project is not None:
                target = self.targets[change.field]
                signature = kind_of(target).signature(target)
                writes.setdefault(update.item_id, {})[change.field] = (signature, change.new)
        field_id = self._marker_field_id(project.marker_field) if writes and project is not None else None
        if field_id is None or project is None:
            return []
        keys = {update.item_id: change.item for change, update in batch}
        updates = []
        for item_id, written in writes.items():
            item = self._items.get(keys[item_id])
            read = item.fields.get(project.marker_field) if item else None
            claimed = self._book.claim(item_id, read, written)
            updates.append(documents.FieldUpdate(item_id, field_id, "text", claimed))
        return updates

    def _correct_markers(
        self, batch: Sequence[tuple[FieldChange, Update]], outcomes: Sequence[WriteOutcome]
    ) -> None:
        """Where a value of the batch was not set, set the item's marker to what was (one more
        document, only then): a marker never claims a value roadsync did not write. GitHub says so
        per alias; a whole document that failed may have run, so those items' values are read
        back first (one request)."""
        done = {(o.change.item, o.change.field) for o in outcomes if o.status == "applied"}
        unsure = [(c, u) for c, u in batch if (c.item, c.field) not in done | self._not_written]
        landed = self._landed(unsure)
        ids = {update.item_id: change.item for change, update in batch}
        fixes = []
        for item_id, key in ids.items():
            mine = (c.field for c, u in batch if u.item_id == item_id)
            fields = {f for f in mine if (key, f) in done or (key, f) in landed}
            text = self._book.settle(item_id, fields)
            if text is not None and self._marker_field:
                fixes.append(documents.FieldUpdate(item_id, self._marker_field, "text", text))
        if fixes:
            document, variables = documents.field_updates_mutation(self._snapshot().project_id, fixes)
            try:
                self.client.graphql(document, variables, partial=True)
            except (AuthError, BudgetExhausted):
                raise
            except TrackerError as exc:
                event("ownership.marker_fix", logging.WARNING, items=len(fixes), error=exc.one_line())

    def _landed(self, pairs: Sequence[tuple[FieldChange, Update]]) -> set[tuple[str, str]]:
        """Which of these board writes the board holds now (read back after a failed document)."""
        if not pairs:
            return set()
        try:
            ids = sorted({u.item_id for _, u in pairs})
            result = self.client.graphql(documents.BOARD_VALUES_QUERY, {"ids": ids}, partial=True)
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError:
            return {(c.item, c.field) for c, _ in pairs}  # cannot tell: the claims stand (never a clobber)
        values: dict[str, dict[str, str | None]] = {}
        for node in result.data.get("nodes") or ():
            if isinstance(node, dict) and node.get("id"):
                somewhere = {"number": 0, "repository": {"nameWithOwner": "-/-"}}  # values only
                pair = board_item_from_node({**node, "content": somewhere})
                values[str(node["id"])] = dict(pair[1].values) if pair else {}
        def held(change: FieldChange, update: Update) -> bool:
            name = self.targets[change.field].field or change.field
            return values.get(update.item_id, {}).get(name) == change.new

        return {(c.item, c.field) for c, u in pairs if held(c, u)}

    def _marker_field_id(self, name: str) -> str | None:
        """The marker field's id, creating the TEXT field on the board the first time it is missing.
        A failed creation is tried once more at the next batch (the board's fields read again first:
        an answer lost after GitHub created it must not create a second); then the run goes on
        without markers (``None``; the state cache still records what is written)."""
        if self._marker_field is None and self._marker_tries < 2:
            self._marker_tries += 1
            board = self._snapshot() if self._marker_tries == 1 else self._reread_fields()
            found = board.fields.get(name) if board is not None else None
            created = self._create_text_field(board.project_id, name) if board and found is None else ""
            self._marker_field = (found.id if found is not None else created) or None
        return self._marker_field

    def _reread_fields(self) -> ProjectSnapshot | None:
        try:
            return read_project(self.client, self.config, items=False)
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError:
            return None

    def _create_text_field(self, project_id: str, name: str) -> str:
        try:
            variables = {"project": project_id, "name": name}
            result = self.client.graphql(documents.CREATE_TEXT_FIELD_MUTATION, variables, item=name)
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError as exc:
            event("ownership.marker_field", logging.WARNING, field=name, error=exc.one_line())
            return ""
        created = (result.data.get("createProjectV2Field") or {}).get("projectV2Field") or {}
        return str(created.get("id") or "")

    def _snapshot(self) -> ProjectSnapshot:
        if self.config.project is None:
            raise Refused("github.project is not configured [source github]")
        if self._board is None:
            try:
                self._board = read_project(self.client, self.config, items=False)
            except NotFoundError as exc:  # the board, not an item: nothing here is "gone"
                raise Refused(f"{exc.one_line()}; not applied, the next run tries again") from None
        return self._board


def _gone(change: FieldChange, exc: NotFoundError) -> str:
    return f"item gone: {change.item} no longer exists, moved, or the token cannot see it ({exc.message})"


def _failed(change: FieldChange, error: str) -> WriteOutcome:
    return WriteOutcome(change, "failed", error=error)
