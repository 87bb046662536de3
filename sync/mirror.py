"""The local mirror of the backlog: every item in scope, cursors per scope, GitHub ETags.

The mirror lives in the state file (``<state_dir>/state.sqlite``, part ``mirror``). Items are
stored as the JSON of :meth:`Item.to_dict` with sorted keys, so "identical to the mirror's copy"
is a plain text comparison: an upsert counts an item as *fetched* only when it is new or its JSON
differs (design.md: the overlap window re-reads items without counting them).

A :class:`Cursor` is the high-water mark of the last successful pull of one scope (``since``, ISO
UTC) and when that scope last had a full refresh. Callers commit it only after the scope's pull
finished; :meth:`Mirror.transaction` lets the pull store items, remove missing ones and commit the
cursor atomically.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from roadsync.connectors.model import Item
from roadsync.heap import acyclic
from roadsync.sync.db import migrate
from roadsync.sync.db import transaction as sqlite_transaction

__all__ = ["MIGRATIONS", "Cursor", "Mirror", "item_json"]

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE items (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        scope TEXT NOT NULL,
        updated TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX items_by_scope ON items (source, scope);
    CREATE TABLE cursors (
        source TEXT NOT NULL,
        scope TEXT NOT NULL,
        since TEXT,
        last_full TEXT,
        PRIMARY KEY (source, scope)
    );
    CREATE TABLE etags (
        url TEXT PRIMARY KEY,
        etag TEXT NOT NULL,
        body TEXT
    )
    """,
    # 2: an item's tracker id, so an issue moved to another project or repository (new key,
    # same id) replaces its old key instead of lingering under it until the next full refresh.
    """
    ALTER TABLE items ADD COLUMN native_id TEXT NOT NULL DEFAULT '';
    CREATE INDEX items_by_native_id ON items (source, native_id)
    """,
    # 3: the Projects v2 board item id. A GitHub issue transferred to another repository gets a new
    # number *and* a new node id, but an organization board keeps its item (docs: "Transferring an
    # issue to another repository"), so the board item id is what follows it there.
    """
    ALTER TABLE items ADD COLUMN board_item TEXT NOT NULL DEFAULT '';
    CREATE INDEX items_by_board_item ON items (source, board_item)
    """,
    # 4: a revision per stored copy, so a run tells which items changed since it last planned
    # them (``roadsync.sync.scope``) from one narrow query instead of loading every item.
    """
    ALTER TABLE items ADD COLUMN rev INTEGER NOT NULL DEFAULT 0
    """,
    # 5: what a scope's items were last read in full with (the read basis: fields, properties,
    # board fields, filters), so a config that asks reads for more makes the next pull read the
    # scope in full instead of planning from copies that never held the new field (NULL: unknown).
    """
    ALTER TABLE cursors ADD COLUMN basis TEXT
    """,
)

# SQLite's default limit on host parameters is 999 in old builds; stay well under it.
_CHUNK = 500


_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(Item))


def item_json(item: Item) -> str:
    """The canonical JSON of an item as the mirror stores it: ``Item.to_dict()``, sorted keys, compact."""
    # Same document as Item.to_dict() (tuples become JSON lists either way) without
    # dataclasses.asdict's deep copy, which dominated the cost of a 10k-item upsert.
    data: dict[str, Any] = {name: getattr(item, name) for name in _ITEM_FIELDS}
    data["fields"] = dict(item.fields)
    data["marks"] = {name: mark.to_dict() if mark else None for name, mark in item.marks.items()}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Cursor:
    """Where the last successful pull of one scope ended.

    ``since``: ISO UTC high-water mark to read from next time (before the overlap window is
    subtracted), ``None`` when no successful pull has set one. ``last_full``: ISO UTC time of the
    last completed full refresh, ``None`` when there never was one. ``basis``: the canonical JSON
    of what that full refresh read (:func:`roadsync.sync.sources.read_bases`), ``None`` when
    unknown (never read in full, or by a roadsync that did not record it).
    """

    source: str
    scope: str
    since: str | None
    last_full: str | None
    basis: str | None = None


def _load_items(documents: Iterable[str]) -> list[Item]:
    with acyclic():  # 100k items allocate millions of containers, none in a cycle
        return [Item.from_dict(json.loads(document)) for document in documents]


F = TypeVar("F", bound=Callable[..., Any])


