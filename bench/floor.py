"""The floor: the fewest requests, and the least wall time, any tool could spend on a scenario.

Computed from the data (how many items each scope holds, how many changed since the last run)
and from the changes the scenario needs (the plan's field changes), never from what roadsync did.

**Reads** = sum over scopes of ``ceil(items to read / largest page)`` + metadata calls:

- *Jira project*: ``ceil(n / 100)`` search pages. 100 is the largest page Jira Cloud's
  ``/search/jql`` returns when fields beyond ids are asked for (the fields roadsync maps).
  On a full sync ``n`` is every issue of the project; on an incremental run it is the issues
  updated since the last run, and at least one page is needed to learn that nothing changed.
- *GitHub repository*: ``ceil(n / 100)`` pages of ``/repos/o/r/issues`` (``per_page`` max 100),
  same rule for ``n``; a no-change run still asks once per repository (a free 304).
- *Projects v2 board*: ``ceil(board items / 100)`` GraphQL pages on every run (``items(first:100)``
  is the largest page and the API has no "updated since" filter, design.md "Scope and mirror").
  The board's fields come with the first page, so no extra call.
- *Metadata*: Jira ``/field`` once per run (custom field ids by name: the Alignment field);
  on an incremental run Jira ``/myself`` once (JQL dates are in the user's time zone).

**Writes** = the minimal requests for the changes:

- *Jira*: one ``PUT /issue/{key}`` per item with any change (priority, labels and custom fields
  all fit in one body).
- *GitHub labels*: one ``POST …/labels`` per item that gains labels (all adds in one call) plus
  one ``DELETE …/labels/{name}`` per label removed (GitHub has no bulk remove that keeps the rest).
- *GitHub Projects*: ``ceil(field updates / BATCH_SIZE)`` GraphQL documents of aliased
  ``updateProjectV2ItemFieldValue`` mutations (:data:`roadsync.connectors.github.graphql.BATCH_SIZE`).

**Time** = (sequential reads + Jira writes / Jira concurrency + GitHub writes) x latency, with
GitHub writes paced: each takes ``max(latency, pacing)`` (GitHub asks integrators to send
mutations serially, at least ``seconds_between_writes`` apart). Every read is counted as
sequential: pages of one scope chain on ``nextPageToken``/``link`` answers, and scopes are read
one after another (reading scopes in parallel would lower this; :func:`floor` also reports
``seconds_parallel_reads``, the bound if every scope were read at once). Jira writes to
*different* issues may run concurrently (``jira_concurrency``, default 8); two writes to the same
issue never. Local CPU time (mapping, SQLite) is not in the floor: it is what the ratio measures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from roadsync.connectors.github.graphql import BATCH_SIZE

__all__ = ["BOARD_PAGE", "GITHUB_PAGE", "JIRA_PAGE", "Floor", "floor", "writes_for"]

JIRA_PAGE = 100
GITHUB_PAGE = 100
BOARD_PAGE = 100
JIRA_CONCURRENCY = 8


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


def writes_for(changes: Iterable[Change]) -> dict[str, int]:
    """The minimal write requests for ``changes``, by kind."""
    jira_items: set[str] = set()
    label_adds: set[str] = set()
    label_removes = 0
    board_updates = 0
    types = 0
    for change in changes:
        if change.source == "jira":
            jira_items.add(change.item)
        elif change.target == "label":
            if change.new is not None and change.new != change.old:
                label_adds.add(change.item)
            if change.old is not None and change.old != change.new:
                label_removes += 1
        elif change.target == "project":
            board_updates += 1
        elif change.target == "issue_type":
            types += 1
    return {
        "jira_puts": len(jira_items),
        "github_label_adds": len(label_adds),
        "github_label_removes": label_removes,
        "github_board_mutations": math.ceil(board_updates / BATCH_SIZE),
        "github_type_patches": types,
    }


def floor(
    to_read: Mapping[str, int],
    board_items: int,
    changes: Iterable[Change],
    *,
    incremental: bool,
    latency_s: float,
    pacing_s: float,
    jira_concurrency: int = JIRA_CONCURRENCY,
) -> Floor:
    """The floor of one scenario. ``to_read`` maps each scope (``jira:PA``, ``github:acme/r``) to
    the items that must be read from it (all of them on a full sync, the updated ones otherwise)."""
    pages: Counter[str] = Counter()
    chains: list[int] = []
    for scope, count in to_read.items():
        source = scope.split(":", 1)[0]
        page = JIRA_PAGE if source == "jira" else GITHUB_PAGE
        n = max(1, math.ceil(count / page))
        pages[f"{source}_pages"] += n
        chains.append(n)
    board = math.ceil(board_items / BOARD_PAGE) if board_items else 0
    pages["board_pages"] = board
    chains.append(board)
    has_jira = any(scope.startswith("jira:") for scope in to_read)
    pages["jira_metadata"] = (1 + (1 if incremental else 0)) if has_jira else 0
    reads = sum(pages.values())
    writes = writes_for(changes)
    github_writes = sum(v for k, v in writes.items() if k.startswith("github"))
    write_time = math.ceil(writes["jira_puts"] / jira_concurrency) * latency_s
    write_time += github_writes * max(latency_s, pacing_s)
    seconds = reads * latency_s + write_time
    parallel = (max(chains, default=0) + pages["jira_metadata"]) * latency_s + write_time
    return Floor(
        reads=reads,
        writes=sum(writes.values()),
        seconds=round(seconds, 3),
        seconds_parallel_reads=round(parallel, 3),
        detail={**dict(pages), **writes},
    )
