"""What the Jira changelog says about roadsync's writes: ownership where no marker is, and a
person's edit that roadsync's write still overwrote.

Where an issue carries no ``roadsync.<field>`` marker (a write by a roadsync that wrote none, a
marker deleted), :meth:`ChangelogReader.marks` reads the field's history: the value roadsync's
account last set, and whether another account changed it after.

Jira's edit takes no precondition, so a person can change a field between roadsync's last read of
the issue and its write. The changelog records each change with its author and the value it
replaced (``from``/``fromString``; research/ownership.md J3): roadsync's own history entry for the
field, made by its account (``/myself``: Cloud ``accountId``, Data Center ``key``/``name``) since
the read, replaced a value other than the plan's ``old`` and another account's entry set it in
between: that value was a person's and is to be restored.

Requests: Cloud ``POST /changelog/bulkfetch`` (1,000 issues and 10 fields per request, only the
managed fields' items); Data Center a search ``id in (...)`` with ``expand=changelog`` (50 issues
per request; DC has no bulk changelog endpoint). Plus ``/myself`` once.

Field items: priority ``field: "priority"``; labels ``field: "labels"`` with the whole set,
space-separated, in ``fromString``; a custom field by ``fieldId`` (Cloud) or its display name (Data
Center has no ``fieldId``); components are not read (each one is its own item).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget
from roadsync.connectors.contracts import Applied, Evidence, Overwrite, Wanted
from roadsync.connectors.jira.client import JiraClient
from roadsync.connectors.jira.convert import utc_timestamp
from roadsync.connectors.model import Mark
from roadsync.targets import kind_of

__all__ = ["ChangelogReader", "History"]

CLOUD_BATCH = 1000
DC_BATCH = 50
SOURCE = "Jira changelog"


@dataclass(frozen=True)
class History:
    """One changelog entry's change of one field: who, when (ISO UTC), the text before and after."""

    author: str
    at: str
    field: str
    field_id: str
    before: str | None
    after: str | None
    name: str = ""
    """The author as people know them (Jira's ``displayName``; the account id when absent)."""


class ChangelogReader:
    """Reads changelogs of written issues and finds the edits a write overwrote."""

    def __init__(self, client: JiraClient, custom_ids: Mapping[str, Sequence[str]],
                 myself: Callable[[], Mapping[str, Any]] | None = None) -> None:  # fmt: skip
        """``myself``: the token's ``/myself`` answer, when the caller already asks for it (the
        reader does, for the time zone of JQL dates), so one run asks once."""
        self.client = client
        self.custom_ids = custom_ids
        self._myself = myself
        self._me: str | None = None

    def overwritten(self, applied: Sequence[Applied], since: str) -> list[Overwrite]:
        readable = [a for a in applied if a[2].target in ("priority", "label", "field") and a[0].native_id]
        if not readable:
            return []
        me = self.me()
        logs = self._histories(sorted({a[0].native_id for a in readable}), readable)
        found: list[Overwrite] = []
        for item, change, target in readable:
            entries = [h for h in logs.get(item.native_id, ()) if self._matches(h, target) and h.at >= since]
            overwrite = _overwrite(entries, me, change, target)
            if overwrite is not None:
                found.append(overwrite)
        return found

    def marks(self, wanted: Sequence[Wanted], *, shared: bool = False) -> Evidence:
        """roadsync's last write of each wanted field as the changelog shows it: the value its
        account's last change set, and whether another account changed the field after; ``None``
        when its account never changed it. With ``shared`` (a person uses the account too), a field
        its account changed is left unanswered: the changelog cannot tell them apart. A target whose
        history is not read here (components: one changelog item per component) is answered by its
        marker alone: none means roadsync never wrote it."""
        readable: list[Wanted] = []
        unread: list[Wanted] = []
        for w in wanted:  # one pass (``w not in readable`` compared whole items: quadratic)
            read = w[2].target in ("priority", "label", "field") and bool(w[0].native_id)
            (readable if read else unread).append(w)
        found: Evidence = {(item.key, name): None for item, name, _ in unread}
        if not readable:
            return found
        me = self.me()
        applied = [(item, FieldChange(item.key, name, None, None), target) for item, name, target in readable]
        logs = self._histories(sorted({w[0].native_id for w in readable}), applied)
        for item, name, target in readable:
            entries = [h for h in logs.get(item.native_id, ()) if self._matches(h, target)]
            ours = [n for n, h in enumerate(entries) if h.author == me]
            if not ours or shared:
                if not ours:
                    found[(item.key, name)] = None
                continue
            last = entries[ours[-1]]
            known, value = _value(last.after, target)
            if known:
                after = any(h.author != me for h in entries[ours[-1] + 1 :])
                found[(item.key, name)] = Mark(value, kind_of(target).signature(target), last.at, SOURCE,
                                               touched_after=after, history=True)  # fmt: skip
        return found

    def me(self) -> str:
        """roadsync's own account as the changelog names authors (one ``/myself`` per reader)."""
        if self._me is None:
            answer = self._myself() if self._myself is not None else self.client.get("myself") or {}
            self._me = _author(answer) if isinstance(answer, Mapping) else ""
        return self._me

    def _matches(self, history: History, target: FieldTarget) -> bool:
        if target.target == "priority":
            return history.field == "priority"
        if target.target == "label":
            return history.field == "labels"
        wanted = self.custom_ids.get(target.field or "", ())
        return bool(history.field_id and history.field_id in wanted) or history.field == target.field

    # -- reading -------------------------------------------------------------------------------

    def _histories(self, ids: list[str], applied: Sequence[Applied]) -> dict[str, list[History]]:
        logs: dict[str, list[History]] = {}
        for issue_id, history in self._entries(ids, applied):
            logs.setdefault(issue_id, []).append(history)
        return {k: sorted(v, key=lambda h: h.at) for k, v in logs.items()}

    def _entries(self, ids: list[str], applied: Sequence[Applied]) -> Iterator[tuple[str, History]]:
        if self.client.flavor == "cloud":
            field_ids = sorted({i for _, _, t in applied for i in _field_ids(t, self.custom_ids)})[:10]
            for start in range(0, len(ids), CLOUD_BATCH):
                yield from self._cloud(ids[start : start + CLOUD_BATCH], field_ids)
            return
        for start in range(0, len(ids), DC_BATCH):
            chunk = ids[start : start + DC_BATCH]
            params = {"jql": f"id in ({', '.join(chunk)})", "fields": "key", "expand": "changelog",
                      "maxResults": len(chunk)}  # fmt: skip
            for issue in (self.client.get("search", params) or {}).get("issues") or ():
                for raw in (issue.get("changelog") or {}).get("histories") or ():
                    yield from ((str(issue.get("id")), h) for h in _histories(raw))

    def _cloud(self, ids: list[str], field_ids: list[str]) -> Iterator[tuple[str, History]]:
        body: dict[str, Any] = {"issueIdsOrKeys": ids, "fieldIds": field_ids, "maxResults": 1000}
        while True:
            page = self.client.post_read("changelog/bulkfetch", body) or {}
            for log in page.get("issueChangeLogs") or ():
                for raw in log.get("changeHistories") or ():
                    yield from ((str(log.get("issueId")), h) for h in _histories(raw))
            token = page.get("nextPageToken")
            if not token or token == body.get("nextPageToken"):
                return
            body["nextPageToken"] = token


