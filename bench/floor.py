"""The honest floor: the fewest requests, and the least wall time, any tool could spend on a scenario.

Computed from the data (items per scope, items changed since the last run), the changes the
scenario needs (the plan's field changes), and the trackers' **documented** capabilities and
limits, never from roadsync's own choices. Each figure below names its source.

**Reads.** A scope's pages chain (each page's cursor comes from the previous answer); different
scopes, and the two trackers, are read at the same time.

- *Jira project*: ``ceil(n / 100)`` pages of ``/rest/api/3/search/jql`` with the mapped fields.
  The endpoint returns up to 5,000 issues only when ids alone are asked for and "fewer ... when
  many fields are requested" [docs: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get];
  1,000 is the id/key-only maximum of the older endpoint [docs: https://developer.atlassian.com/cloud/jira/platform/change-notice-for-get-search-max-results/],
  and 100 is what Jira Cloud serves per page with fields [issue: https://github.com/pycontribs/jira/issues/805].
  ``n`` is every issue on a full sync, the issues updated since the last run otherwise (at least
  one page to learn that nothing changed). Plus ``/rest/api/3/field`` once (custom field ids by
  name). No ``/myself``: a relative JQL date (``updated >= -65m``) needs no time zone.
- *GitHub repository*: ``ceil(n / 100)`` pages of ``/repos/o/r/issues`` (``per_page`` max 100
  [docs: https://docs.github.com/en/rest/issues/issues#list-repository-issues]); a quiet repository
  still costs one (conditional) request. Pages are numbered, so after the first (whose ``Link``
  names the last) the rest can be read at once: a chain of 2.
- *Projects v2 board*: on a full sync ``ceil(items / 100)`` GraphQL pages (``first`` is 1-100
  [docs: https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#node-limit]).
  On an incremental run the floor assumes a tool could ask for only the board items updated since
  the last run: ``max(1, ceil(updated / 100))``. GitHub offers no such filter below a day
  (``last-updated:`` is in days [docs: https://docs.github.com/en/issues/planning-and-tracking-with-projects/customizing-views-in-your-project/filtering-projects]),
  so this is a true lower bound, not a recipe.

**Writes**, with the best endpoint each tracker documents:

- *Jira Cloud bulk edit* ``POST /rest/api/3/bulk/issues/fields``: one value per field for up to
  1,000 issues [docs: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-bulk-operations/#api-rest-api-3-bulk-issues-fields-post],
  an asynchronous task read back with ``GET /rest/api/3/bulk/queue/{taskId}`` (so 2 requests a
  task, one after the other). Changes are grouped by (field, operation, value): a label change is
  a ``REMOVE`` of the old label and an ``ADD`` of the new one. A group of at least
  :data:`BULK_MIN` issues goes in bulk tasks; an item with a change outside such a group costs one
  ``PUT /issue/{key}`` carrying all its fields. Bulk needs ids, not names (priority id, option id):
  one ``GET /rest/api/3/bulk/issues/fields`` when any task is sent. A bulk edit carries no issue
  properties, so the ownership markers of the issues it edits follow in
  ``POST /rest/api/3/issue/properties/multi`` ("up to 100 issues included in the request" [docs:
  https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-properties/#api-rest-api-3-issue-properties-multi-post]),
  itself an asynchronous task that need not be waited for (the next run reads the markers back,
  and the journal covers a crash before they land): 1 request per 100 issues. Bulk edit needs the global
  Bulk change permission and is Cloud-only; :attr:`Floor.detail` also gives the per-item figure
  (``jira_puts_per_item``) for Data Center or a token without it.
- *GitHub*: board values (``updateProjectV2ItemFieldValue``) and label changes
  (``addLabelsToLabelable`` / ``removeLabelsFromLabelable``, one per item) as aliased mutations,
  up to :data:`MUTATIONS_PER_DOCUMENT` per GraphQL document; board values and labels go in
  separate documents (only label documents create content). Issue types: one REST ``PATCH`` each.
- *GitHub label creation*: ``addLabelsToLabelable`` takes label node ids [docs:
  https://docs.github.com/en/graphql/reference/mutations#addlabelstolabelable], so a label the
  repository lacks (every theme label on a first adoption) is created before it is added:
  ``createLabel`` aliased :data:`MUTATIONS_PER_DOCUMENT` to a document [docs:
  https://docs.github.com/en/graphql/reference/mutations#createlabel], a mutative request
  like the others (paced, 5 points, content-creating). Nothing batches it further: the REST
  ``POST /repos/o/r/issues/{n}/labels`` that creates labels on the fly is one request per issue.
  The ids of labels that exist are taken as known for free (every issue on a REST page carries
  its labels' ``node_id`` [docs: https://docs.github.com/en/rest/issues/issues#list-repository-issues]),
  so the floor reads none; :func:`labels_missing` counts the distinct (repository, label) pairs
  the changes add that the repository lacks before the run. The adds wait for the creation.

**Time** = the slower tracker: its read chain, then its writes (the two trackers overlap).

- Jira: writes to different issues run :data:`JIRA_CONCURRENCY` at a time. Atlassian documents a
  per-second burst limit per endpoint and method, and a per-issue write limit, without figures
  [docs: https://developer.atlassian.com/cloud/jira/platform/rate-limiting/]; the in-flight count
  is therefore an assumption of the floor, not a documented limit. Jira Cloud's points-based
  hourly quotas apply to Forge, Connect and OAuth 2.0 apps; "API token-based traffic is not
  affected ... and will continue to be governed by existing burst rate limits" (same page), so
  no quota enters the floor of a token-authenticated run. A bulk task's processing time is not
  counted (unknown, and only ever adds).
- GitHub: mutative requests go one at a time, ``pacing_s`` apart when pacing is set ("make
  requests serially", "wait at least one second between each request" [docs:
  https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api]),
  otherwise up to 100 at once (the documented cap on concurrent requests). On top, the documented
  secondary limits [docs: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits]:
  2,000 GraphQL points a minute (a query 1 point, a request with mutations 5), and 80
  content-generating requests a minute and 500 an hour (every mutative request counted, the
  cautious reading the sandbox enforces too). Each limit a run exceeds costs the full windows it
  must wait for.

**Ownership evidence** (the issue on never clobbering without the state file: whose value a
field holds is decided from what the tracker keeps, so any tool keeping that promise pays it):

- *Jira*: a marker written in the same edit request (issue property, ``properties`` in the
  ``PUT`` body) and read with the search (``properties=``) costs nothing and says which value
  roadsync wrote, but not whether a person set that same value again since. So every value about
  to be written over needs the changelog with each change's author (a value no marker speaks for,
  every one on a first sync, needs it anyway): ``POST /rest/api/3/changelog/bulkfetch``, up to
  1,000 issues a request [docs: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-changelog-bulkfetch-post],
  plus ``GET /rest/api/3/myself`` once to know which author is the tool. After the writes, the
  same changelog of the written issues finds a person's edit made between the read and the
  write (no write takes a precondition): ``ceil(written / 1000)`` more.
- *GitHub labels*: no marker can ride on a label, so the label events with their actor are read
  for the issues whose label differs from the roadmap's, a missing one included (without a local
  state, a label a person removed looks like one never added until the history says so):
  ``nodes(ids:)`` with ``timelineItems(last: 100)``, 100 ids a query (the largest connection
  page; 100 x 100 nodes is well inside the 500,000-node limit [docs:
  https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#node-limit]);
  after the writes, the written issues once more.
- *Projects v2*: a marker TEXT field set in the same aliased document as the values and read
  with the board items costs nothing but its creation (``createProjectV2Field``, once, on the
  first sync of a board that has board writes; a mutative request, paced like the others).

Each phase of evidence (before planning, after the writes) is one round trip per tracker.

Local CPU time (mapping, SQLite) is not in the floor: it is what the ratio measures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "BOARD_PAGE", "BULK_MAX_ISSUES", "BULK_MIN", "GITHUB_PAGE", "JIRA_CONCURRENCY", "JIRA_PAGE",
    "MUTATIONS_PER_DOCUMENT", "Change", "Floor", "evidence_for", "floor", "labels_missing", "writes_for",
]  # fmt: skip

JIRA_PAGE = 100
GITHUB_PAGE = 100
BOARD_PAGE = 100
BULK_MAX_ISSUES = 1000
PROPERTIES_MULTI_ISSUES = 100
CHANGELOG_BULK_ISSUES = 1000
HISTORY_IDS_PER_QUERY = 100
BULK_MIN = 3
"""A bulk task costs 2 requests (submit, poll): worth it from 3 issues sharing a value."""
MUTATIONS_PER_DOCUMENT = 100
"""GitHub documents no cap on aliased mutations per document; 100 matches the largest connection
page, keeps a document well inside the 10 s timeout, and is an assumption of the floor."""
JIRA_CONCURRENCY = 8
GITHUB_CONCURRENT = 100
GRAPHQL_POINTS_PER_MINUTE = 2000
CONTENT_PER_MINUTE = 80
CONTENT_PER_HOUR = 500
PRIMARY_PER_HOUR = 5000
"""GitHub's primary limit for a token: 5,000 REST requests and 5,000 GraphQL points an hour
[docs: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#primary-rate-limit-for-authenticated-users]."""


@dataclass(frozen=True)
class Floor:
    reads: int
    writes: int
    seconds: float
    seconds_parallel_reads: float
    detail: dict[str, int]

    @property
    def requests(self) -> int:
        return self.reads + self.writes

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "requests": self.requests}


