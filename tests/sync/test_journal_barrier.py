"""The journal's crash contract holds for batched writes: every write request a tracker receives
(a Jira bulk edit task, a marker POST, a GraphQL document of many updates, a per-item PUT) finds
the intents of every item it names already fsynced, and those intents share one fsync per request
rather than one per item.

Seen from the trackers: the sandbox calls the test back as each request arrives, before handling
it, and the test reads the part of the journal the run's :class:`Journal` has fsynced by then
(:attr:`Journal.durable`). Real writers, real HTTP, a real plan of the small demo company.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadsync.config.load import load_settings
from roadsync.connectors.transport import READ_ONLY_POSTS
from roadsync.sandbox.recorder import RecordedRequest
from roadsync.sandbox.server import start_sandbox
from roadsync.sync.apply import apply_plan
from roadsync.sync.journal import Journal, new_run_id
from roadsync.sync.run import Run, RunSpec
from roadsync.sync.sources import build_writers, close_all
from roadsync.sync.state import open_state
from tests.reliability.harness import small_fixture, write_config


def _changes_tracker(request: RecordedRequest) -> bool:
    """A request that changes a tracker (what the journal's intents must precede)."""
    if request.method in ("GET", "HEAD"):
        return False
    if request.path.endswith("/graphql"):
        return str(json.loads(request.body).get("query", "")).lstrip().startswith("mutation")
    return not request.path.endswith(READ_ONLY_POSTS)


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from _scalars(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _scalars(inner)
    elif value is not None:
        yield str(value)


def _named(request: RecordedRequest, names: dict[str, str]) -> set[str]:
    """The items a request names: by key or id in its path or JSON body (GraphQL node ids also
    inside the document's text)."""
    text = request.body.decode("utf-8", "replace")
    tokens = set(request.path.split("/"))
    if text.strip():
        tokens |= set(_scalars(json.loads(text)))
    tokens |= set(re.findall(r'"([^"\\]{10,})\\?"', text))
    return {key for name, key in names.items() if name in tokens}


def _durable_intents(journal: Journal) -> set[tuple[str, str]]:
    """``(item, field)`` of every intent in the part of the file the journal has fsynced."""
    if not journal.path.exists():
        return set()
    data = journal.path.read_bytes()[: journal.durable]
    lines = [json.loads(raw) for raw in data.split(b"\n") if raw.strip()]
    return {(line["item"], line["field"]) for line in lines if line["event"] == "intent"}


@pytest.mark.parametrize("tracker", ["jira", "github"])
def test_every_write_request_finds_the_intents_of_its_items_fsynced(
    tracker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each write request names only items whose every intent is fsynced when it arrives, and a
    first sync fsyncs at most once per write request (plus once at the end), fewer than its items.
    One tracker written at a time, so neither's fsyncs cover for the other's."""
    with start_sandbox(small_fixture(), record_requests=True) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        for name, value in sb.info()["env"].items():
            monkeypatch.setenv(name, value)
        settings = load_settings(config)
        plan = Run(settings, RunSpec.for_plan()).execute().plan
        assert plan is not None and plan.changes
        mirror, state = open_state(settings.state_dir)
        items = {item.key: item for item in mirror.items()}
        planned: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for change in plan.changes:
            if items[change.item].source == tracker:
                planned[change.item].add((change.item, change.field))
        names = {key: key for key in planned}
        for key in planned:
            item = items[key]
            names.update({i: key for i in (item.native_id, item.project_item_id) if i})
        journal = Journal(tmp_path / "journal.jsonl")
        arrivals: list[tuple[RecordedRequest, set[str], set[tuple[str, str]]]] = []

        def arrived(request: RecordedRequest) -> None:
            if _changes_tracker(request):
                arrivals.append((request, _named(request, names), _durable_intents(journal)))

        assert sb.recorder is not None
        sb.recorder.listen(arrived)
        writers = {name: w for name, w in build_writers(settings).items() if name == tracker}
        try:
            fields = settings.model.fields
            result = apply_plan(plan, items, writers, state, journal, new_run_id(), fields=fields)
        finally:
            close_all(writers.values())
            mirror.conn.close()
    assert result.count("applied") == sum(len(pairs) for pairs in planned.values())
    for request, named, durable in arrivals:
        missing = {pair for key in named for pair in planned[key]} - durable
        assert not missing, (request.method, request.path, sorted(missing))
    reached = set().union(*(named for _, named, _ in arrivals))
    assert reached == set(planned), sorted(set(planned) - reached)
    assert any(len(named) >= 5 for _, named, _ in arrivals), "no request carried a batch of items"
    assert result.journal_syncs <= len(arrivals) + 1 < len(planned)
    assert journal.uncertain() == []
