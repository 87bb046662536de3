"""Write managed fields to GitHub: prefixed labels, Projects v2 fields, issue types.

Contract (docs/architecture.md, "Readers and writers"): :meth:`GithubWriter.write` gets all changes
of one item; every change gets exactly one :class:`~roadsync.changes.WriteOutcome`, either from
``write()`` (labels, issue type, and any board updates a full batch flushed) or from :meth:`flush`
(the queued board updates): **call ``flush()`` after the last item**. Per-item failures become
``failed`` outcomes; :class:`~roadsync.errors.AuthError` and
:class:`~roadsync.errors.BudgetExhausted` raise (the run cannot go on).

- **label**: add ``new`` with one ``POST /repos/o/r/issues/n/labels`` (all of the item's adds in
  one request), then remove ``old`` with ``DELETE …/labels/{name}`` one by one (a 404 there means
  it is gone already). The set is never replaced. Repo labels are listed once per repo; a missing
  one is created first with a colour (``POST /repos/o/r/labels``; a 422 ``already_exists`` counts
  as success, which is what makes the create safe to retry).
- **project**: single-select by option id (resolved from the option name), text, number, date;
  ``None`` clears. An issue missing from the board is added first (``addProjectV2ItemById``,
  idempotent) when ``add_missing_items``. Updates are queued and sent as aliased mutations,
  :data:`~roadsync.connectors.github.graphql.BATCH_SIZE` per document.
- **issue_type**: ``PATCH /repos/o/r/issues/n`` with ``{"type": name}`` (PyGithub's ``Issue.edit``
  has no ``type``).

Nothing that changes nothing is sent: label adds/removes and types are checked against the Item,
board values against the board as read by this writer. Writes are paced
``seconds_between_writes`` apart (GitHub's secondary-limit guidance: at least 1 s).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import quote

from roadsync.changes import FieldChange, OutcomeStatus, WriteOutcome
from roadsync.config.model import FieldTarget, GithubConfig
from roadsync.connectors.github import graphql as documents
from roadsync.connectors.github.client import GithubClient
from roadsync.connectors.github.convert import ProjectField, ProjectSnapshot, number_text
from roadsync.connectors.github.reader import next_link, read_project
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError, BudgetExhausted, NotFoundError, RemoteRefused, TrackerError

__all__ = ["GithubWriter", "label_colour"]

_KINDS: Mapping[str, documents.Kind] = {
    "SINGLE_SELECT": "singleSelectOptionId",
    "TEXT": "text",
    "NUMBER": "number",
    "DATE": "date",
}


def label_colour(seed: str) -> str:
    """A stable 6-hex colour for a label (seeded by its prefix, so a managed family shares it)."""
    return hashlib.sha1(seed.encode()).hexdigest()[:6]


class _Failed(Exception):
    """A change that cannot be written, with its one-line reason."""


class GithubWriter:
    """Writer for one GitHub configuration; ``targets`` maps managed field name -> its GitHub target."""

    concurrency = 1
    """One item at a time: GitHub's secondary limits ask for serial writes paced
    ``seconds_between_writes`` apart (docs: "make requests serially instead of concurrently")."""

    def __init__(
        self,
        config: GithubConfig,
        token: str,
        targets: Mapping[str, FieldTarget],
        *,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        seconds_between_writes: float | None = None,
        budget_reserve: int = 100,
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
        )
        self._repo_labels: dict[str, set[str]] = {}
        self._board: ProjectSnapshot | None = None
        self._added: dict[str, str] = {}  # issue key -> board item id added by this writer
        self._queue: list[tuple[FieldChange, documents.FieldUpdate]] = []

    @property
    def requests(self) -> int:
        return self.client.requests

    def close(self) -> None:
        self.client.close()

    # -- entry points --------------------------------------------------------------------------

    def write(self, item: Item, changes: Sequence[FieldChange]) -> list[WriteOutcome]:
        """Write one item's changes; board updates may be held for :meth:`flush`."""
        groups: dict[str, list[FieldChange]] = {"label": [], "project": [], "issue_type": []}
        outcomes: list[WriteOutcome] = []
        for change in changes:
            target = self.targets.get(change.field)
            if target is None or target.target not in groups:
                outcomes.append(
                    _failed(change, f"no GitHub label/project/issue_type target for {change.field}")
                )
            else:
                groups[target.target].append(change)
        outcomes += self._guarded(groups["label"], lambda cs: self._write_labels(item, cs))
        outcomes += self._guarded(groups["issue_type"], lambda cs: self._write_type(item, cs))
        outcomes += self._guarded(groups["project"], lambda cs: self._queue_board(item, cs))
        return outcomes

    def flush(self) -> list[WriteOutcome]:
        """Send the queued board updates as aliased mutations; one outcome per queued change."""
        outcomes: list[WriteOutcome] = []
        while self._queue:
            batch, self._queue = self._queue[: documents.BATCH_SIZE], self._queue[documents.BATCH_SIZE :]
            changes = [change for change, _ in batch]
            outcomes += self._guarded(changes, self._sender(batch))
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

    # -- labels --------------------------------------------------------------------------------

    def _write_labels(self, item: Item, changes: list[FieldChange]) -> list[WriteOutcome]:
        current = {label.casefold() for label in item.labels}
        adds = sorted({c.new for c in changes if c.new and c.new.casefold() not in current})
        removes = sorted(
            {c.old for c in changes if c.old and c.old != c.new and c.old.casefold() in current} - set(adds)
        )
        before = self.client.requests
        issue = _issue_path(item)
        if adds:
            self._ensure_repo_labels(item.scope, adds, changes)
            self.client.rest("POST", f"{issue}/labels", body={"labels": adds}, item=item.key)
        for name in removes:
            self.client.rest("DELETE", f"{issue}/labels/{quote(name, safe='')}", item=item.key, accept=(404,))
        return _outcomes(changes, self.client.requests - before, lambda c: c.new in adds or c.old in removes)

    def _ensure_repo_labels(self, repo: str, names: list[str], changes: list[FieldChange]) -> None:
        known = self._repo_labels.get(repo)
        if known is None:
            known = self._list_repo_labels(repo)
            self._repo_labels[repo] = known
        for name in names:
            if name.casefold() in known:
                continue
            prefix = next((self.targets[c.field].prefix for c in changes if c.new == name), None)
            body = {"name": name, "color": label_colour(prefix or name), "description": "managed by roadsync"}
            response = self.client.rest("POST", f"/repos/{repo}/labels", body=body, item=repo, accept=(422,))
            if response.status == 422 and not _already_exists(response.data):
                raise RemoteRefused(f"GitHub refused to create label {name!r}", source="github", item=repo)
            known.add(name.casefold())

    def _list_repo_labels(self, repo: str) -> set[str]:
        names: set[str] = set()
        url: str | None = f"/repos/{repo}/labels?per_page=100"
        while url:
            response = self.client.rest("GET", url, item=repo)
            names |= {str(label["name"]).casefold() for label in response.data or ()}
            url = next_link(response.headers)
        return names

    # -- issue type ----------------------------------------------------------------------------

    def _write_type(self, item: Item, changes: list[FieldChange]) -> list[WriteOutcome]:
        wanted = changes[-1].new
        before = self.client.requests
        if wanted != item.issue_type:
            self.client.rest("PATCH", _issue_path(item), body={"type": wanted}, item=item.key)
        return _outcomes(changes, self.client.requests - before, lambda c: c.new != item.issue_type)

    # -- Projects v2 ---------------------------------------------------------------------------

    def _queue_board(self, item: Item, changes: list[FieldChange]) -> list[WriteOutcome]:
        board = self._snapshot()
        outcomes: list[WriteOutcome] = []
        for change in changes:
            try:
                update = self._board_update(board, item, change)
            except _Failed as exc:
                outcomes.append(_failed(change, str(exc)))
                continue
            if update is None:
                outcomes.append(WriteOutcome(change, "skipped"))
                continue
            self._queue.append((change, update))
            if len(self._queue) >= documents.BATCH_SIZE:
                outcomes += self.flush()
        return outcomes

    def _board_update(
        self, board: ProjectSnapshot, item: Item, change: FieldChange
    ) -> documents.FieldUpdate | None:
        name = self.targets[change.field].field or change.field
        field = board.fields.get(name)
        if field is None or field.data_type not in _KINDS:
            raise _Failed(f"the board has no text/number/date/single-select field {name!r} [source github]")
        # The item carries its board item id and values from the pull that planned this change,
        # so the writer never re-reads the board's pages (ceil(items / 100) requests).
        current = item.fields.get(name) if item.project_item_id else None
        if _same(field, current, change.new):
            return None
        item_id = item.project_item_id or self._add_to_board(board, item)
        return documents.FieldUpdate(item_id, field.id, _KINDS[field.data_type], _value(field, change.new))

    def _add_to_board(self, board: ProjectSnapshot, item: Item) -> str:
        if item.key in self._added:
            return self._added[item.key]
        project = self.config.project
        if project is None or not project.add_missing_items:
            raise _Failed(f"{item.key} is not on the board and add_missing_items is off [source github]")
        result = self.client.graphql(
            documents.ADD_ITEM_MUTATION,
            {"project": board.project_id, "content": item.native_id},
            item=item.key,
        )
        item_id = str(((result.data.get("addProjectV2ItemById") or {}).get("item") or {}).get("id") or "")
        if not item_id:
            raise _Failed(f"GitHub did not add {item.key} to the board [source github]")
        self._added[item.key] = item_id
        return item_id

    def _send_batch(self, batch: list[tuple[FieldChange, documents.FieldUpdate]]) -> list[WriteOutcome]:
        board = self._snapshot()
        document, variables = documents.field_updates_mutation(board.project_id, [u for _, u in batch])
        result = self.client.graphql(document, variables, partial=True)
        errors = {str((error.get("path") or [""])[0]): error for error in result.errors}
        outcomes = []
        for n, (change, _) in enumerate(batch):
            error = errors.get(f"u{n}")
            if error is not None and error.get("type") == "NOT_FOUND":
                # The issue (or its board item) was deleted since the pull: gone, not failed.
                gone = f"item gone: {change.item} is no longer on the board"
                outcomes.append(WriteOutcome(change, "skipped", gone))
                continue
            reason = str(error.get("message") or "refused") if error else None
            reason = reason or (None if result.data.get(f"u{n}") else "no result")
            outcomes.append(
                _failed(change, f"GitHub GraphQL: {reason} [source github, item {change.item}]")
                if reason
                else WriteOutcome(change, "applied", requests=1 if n == 0 else 0)
            )
        return outcomes

    def _snapshot(self) -> ProjectSnapshot:
        if self.config.project is None:
            raise _Failed("github.project is not configured [source github]")
        if self._board is None:
            self._board = read_project(self.client, self.config, items=False)
        return self._board


