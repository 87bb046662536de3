"""Who last set a managed GitHub value, from GitHub's own history (no state file needed).

**Labels** (``label`` targets): GitHub keeps a ``LabeledEvent`` / ``UnlabeledEvent`` with its
``actor`` for every label added to or removed from an issue (REST ``labeled``/``unlabeled``
issue events; GraphQL ``Issue.timelineItems``; research/ownership.md G7). One GraphQL request asks
for the last 100 label events of up to :data:`BATCH` issues by node id, with ``viewer.login``
(roadsync's own account) in the same document. Events are kept when an issue is transferred, so
the evidence follows the issue to its new repository.

**Issue types** (``issue_type``): ``issue_type_added`` / ``_changed`` / ``_removed`` issue events
(REST only: the public GraphQL schema has no issue-type timeline items), read per issue: the
first page (oldest first) and, when there are more, the page the ``rel="last"`` link names.

The reading, per managed field: roadsync's last event on the field (a label with the target's
prefix, in any case as GitHub compares names) gives the value it left (the label it added, or
``None`` when it only removed one) and when; any event on the field by another account after it
makes the value a person's (``touched_after``), even if it equals roadsync's. No event by
roadsync at all: roadsync never wrote the field (``None``). With ``shared`` set (the token's
account is also a person's), events by that account cannot tell roadsync from the person: fields
with such events are left unanswered, so the planner falls back to the state cache and never
takes the field over.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget
from roadsync.connectors.contracts import Applied, Evidence, Overwrite, Wanted
from roadsync.connectors.github.client import GithubClient
from roadsync.connectors.github_labels import label_key
from roadsync.connectors.model import Item, Mark
from roadsync.targets import kind_of

__all__ = ["BATCH", "LABEL_HISTORY_QUERY", "Event", "HistoryReader", "last_write", "login_key"]

BATCH = 100
"""Issues per label-history request: ``nodes(ids:)`` of 100, the largest page GitHub serves; 100 x
100 events is 10,100 nodes, far inside the 500,000-node limit, and 1 point [docs:
https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#node-limit].
A first adoption reads the history of every issue it labels (without a state file a label a person
removed looks like one never added until the history says so), so the batch sets its cost."""
SOURCE_LABELS = "GitHub label events"
SOURCE_TYPES = "GitHub issue-type events"

LABEL_HISTORY_QUERY = """
query RoadsyncLabelHistory($ids: [ID!]!) {
  viewer { login }
  nodes(ids: $ids) {
    ... on Issue {
      id
      timelineItems(itemTypes: [LABELED_EVENT, UNLABELED_EVENT], last: 100) {
        pageInfo { hasPreviousPage }
        nodes {
          __typename
          ... on LabeledEvent { createdAt actor { login } label { name } }
          ... on UnlabeledEvent { createdAt actor { login } label { name } }
        }
      }
    }
  }
}
"""


def login_key(login: str) -> str:
    """An account's login as compared here: GraphQL names a GitHub App's bot ``slug`` where REST
    names it ``slug[bot]``; logins ignore case."""
    return login.removesuffix("[bot]").lower()


@dataclass(frozen=True)
class Event:
    """One history event of a field: ``added`` (the value set) or removed, by whom, when."""

    at: str
    actor: str
    value: str
    added: bool


def last_write(events: Iterable[Event], me: str, target: str, source: str, *, complete: bool,
               shared: bool) -> tuple[bool, Mark | None]:  # fmt: skip
    """``(told, mark)``: roadsync's last write among a field's ``events`` (any order) as a
    :class:`Mark`, ``None`` when roadsync never wrote it; ``told`` is False when the events cannot
    tell (``shared`` account with events by it, or an incomplete history without roadsync's write
    but with other events)."""
    ordered = sorted(events, key=lambda e: e.at)
    mine = [n for n, e in enumerate(ordered) if login_key(e.actor) == me]
    if shared and mine:
        return False, None
    if not mine:
        return (not ordered or complete), None
    last = mine[-1]
    value: str | None = None
    for event in ordered[: last + 1]:
        if login_key(event.actor) == me and event.added:
            value = event.value
        elif login_key(event.actor) == me and value is not None and _same(event.value, value):
            value = None
    after = any(login_key(e.actor) != me for e in ordered[last + 1 :])
    return True, Mark(value, target, ordered[last].at, source, touched_after=after, history=True)


def _same(left: str, right: str) -> bool:
    return label_key(left) == label_key(right)


class HistoryReader:
    """Reads label and issue-type history for the fields a plan needs (see the module docstring)."""

    def __init__(self, client: GithubClient, *, shared: bool = False) -> None:
        self.client = client
        self.shared = shared
        self._me: str | None = None

    def evidence(self, wanted: Sequence[Wanted]) -> Evidence:
        labels = [w for w in wanted if w[2].target == "label"]
        types = [w for w in wanted if w[2].target == "issue_type"]
        found: Evidence = {}
        found.update(self._labels(labels))
        found.update(self._types(types))
        return found

    def overwritten(self, applied: Sequence[Applied], since: str) -> list[Overwrite]:
        """People's label and issue-type edits made between ``since`` and roadsync's write of the
        same field this run, from the same history (what :meth:`evidence` reads)."""
        found: list[Overwrite] = []
        labels = [a for a in applied if a[2].target == "label" and a[1].new is not None and a[0].native_id]
        for start in range(0, len(labels), BATCH):
            chunk = labels[start : start + BATCH]
            nodes = self._label_nodes(sorted({item.native_id for item, _, _ in chunk}), chunk[0][0].key)
            for item, change, target in chunk:
                timeline = (nodes.get(item.native_id) or {}).get("timelineItems") or {}
                found += _raced(_family(timeline, target), self._me or "", change, since)
        for item, change, target in applied:
            if target.target == "issue_type":
                found += _raced(list(self._type_events(item)), self._me_rest(), change, since)
        return found

    def _me_rest(self) -> str:
        if self._me is None:
            self._me = login_key(str((self.client.rest("GET", "/user").data or {}).get("login") or ""))
        return self._me

    # -- labels --------------------------------------------------------------------------------

    def _labels(self, wanted: Sequence[Wanted]) -> Iterator[tuple[tuple[str, str], Mark | None]]:
        by_node: dict[str, list[Wanted]] = {}
        for want in wanted:
            if want[0].native_id:
                by_node.setdefault(want[0].native_id, []).append(want)
        nodes = list(by_node)
        for start in range(0, len(nodes), BATCH):
            ids = nodes[start : start + BATCH]
            for node_id, node in self._label_nodes(ids, by_node[ids[0]][0][0].key).items():
                if node_id in by_node:
                    yield from self._label_marks(node, by_node[node_id])

    def _label_nodes(self, ids: list[str], where: str) -> dict[str, Mapping[str, Any]]:
        """The label timelines of issues by node id (one request), learning roadsync's login.

        The ids are of issues this run just read, so a whole-answer ``NOT_FOUND`` is asked again
        (:meth:`~roadsync.connectors.github.client.GithubClient.graphql_known`) before the
        tracker's evidence counts as unread."""
        result = self.client.graphql_known(LABEL_HISTORY_QUERY, {"ids": ids}, item=where, partial=True)
        self._me = self._me or login_key(str((result.data.get("viewer") or {}).get("login") or ""))
        return {str(n.get("id")): n for n in result.data.get("nodes") or () if isinstance(n, dict)}

    def _label_marks(self, node: Mapping[str, Any], wanted: list[Wanted]
                     ) -> Iterator[tuple[tuple[str, str], Mark | None]]:  # fmt: skip
        timeline = node.get("timelineItems") or {}
        complete = not (timeline.get("pageInfo") or {}).get("hasPreviousPage")
        for item, name, target in wanted:
            family = _family(timeline, target)
            told, mark = last_write(family, self._me or "", _signature(target), SOURCE_LABELS,
                                    complete=complete, shared=self.shared)  # fmt: skip
            if told:
                yield (item.key, name), mark

    # -- issue types ---------------------------------------------------------------------------

    def _types(self, wanted: Sequence[Wanted]) -> Iterator[tuple[tuple[str, str], Mark | None]]:
        if wanted:
            self._me_rest()
        for item, name, target in wanted:
            events = list(self._type_events(item))
            told, mark = last_write(events, self._me or "", _signature(target), SOURCE_TYPES, complete=True,
                                    shared=self.shared)  # fmt: skip
            if told:
                yield (item.key, name), mark

    def _type_events(self, item: Item) -> Iterator[Event]:
        path = f"/repos/{item.scope}/issues/{item.key.rsplit('#', 1)[1]}/events"
        first = self.client.rest("GET", path, params={"per_page": 100}, item=item.key)
        pages = [first]
        last = _link(first.headers, "last")
        if last:
            pages.append(self.client.rest("GET", last, item=item.key))
        for page in pages:
            for raw in page.data or ():
                event = _type_event(raw) if isinstance(raw, dict) else None
                if event is not None:
                    yield event


def _raced(events: list[Event], me: str, change: FieldChange, since: str) -> list[Overwrite]:
    """The person's value roadsync's write of ``change`` overwrote, if another account set the
    field after ``since`` and before roadsync's event that wrote ``change.new``. Whoever made the
    change just before that write (past the write's own removal of the label it replaced) set the
    value it replaced: when that is roadsync's account (an earlier write the read did not show yet),
    nobody's edit was overwritten; the twin of Jira's check (``connectors/jira/history.py``)."""
    ordered = sorted((e for e in events if e.at >= since), key=lambda e: e.at)
    ours = [n for n, e in enumerate(ordered) if login_key(e.actor) == me and e.added
            and change.new is not None and _same(e.value, change.new)]  # fmt: skip
    if not ours:
        return []
    before = ordered[: ours[-1]]
    while before and login_key(before[-1].actor) == me and not before[-1].added:
        before.pop()  # the write's own removal of the label it replaced
    if not before or login_key(before[-1].actor) == me:
        return []
    last = before[-1]
    value = last.value if last.added else None
    if value == change.old or (value is not None and change.old is not None and _same(value, change.old)):
        return []  # the plan read the person's value: roadsync's write replaced what it meant to
    return [Overwrite(change, value, last.actor, last.at)]


def _family(timeline: Mapping[str, Any], target: FieldTarget) -> list[Event]:
    """The label events of a timeline on labels with the target's prefix (in any case)."""
    prefix = label_key(target.prefix or "")
    events = (_label_event(n) for n in timeline.get("nodes") or () if isinstance(n, dict))
    return [e for e in events if e is not None and label_key(e.value).startswith(prefix)]


def _signature(target: FieldTarget) -> str:
    return kind_of(target).signature(target)


def _label_event(node: Mapping[str, Any]) -> Event | None:
    kind = node.get("__typename")
    name = (node.get("label") or {}).get("name")
    if kind not in ("LabeledEvent", "UnlabeledEvent") or not name:
        return None
    return Event(str(node.get("createdAt") or ""), str((node.get("actor") or {}).get("login") or ""),
                 str(name), kind == "LabeledEvent")  # fmt: skip


def _type_event(raw: Mapping[str, Any]) -> Event | None:
    kind = raw.get("event")
    if kind not in ("issue_type_added", "issue_type_changed", "issue_type_removed"):
        return None
    name = str((raw.get("issue_type") or {}).get("name") or "")
    actor = str((raw.get("actor") or {}).get("login") or "")
    return Event(str(raw.get("created_at") or ""), actor, name, kind != "issue_type_removed")


def _link(headers: Mapping[str, str], rel: str) -> str | None:
    for part in headers.get("link", "").split(","):
        url, _, params = part.partition(";")
        if f'rel="{rel}"' in params.replace(" ", ""):
            return url.strip().strip("<>")
    return None