@dataclass(frozen=True)
class Change:
    """What the floor needs to know about one field change (tracker-neutral)."""

    item: str
    source: str  # "jira" | "github"
    target: str  # "priority" | "label" | "field" | "project" | "issue_type"
    old: str | None
    new: str | None
    field: str = ""  # the managed field's name (one custom field or board field from another)


def _jira_groups(changes: Iterable[Change]) -> tuple[dict[tuple[str, str, str], set[str]], dict[str, int]]:
    """Jira changes grouped by (field, operation, value) -> items; and each item's change count."""
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    per_item: dict[str, int] = defaultdict(int)
    for change in changes:
        name = change.field or change.target
        if change.target == "label":
            if change.old is not None and change.old != change.new:
                groups[(name, "REMOVE", change.old)].add(change.item)
            if change.new is not None and change.new != change.old:
                groups[(name, "ADD", change.new)].add(change.item)
        else:
            groups[(name, "SET", str(change.new))].add(change.item)
        per_item[change.item] += 1
    return groups, per_item


def jira_writes(changes: Iterable[Change], *, bulk: bool = True) -> dict[str, int]:
    """Jira write requests with bulk edit where it pays (see the module docstring); ``bulk=False``
    is Data Center or a token without the Bulk change permission: one PUT per item."""
    groups, per_item = _jira_groups(changes)
    tasks, covered = 0, set[tuple[str, str, str, str]]()
    for (name, op, value), items in groups.items():
        if bulk and len(items) >= BULK_MIN:
            tasks += math.ceil(len(items) / BULK_MAX_ISSUES)
            covered.update((item, name, op, value) for item in items)
    leftover = {
        item for (name, op, value), items in groups.items() for item in items
        if (item, name, op, value) not in covered
    }  # fmt: skip
    marked = {item for item, *_ in covered}
    markers = math.ceil(len(marked) / PROPERTIES_MULTI_ISSUES)
    return {
        "jira_bulk_tasks": tasks,
        "jira_bulk_polls": tasks,
        "jira_bulk_metadata": 1 if tasks else 0,
        "jira_bulk_markers": markers,
        "jira_puts": len(leftover),
        "jira_puts_per_item": len(per_item),
    }