def _author(user: Mapping[str, Any]) -> str:
    return str(user.get("accountId") or user.get("key") or user.get("name") or "")


def _histories(raw: Mapping[str, Any]) -> Iterable[History]:
    who = raw.get("author") or {}
    author = _author(who)
    name = str(who.get("displayName") or author)
    at = utc_timestamp(raw.get("created"))
    for item in raw.get("items") or ():
        yield History(author, at, str(item.get("field") or ""), str(item.get("fieldId") or ""),
                      item.get("fromString"), item.get("toString"), name)  # fmt: skip


def _field_ids(target: FieldTarget, custom_ids: Mapping[str, Sequence[str]]) -> Sequence[str]:
    """The changelog field ids of ``target`` (a custom field's name may mean several fields,
    one per project: research/jira.md §4)."""
    if target.target == "priority":
        return ("priority",)
    if target.target == "label":
        return ("labels",)
    return custom_ids.get(target.field or "", ())


def _value(text: str | None, target: FieldTarget) -> tuple[bool, str | None]:
    """``(readable, value)`` of a history's text for the target (labels: the one with the prefix)."""
    if target.target != "label":
        return True, text or None
    family = [label for label in (text or "").split() if label.startswith(target.prefix or "")]
    return len(family) <= 1, (family[0] if family else None)


def _overwrite(entries: list[History], me: str, change: Any, target: FieldTarget) -> Overwrite | None:
    """The person's value roadsync's write of ``change`` replaced, if another account set it after
    the read (``entries``: the field's history since the read, oldest first). Whoever made the
    change just before roadsync's write set the value it replaced: when that is roadsync's own
    account (an earlier write a lagging search did not show), nobody's edit was overwritten."""
    ours = [n for n, h in enumerate(entries) if h.author == me]
    if not ours:
        return None
    write = entries[ours[-1]]
    readable, replaced = _value(write.before, target)
    if not readable or replaced == change.old:
        return None
    setter = entries[ours[-1] - 1] if ours[-1] > 0 else None
    if setter is None or setter.author == me:
        return None  # the value replaced was roadsync's own (a write the lagging read did not show)
    return Overwrite(change, replaced, setter.name or setter.author, setter.at)