def _issue_path(item: Item) -> str:
    return f"/repos/{item.scope}/issues/{item.key.rsplit('#', 1)[1]}"


def _already_exists(data: object) -> bool:
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(isinstance(e, dict) and e.get("code") == "already_exists" for e in errors or ())


def _same(field: ProjectField, current: str | None, new: str | None) -> bool:
    if current is None or new is None:
        return current == new
    if field.data_type == "NUMBER":
        try:
            return number_text(float(current)) == number_text(float(new))
        except ValueError:
            return False
    return current == new


def _value(field: ProjectField, new: str | None) -> str | float | None:
    if new is None:
        return None
    if field.data_type == "SINGLE_SELECT":
        option = field.options.get(new)
        if option is None:
            raise _Failed(f"the board field {field.name!r} has no option {new!r} [source github]")
        return option
    if field.data_type == "NUMBER":
        try:
            return float(new)
        except ValueError:
            raise _Failed(f"{new!r} is not a number for board field {field.name!r} [source github]") from None
    return new


def _gone(change: FieldChange, exc: NotFoundError) -> str:
    return f"item gone: {change.item} no longer exists, moved, or the token cannot see it ({exc.message})"


def _failed(change: FieldChange, error: str) -> WriteOutcome:
    return WriteOutcome(change, "failed", error=error)


def _outcomes(
    changes: list[FieldChange], requests: int, sent: Callable[[FieldChange], bool]
) -> list[WriteOutcome]:
    outcomes = []
    for n, change in enumerate(changes):
        status: OutcomeStatus = "applied" if sent(change) else "skipped"
        outcomes.append(WriteOutcome(change, status, requests=requests if n == 0 else 0))
    return outcomes