def github_writes(changes: Iterable[Change], labels_to_create: int = 0) -> dict[str, int]:
    """GitHub write requests: aliased mutation documents for board values, label creation and label
    changes, REST for types."""
    board = label_items = types = 0
    adds: set[str] = set()
    removes: set[str] = set()
    for change in changes:
        if change.target == "label":
            if change.new is not None and change.new != change.old:
                adds.add(change.item)
            if change.old is not None and change.old != change.new:
                removes.add(change.item)
        elif change.target == "project":
            board += 1
        elif change.target == "issue_type":
            types += 1
    label_items = len(adds) + len(removes)
    return {
        "github_board_documents": math.ceil(board / MUTATIONS_PER_DOCUMENT),
        "github_label_documents": math.ceil(label_items / MUTATIONS_PER_DOCUMENT),
        "github_label_create_documents": math.ceil(labels_to_create / MUTATIONS_PER_DOCUMENT),
        "github_labels_created": labels_to_create,
        "github_type_patches": types,
        "github_board_updates": board,
        "github_label_mutations": label_items,
    }


def writes_for(changes: Iterable[Change], *, bulk: bool = True, labels_to_create: int = 0) -> dict[str, int]:
    """Every write figure for ``changes``, by kind (requests and, for context, what they carry)."""
    changes = list(changes)
    return {
        **jira_writes((c for c in changes if c.source == "jira"), bulk=bulk),
        **github_writes((c for c in changes if c.source == "github"), labels_to_create),
    }