def _locked(method: F) -> F:
    """Serialize a method on the mirror's lock: sources are pulled in parallel threads that
    share one SQLite connection, and their readers call back into the mirror (ETags, links)."""

    @functools.wraps(method)
    def wrapper(self: Mirror, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Mirror:
    """The items, cursors and ETags tables of one state file.

    Every public write runs in its own transaction unless called inside :meth:`transaction`,
    in which case it joins the outer one.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        migrate(conn, "mirror", MIGRATIONS)
        self._rev = int(conn.execute("SELECT COALESCE(MAX(rev), 0) FROM items").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        with self.lock, sqlite_transaction(self.conn):
            yield

    @_locked
    def upsert(self, items: Iterable[Item]) -> tuple[int, int]:
        """Store ``items``; return ``(fetched, unchanged)``.

        ``fetched`` counts items that were new or differ from the mirror's copy; ``unchanged``
        those identical to it, and those older than it (``updated`` earlier: a lagging Jira search
        can return a copy older than one a direct read just stored; the newer copy stays). An
        item given twice counts once (the last copy wins). An item
        that moved (same tracker id under a new key: a Jira move) or was transferred (same board
        item under a new key and node id: a GitHub transfer) drops its old key at once. A stored
        copy that is new or differs gets a revision no earlier copy of any key had (:meth:`revisions`).
        """
        self._rev += 1
        rows = {
            item.key: (item.key, item.source, item.scope, item.updated, item_json(item), item.native_id,
                       item.project_item_id or "", self._rev)
            for item in items
        }  # fmt: skip
        if not rows:
            return 0, 0
        with self.transaction():
            for column, at in (("native_id", 5), ("board_item", 6)):
                self.conn.executemany(
                    f"DELETE FROM items WHERE source = ? AND {column} = ? AND {column} != '' AND key != ?",
                    [(row[1], row[at], row[0]) for row in rows.values() if row[at]],
                )
            cursor = self.conn.executemany(
                "INSERT INTO items (key, source, scope, updated, data, native_id, board_item, rev) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET source = excluded.source, scope = excluded.scope, "
                "updated = excluded.updated, data = excluded.data, native_id = excluded.native_id, "
                "board_item = excluded.board_item, rev = excluded.rev WHERE items.data IS NOT excluded.data "
                "AND (excluded.updated >= items.updated OR excluded.updated = '')",
                list(rows.values()),
            )
            # executemany's rowcount sums the rows inserted or updated; the WHERE clause makes
            # an identical copy a no-op, so it is not counted.
            fetched = max(cursor.rowcount, 0)
        return fetched, len(rows) - fetched

    @_locked
    def items(self, source: str | None = None) -> list[Item]:
        """Every mirrored item (of ``source`` if given), sorted by key."""
        # Rows are streamed, not fetched all at once: holding 100k JSON documents beside the
        # items built from them cost ~60 MB of peak memory.
        if source is None:
            rows = self.conn.execute("SELECT data FROM items ORDER BY key")
        else:
            rows = self.conn.execute("SELECT data FROM items WHERE source = ? ORDER BY key", (source,))
        return _load_items(row[0] for row in rows)

    @_locked
    def load(self, keys: Iterable[str]) -> list[Item]:
        """The mirrored items among ``keys`` (unknown keys are left out), sorted by key."""
        wanted = sorted(set(keys))
        documents: list[str] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT data FROM items WHERE key IN ({marks})", chunk)
            documents += [row[0] for row in rows]
        return sorted(_load_items(documents), key=lambda item: item.key)

    @_locked
    def find(self, identities: Iterable[str]) -> dict[str, Item]:
        """The mirrored items whose :attr:`Item.identity` is among ``identities`` (``jira:10042``,
        or the key where the tracker id is unknown), by identity: a moved issue is found under its
        new key. Only those rows are read (an indexed look-up each), never the whole mirror."""
        found: dict[str, Item] = {}
        for identity in sorted(set(identities)):
            source, _, native = identity.partition(":")
            row = self.conn.execute(
                "SELECT data FROM items WHERE (source = ? AND native_id = ? AND native_id != '') "
                "OR (key = ? AND native_id = '')", (source, native, identity)
            ).fetchone()  # fmt: skip
            if row is not None:
                found[identity] = _load_items([row[0]])[0]
        return found

    @_locked
    def revisions(self) -> dict[str, int]:
        """Every mirrored key and the revision of its stored copy: a key whose revision differs
        from the one a run planned changed since (or was removed and stored again)."""
        return dict(self.conn.execute("SELECT key, rev FROM items"))

    @_locked
    def get(self, key: str) -> Item | None:
        """The mirrored item with ``key``, or ``None``."""
        row = self.conn.execute("SELECT data FROM items WHERE key = ?", (key,)).fetchone()
        return Item.from_dict(json.loads(row[0])) if row else None

    @_locked
    def known_links(self, key: str, updated: str) -> tuple[str, ...] | None:
        """The links mirrored for ``key`` if its copy has this ``updated`` time, else ``None``.

        The Jira reader's ``known_links`` hook: an issue unchanged since the last pull reuses its
        remote links instead of costing one request.
        """
        row = self.conn.execute("SELECT updated, data FROM items WHERE key = ?", (key,)).fetchone()
        if row is None or not updated or row[0] != updated:
            return None
        return tuple(json.loads(row[1]).get("links") or ())

    @_locked
    def count(self, source: str | None = None) -> int:
        """How many items the mirror holds (of ``source`` if given)."""
        if source is None:
            row = self.conn.execute("SELECT COUNT(*) FROM items").fetchone()
        else:
            row = self.conn.execute("SELECT COUNT(*) FROM items WHERE source = ?", (source,)).fetchone()
        return int(row[0])

    @_locked
    def keys(self, source: str, scope: str) -> set[str]:
        """The keys mirrored for one scope."""
        rows = self.conn.execute("SELECT key FROM items WHERE source = ? AND scope = ?", (source, scope))
        return {row[0] for row in rows}

    @_locked
    def forget(self, keys: Iterable[str]) -> int:
        """Drop these keys at once (a write found the item gone: deleted, moved or transferred)."""
        gone = sorted(set(keys))
        with self.transaction():
            for start in range(0, len(gone), _CHUNK):
                chunk = gone[start : start + _CHUNK]
                self.conn.execute(f"DELETE FROM items WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        return len(gone)

    @_locked
    def remove_missing(self, source: str, scope: str, seen_keys: Iterable[str]) -> int:
        """After a full refresh of a scope: drop its items not in ``seen_keys``; return how many.

        Items deleted, transferred or no longer in scope disappear from the mirror this way.
        """
        gone = sorted(self.keys(source, scope) - set(seen_keys))
        with self.transaction():
            for start in range(0, len(gone), _CHUNK):
                chunk = gone[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                self.conn.execute(f"DELETE FROM items WHERE key IN ({marks})", chunk)
        return len(gone)

    @_locked
    def remove_scopes_except(self, source: str, scopes: Iterable[str]) -> int:
        """Drop items and cursors of ``source`` whose scope is no longer configured; return items dropped."""
        keep = set(scopes)
        stale = [
            row[0]
            for row in self.conn.execute("SELECT DISTINCT scope FROM items WHERE source = ?", (source,))
        ]
        stale_cursors = [
            row[0] for row in self.conn.execute("SELECT scope FROM cursors WHERE source = ?", (source,))
        ]
        dropped = 0
        with self.transaction():
            for scope in sorted({*stale, *stale_cursors} - keep):
                dropped += self.conn.execute(
                    "DELETE FROM items WHERE source = ? AND scope = ?", (source, scope)
                ).rowcount
                self.conn.execute("DELETE FROM cursors WHERE source = ? AND scope = ?", (source, scope))
        return dropped

    @_locked
    def cursor(self, source: str, scope: str) -> Cursor | None:
        """The cursor of one scope, or ``None`` when it was never pulled successfully."""
        row = self.conn.execute(
            "SELECT since, last_full, basis FROM cursors WHERE source = ? AND scope = ?", (source, scope)
        ).fetchone()
        return Cursor(source, scope, row[0], row[1], row[2]) if row else None

    @_locked
    def bases(self, source: str) -> dict[str, str | None]:
        """The read basis of each of ``source``'s scopes with a cursor, by scope (``None``: unknown)."""
        rows = self.conn.execute("SELECT scope, basis FROM cursors WHERE source = ?", (source,))
        return {str(row[0]): row[1] for row in rows}

    @_locked
    def commit_cursor(
        self, source: str, scope: str, since: str | None, *, full_at: str | None = None,
        basis: str | None = None,
    ) -> None:
        """Record a successful pull of one scope: the new ``since`` and, after a full refresh, its
        time and the read basis it read with.

        Call only after the scope's pull finished. ``full_at=None`` keeps the previous
        ``last_full``, ``basis=None`` the previous basis.
        """
        with self.transaction():
            self.conn.execute(
                "INSERT INTO cursors (source, scope, since, last_full, basis) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(source, scope) DO UPDATE SET since = excluded.since, "
                "last_full = COALESCE(excluded.last_full, cursors.last_full), "
                "basis = COALESCE(excluded.basis, cursors.basis)",
                (source, scope, since, full_at, basis),
            )

    @_locked
    def etag(self, url: str) -> str | None:
        """The ETag last stored for ``url`` (GitHub conditional requests), or ``None``."""
        row = self.conn.execute("SELECT etag FROM etags WHERE url = ?", (url,)).fetchone()
        return str(row[0]) if row else None

    @_locked
    def etag_body(self, url: str) -> str | None:
        """The response body stored with ``url``'s ETag (to replay on a 304), or ``None``."""
        row = self.conn.execute("SELECT body FROM etags WHERE url = ?", (url,)).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    @_locked
    def set_etag(self, url: str, etag: str, body: str | None = None) -> None:
        """Remember ``url``'s ETag (and optionally the body it came with)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO etags (url, etag, body) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, body = excluded.body",
                (url, etag, body),
            )
