"""Read GitHub issues (and the configured Projects v2 board) into :class:`~roadsync.connectors.model.Item`.

Listing a scope (``owner/repo``) is ``GET /repos/{o}/{r}/issues?state=…&sort=updated&direction=asc
&per_page=100[&since=…]``, following the ``link`` header's ``rel="next"`` (the API's own last-page
signal; never page length). Pull requests are skipped unless ``include_pull_requests``.

Conditional requests: the first page goes out with ``If-None-Match`` carrying the ETag stored for
that exact URL (:class:`EtagStore`). A ``304`` means nothing in the scope changed: the scope yields
no REST items, and GitHub does not charge the primary budget for it. So that a no-change run costs
one request per scope, **the URL must be identical across runs when nothing changed**: ``since``
must come from the pull cursor derived from the data (the newest ``updated`` seen, minus the
overlap), which only moves when something changed, never from the clock. The ETag is stored only
after every page of the scope was read, so a run stopped half-way (budget, failure) cannot make the
next run skip the pages it missed.

Parents come from each issue's ``parent_issue_url`` (no extra request). github.com leaves that key
out of an issue without a parent [research github.md §7: kamp-us/phoenix#4171, a live check], so a
missing key means "no parent" on github.com (and GHE.com), and on any other server once one issue
carried the key (remembered between runs beside the ETags, under ``<base url>#parent_issue_url``).
Only a server not known to send it (older GitHub Enterprise) makes the reader hold the scope's items
and list ``/issues/{n}/sub_issues`` for the issues fetched this run whose
``sub_issues_summary.total > 0``: one request per such parent (per 100 children).

Projects v2: with ``config.project`` set, the board is read once per reader and its values merged
into the Items by key. A full read (a scope read without ``since``, or no mirror) reads every item
by GraphQL (one request per 100 board items); an incremental one reads only the board items changed
since the scope's ``since`` (:mod:`roadsync.connectors.github.board`: one REST request on a quiet
board), and an issue whose board item did not change keeps the board part of its mirror copy. A
board value cannot bump the issue's ``updated_at``, so for board items the REST listing did not
return, the reader asks ``previous(key)`` (the mirror's stored Item) and yields that Item with
fresh board values when they differ; the mirror compares and counts it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from roadsync.config.model import GithubConfig
from roadsync.connectors.contracts import Applied, Evidence, Overwrite, Wanted
from roadsync.connectors.github import graphql as documents
from roadsync.connectors.github.auth import GithubAuth
from roadsync.connectors.github.board import read_board_changes, read_project
from roadsync.connectors.github.client import GithubClient, Response
from roadsync.connectors.github.convert import (
    BoardItem,
    BoardMarking,
    ProjectSnapshot,
    apply_board_item,
    board_item_from_node,
    carry_board,
    compile_key_pattern,
    item_from_issue,
)
from roadsync.connectors.github.evidence import HistoryReader
from roadsync.connectors.github.pages import next_link, pages
from roadsync.connectors.github.transfers import transferred_from
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import ConfigError, TrackerError

__all__ = ["BoardRead", "EtagStore", "GithubReader", "PreviousItem", "next_link", "read_project"]

PreviousItem = Callable[[str], "Item | None"]
REREAD_BATCH = 50
"""Issues re-read per GraphQL request before they are written."""


def _content(item: Item) -> dict[str, Any]:
    number = int(item.key.rsplit("#", 1)[1])
    return {"number": number, "repository": {"nameWithOwner": item.scope}}


class EtagStore(Protocol):
    """Where ETags of first list pages live between runs (the mirror; adapter: ``get=mirror.etag``,
    ``set=mirror.set_etag``)."""

    def get(self, url: str) -> str | None: ...

    def set(self, url: str, etag: str) -> None: ...


class GithubReader:
    """Reader of one GitHub configuration: ``scopes()``, ``fetch_items()``, ``read_project()``."""

    source = "github"

    def __init__(
        self,
        config: GithubConfig,
        token: GithubAuth,
        *,
        verify: bool | str = True,
        etags: EtagStore | None = None,
        previous: PreviousItem | None = None,
        retry: RetryPolicy | None = None,
        budget_reserve: int = 100,
        board_fields: Mapping[str, str] | None = None,
        types_managed: bool = False,
    ) -> None:
        self.config = config
        self.client = GithubClient(config, token, verify=verify, retry=retry, budget_reserve=budget_reserve)
        self.etags = etags
        self.previous = previous
        self.key_pattern = compile_key_pattern(config.key_pattern)
        self._board: ProjectSnapshot | None = None
        self._read: BoardRead | None = None  # this pull's board: in full, or what changed
        self.marking = (
            BoardMarking(dict(board_fields or {}), config.project.marker_field) if config.project else None
        )
        self.history = HistoryReader(self.client, shared=config.shared_account)
        self.types_managed = types_managed
        self._left: set[str] = set()  # repositories issues were transferred out of (lost_scopes)
        self._parent_key = f"{self.client.base_url}#parent_issue_url"
        self._sends_parent_url = _github_com(self.client.base_url) or bool(
            etags is not None and etags.get(self._parent_key))

    @property
    def requests(self) -> int:
        """HTTP requests made so far (REST and GraphQL, 304s included)."""
        return self.client.requests

    def close(self) -> None:
        self.client.close()

    # -- scopes --------------------------------------------------------------------------------

    def scopes(self) -> list[str]:
        """``config.repos``, or the org's (non-archived) repos kept by the include/exclude globs."""
        if self.config.repos:
            return list(self.config.repos)
        if not self.config.org:
            raise ConfigError("github needs `repos` or `org`", hint="set github.repos or github.org")
        names = [
            str(repo["full_name"])
            for page in self._pages(f"/orgs/{self.config.org}/repos?per_page=100&type=all", self.config.org)
            for repo in page.data or ()
            if not repo.get("archived")
        ]
        return sorted(name for name in names if self._in_scope(name))

    def _in_scope(self, full_name: str) -> bool:
        def hits(patterns: list[str]) -> bool:
            short = full_name.split("/", 1)[1]
            return any(fnmatch.fnmatchcase(full_name if "/" in p else short, p) for p in patterns)

        return hits(self.config.include) and not hits(self.config.exclude)

    def _pages(self, first: str, item: str, headers: Mapping[str, str] | None = None) -> Iterator[Response]:
        return pages(self.client, first, item, headers)

    # -- items ---------------------------------------------------------------------------------

    def list_url(self, scope: str, since: str | None) -> str:
        """The first-page URL of a scope's listing (also the ETag key, prefixed by the base URL)."""
        params: dict[str, Any] = {"state": self.config.state, "sort": "updated", "direction": "asc"}
        if self.config.labels:
            params["labels"] = ",".join(self.config.labels)
        if since:
            params["since"] = since
        params["per_page"] = 100
        return f"/repos/{scope}/issues?{urlencode(params)}"

    def fetch_items(self, scope: str, since: str | None) -> Iterator[Item]:
        """Items of ``scope`` updated at or after ``since`` (all when ``None``), oldest update first."""
        self._board_for(since)
        first = self.list_url(scope, since)
        etag_key = self.client.base_url + first
        stored = self.etags.get(etag_key) if self.etags is not None else None
        seen: set[str] = set()
        arrived: list[str] = []  # node ids of issues an incremental read meets for the first time
        held: list[tuple[Item, Mapping[str, Any]]] = []  # only for servers without parent_issue_url
        first_page: Response | None = None
        try:
            for page in self._pages(first, scope, {"If-None-Match": stored} if stored else None):
                first_page = first_page or page
                for raw in page.data or () if page.status == 200 else ():
                    item = self._convert(raw, scope)
                    if item is None:
                        continue
                    seen.add(item.key)
                    if since is not None and self._new(item):
                        arrived.append(item.native_id)
                    if "parent_issue_url" in raw and not self._sends_parent_url:
                        self._learn_parent_url()
                    if self._sends_parent_url:
                        yield item
                    else:
                        held.append((item, raw))
        except TrackerError:
            yield from (item for item, _ in held)
            raise
        if self._sends_parent_url:  # a key seen after items were held: theirs is "no parent"
            yield from (item for item, _ in held)
        else:
            yield from self._with_sub_issue_parents(scope, held)
        yield from self._board_only_changes(scope, seen)
        if arrived:
            self._left |= transferred_from(self.client, arrived, scope) - {scope}
        etag = first_page.headers.get("etag") if first_page and first_page.status == 200 else None
        if self.etags is not None and etag:
            self.etags.set(etag_key, etag)

    def lost_scopes(self) -> set[str]:
        """Repositories issues were transferred out of, learned from the issues an incremental read
        met for the first time (:mod:`roadsync.connectors.github.transfers`); names as GitHub
        spells them."""
        return set(self._left)

    def pulled(self) -> None:
        """Drop the board as read for the scopes (its items by key, from a full read: about
        1 KB an item); :meth:`reread` and the writers read what they need on their own."""
        self._board, self._read = None, None

    def _new(self, item: Item) -> bool:
        return self.previous is not None and bool(item.native_id) and self.previous(item.key) is None

    def _learn_parent_url(self) -> None:
        self._sends_parent_url = True
        if self.etags is not None:
            self.etags.set(self._parent_key, "1")

    def _convert(self, raw: Mapping[str, Any], scope: str) -> Item | None:
        if "pull_request" in raw and not self.config.include_pull_requests:
            return None
        item = item_from_issue(
            raw, repo=scope, key_pattern=self.key_pattern, estimate_field=self.config.estimate_field
        )
        return self._with_board(item, str(raw.get("created_at") or ""))

    def _with_board(self, item: Item, created: str) -> Item:
        """``item`` with its board part: from this pull's board read or, when that read holds only
        the items changed since a time and this one is not among them, the mirror's copy of it.
        An issue new to the mirror but created before that time (reopened into a ``state`` filter,
        labelled into a ``labels`` filter, transferred here) may sit on the board unchanged: the
        board is then read in full, once."""
        read = self._read
        if read is None:
            return item
        if read.since is not None and item.key not in read.items:
            before = self.previous(item.key) if self.previous is not None else None
            if before is not None:
                return carry_board(item, before, marking=self.marking)
            born = _moment(created)
            if born is None or born < read.since:
                read = self._full_board()
        return apply_board_item(
            item, read.items.get(item.key), estimate_field=self.config.estimate_field, marking=self.marking
        )

    def _with_sub_issue_parents(
        self, scope: str, held: list[tuple[Item, Mapping[str, Any]]]
    ) -> Iterator[Item]:
        parents: dict[str, str] = {}
        for item, raw in held:
            if int((raw.get("sub_issues_summary") or {}).get("total") or 0) > 0:
                url = f"/repos/{scope}/issues/{raw['number']}/sub_issues?per_page=100"
                for page in self._pages(url, item.key):
                    for child in page.data or ():
                        parents[f"{scope}#{child['number']}"] = item.key
        for item, _ in held:
            parent = parents.get(item.key, item.parent)
            yield item if parent == item.parent else replace(item, parent=parent)

    def _board_only_changes(self, scope: str, seen: set[str]) -> Iterator[Item]:
        if self._read is None or self.previous is None:
            return
        for key, board_item in self._read.items.items():
            if key in seen or key.rsplit("#", 1)[0] != scope:
                continue
            before = self.previous(key)
            if before is None:
                continue
            after = apply_board_item(
                before, board_item, estimate_field=self.config.estimate_field, marking=self.marking
            )
            if after != before:
                yield after

    # -- ownership evidence --------------------------------------------------------------------

    def overwritten(self, applied: Sequence[Applied], since: str) -> list[Overwrite]:
        """People's label and issue-type edits this run's writes overwrote (:mod:`.evidence`).
        Projects v2 keeps no history of field values: a board value overwritten between the
        re-read and the write cannot be found."""
        return self.history.overwritten(applied, since)

    def evidence(self, wanted: Sequence[Wanted]) -> Evidence:
        """Label and issue-type history for the wanted fields (:mod:`.evidence`). Board fields
        carry their marks from the pull (the marker field); none is fetched for them."""
        return self.history.evidence(wanted)

    def reread(self, items: Sequence[Item]) -> dict[str, Item]:
        """These issues as they are now (by key; a gone one is left out), read right before they
        are written: one GraphQL request per :data:`REREAD_BATCH` issues for labels, state and
        board values, plus ``GET /repos/o/r/issues/n`` for an issue whose type may be written
        (the public GraphQL schema has no issue type)."""
        fresh: dict[str, Item] = {}
        for start in range(0, len(items), REREAD_BATCH):
            fresh.update(self._reread(items[start : start + REREAD_BATCH]))
        return fresh

    def _reread(self, items: Sequence[Item]) -> dict[str, Item]:
        by_node = {item.native_id: item for item in items if item.native_id}
        board_ids = [item.project_item_id for item in items if item.project_item_id]
        variables = {"issues": list(by_node), "items": board_ids}
        result = self.client.graphql(documents.REREAD_QUERY, variables, item=items[0].key, partial=True)
        nodes = result.data.get("boardItems") or ()
        board = {str(n["id"]): n for n in nodes if isinstance(n, dict) and n.get("id")}
        fresh: dict[str, Item] = {}
        for node in result.data.get("issues") or ():
            item = by_node.get(str((node or {}).get("id") or ""))
            if item is None or node is None:
                continue
            labels = tuple(str(n["name"]) for n in (node.get("labels") or {}).get("nodes") or () if n)
            status = "closed" if str(node.get("state")).upper() == "CLOSED" else "open"
            updated = str(node.get("updatedAt") or item.updated)
            now = replace(item, labels=labels, status=status, updated=updated)
            values = board.get(item.project_item_id or "")
            board_item = board_item_from_node({**values, "content": _content(item)}) if values else None
            if self.types_managed:
                now = replace(now, issue_type=self._type_now(item))
            fresh[item.key] = apply_board_item(
                now, board_item[1] if board_item else None, estimate_field=self.config.estimate_field,
                marking=self.marking,
            )  # fmt: skip
        return fresh

    def _type_now(self, item: Item) -> str | None:
        """An issue's type now (``GET /repos/o/r/issues/n``)."""
        path = f"/repos/{item.scope}/issues/{item.key.rsplit('#', 1)[1]}"
        answer = self.client.rest("GET", path, item=item.key)
        name = ((answer.data or {}).get("type") or {}).get("name")
        return str(name) if name else None

    # -- Projects v2 ---------------------------------------------------------------------------

    def read_project(self, *, refresh: bool = False) -> ProjectSnapshot | None:
        """The configured board (ids, fields, options, items by key), read in full once per reader."""
        if self.config.project is None:
            return None
        if self._board is None or refresh:
            self._board = read_project(self.client, self.config)
        return self._board

    def _board_for(self, since: str | None) -> BoardRead | None:
        """The board as a scope's pull needs it: in full on a full read (``since`` None) or
        without a mirror to keep the unchanged items' values; else only the items changed at or
        after ``since`` (:mod:`.board`), or in full where GitHub does not serve that list. Read
        once per reader, again only for a scope that needs more than was read."""
        if self.config.project is None:
            return None
        moment = _moment(since) if since else None
        known = self._read
        if known is not None and (known.since is None or (moment is not None and known.since <= moment)):
            return known
        if moment is None or self.previous is None:
            return self._full_board()
        changed = read_board_changes(self.client, self.config, moment, datetime.now(timezone.utc))
        self._read = self._full_board() if changed is None else BoardRead(changed, moment)
        return self._read

    def _full_board(self) -> BoardRead:
        snapshot = self.read_project()
        self._read = BoardRead(snapshot.items if snapshot is not None else {})
        return self._read


@dataclass(frozen=True)
class BoardRead:
    """What a pull knows of the board: ``items`` by issue key. ``since`` None: every item (read in
    full); else only the items changed at or after ``since``, the others as the mirror holds them."""

    items: Mapping[str, BoardItem]
    since: datetime | None = None


def _moment(text: str) -> datetime | None:
    """An ISO UTC time (``...Z``) as an aware datetime; None when unreadable."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _github_com(base_url: str) -> bool:
    """Whether ``base_url`` is github.com's API (or GHE.com's), which omits ``parent_issue_url``
    from an issue without a parent."""
    host = httpx.URL(base_url).host
    return host == "api.github.com" or (host.startswith("api.") and host.endswith(".ghe.com"))