def labels_missing(changes: Iterable[Change], existing: Iterable[tuple[str, str]]) -> int:
    """Distinct (repository, label) pairs the GitHub label changes add that ``existing`` (pairs of
    ``owner/repo`` and lower-cased name: GitHub compares label names in any case) lacks."""
    added = {(c.item.rpartition("#")[0], c.new.lower()) for c in changes
             if c.source == "github" and c.target == "label" and c.new is not None and c.new != c.old}
    return len(added - set(existing))


def evidence_for(changes: Iterable[Change], *, first_sync: bool) -> dict[str, int]:
    """Ownership-evidence requests for ``changes`` (see the module docstring), by kind."""
    changes = list(changes)
    jira_written = {c.item for c in changes if c.source == "jira"}
    labels_written = {c.item for c in changes if c.source == "github" and c.target == "label"}
    board = any(c.source == "github" and c.target == "project" for c in changes)
    before = after = math.ceil(len(jira_written) / CHANGELOG_BULK_ISSUES)
    return {
        "evidence_jira_changelog_before": before,
        "evidence_jira_changelog_after": after,
        "evidence_jira_account": 1 if before or after else 0,
        "evidence_github_labels_before": math.ceil(len(labels_written) / HISTORY_IDS_PER_QUERY),
        "evidence_github_labels_after": math.ceil(len(labels_written) / HISTORY_IDS_PER_QUERY),
        "evidence_github_marker_field": 1 if first_sync and board else 0,
    }


def _evidence_rounds(e: Mapping[str, int], source: str) -> int:
    """Round trips evidence adds to one tracker's chain: before planning, after the writes."""
    keys = [k for k in e if k.startswith(f"evidence_{source}_")]
    return sum(1 for phase in ("before", "after") if any(e[k] for k in keys if k.endswith(phase)))


_JIRA_WRITES = ("jira_bulk_tasks", "jira_bulk_polls", "jira_bulk_metadata", "jira_bulk_markers", "jira_puts")
_GITHUB_WRITES = ("github_board_documents", "github_label_create_documents", "github_label_documents",
                  "github_type_patches")


def _windows(count: int, per_window: int, window_s: float) -> float:
    """Seconds spent waiting for windows when ``count`` uses of a ``per_window`` budget are needed."""
    return max(0, math.ceil(count / per_window) - 1) * window_s


def _github_write_seconds(
    w: dict[str, int], reads: int, latency_s: float, pacing_s: float, fields: int = 0
) -> float:
    """Seconds of GitHub's mutative requests; ``fields``: board fields created (the marker field's
    ``createProjectV2Field``, a mutation paced and limited like the others)."""
    mutative = sum(w[k] for k in _GITHUB_WRITES) + fields
    if not mutative:
        return 0.0
    if pacing_s > 0:
        seconds = latency_s + (mutative - 1) * max(latency_s, pacing_s)
    else:
        rounds = math.ceil(mutative / GITHUB_CONCURRENT)
        seconds = max(rounds, 2 if w["github_label_create_documents"] else 1) * latency_s
    documents = sum(w[k] for k in _GITHUB_WRITES if k.endswith("_documents")) + fields
    limits = (
        _windows(reads + 5 * documents, GRAPHQL_POINTS_PER_MINUTE, 60),
        _windows(mutative, CONTENT_PER_MINUTE, 60),
        _windows(mutative, CONTENT_PER_HOUR, 3600),
        _windows(reads + mutative, PRIMARY_PER_HOUR, 3600),
    )
    return seconds + max(limits)


def _jira_write_seconds(w: dict[str, int], latency_s: float, concurrency: int) -> float:
    tasks, puts = w["jira_bulk_tasks"], w["jira_puts"]
    if not tasks and not puts:
        return 0.0
    markers = w["jira_bulk_markers"]
    slots = math.ceil((2 * tasks + markers + puts + w["jira_bulk_metadata"]) / concurrency)
    return max(slots, 3 if markers else 2 if tasks else 1) * latency_s


def _pages(to_read: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Pages per tracker and the longest chain per tracker (scopes read at once)."""
    pages: dict[str, int] = defaultdict(int)
    chain: dict[str, int] = defaultdict(int)
    for scope, count in to_read.items():
        source = scope.split(":", 1)[0]
        n = max(1, math.ceil(count / (JIRA_PAGE if source == "jira" else GITHUB_PAGE)))
        pages[source] += n
        chain[source] = max(chain[source], n if source == "jira" else min(n, 2))
    return pages, chain


def floor(
    to_read: Mapping[str, int],
    board_items: int,
    changes: Iterable[Change],
    *,
    incremental: bool,
    latency_s: float,
    pacing_s: float,
    jira_concurrency: int = JIRA_CONCURRENCY,
    bulk: bool = True,
    labels_to_create: int = 0,
) -> Floor:
    """The floor of one scenario. ``to_read`` maps each scope (``jira:PA``, ``github:acme/r``) to
    the items that must be read from it (all of them on a full sync, the updated ones otherwise);
    ``board_items`` is what must be read from the board (every item on a full sync, the items
    updated since the last run otherwise; 0 = no board). ``bulk=False``: Jira without bulk edit.
    ``labels_to_create``: GitHub labels the repositories lack (:func:`labels_missing`)."""
    pages, chain = _pages(to_read)
    board = math.ceil(board_items / BOARD_PAGE)
    board = max(board, 1) if incremental and "github" in pages else board
    metadata = 1 if "jira" in pages else 0
    changes = list(changes)
    w = writes_for(changes, bulk=bulk, labels_to_create=labels_to_create)
    e = evidence_for(changes, first_sync=not incremental)
    jira_evidence = sum(v for k, v in e.items() if k.startswith("evidence_jira_"))
    marker_field = e["evidence_github_marker_field"]  # a mutation: counted with the writes
    github_evidence = sum(v for k, v in e.items() if k.startswith("evidence_github_")) - marker_field
    jira_reads = pages["jira"] + metadata + jira_evidence
    github_reads = pages["github"] + board + github_evidence
    jira_chain = chain["jira"] + metadata + _evidence_rounds(e, "jira")
    jira_s = jira_chain * latency_s + _jira_write_seconds(w, latency_s, jira_concurrency)
    github_chain = max(chain["github"], board) + _evidence_rounds(e, "github")
    github_s = github_chain * latency_s + _github_write_seconds(w, board, latency_s, pacing_s, marker_field)
    detail = {
        "jira_pages": pages["jira"], "jira_metadata": metadata, "github_pages": pages["github"],
        "board_pages": board, **w, **e,
        "evidence": jira_evidence + github_evidence + marker_field + w["jira_bulk_markers"],
    }  # fmt: skip
    seconds = round(max(jira_s if jira_reads else 0.0, github_s if github_reads else 0.0), 3)
    return Floor(
        reads=jira_reads + github_reads,
        writes=sum(w[k] for k in (*_JIRA_WRITES, *_GITHUB_WRITES)) + marker_field,
        seconds=seconds,
        seconds_parallel_reads=seconds,
        detail=detail,
    )
