"""The benchmark scenarios: roadsync's first sync (A), a no-op re-run (B), an incremental run (C).

Every scenario runs against the sandbox trackers with injected latency, through the product's own
run (:class:`roadsync.sync.run.Run`: pull, plan, apply), exactly as ``roadsync sync`` does.
Requests are counted by the sandbox (what the trackers saw), wall time by ``perf_counter``.

The data is :func:`roadsync.sandbox.demo.generate_fixture` (items spread over projects and
repositories, one Projects v2 board) with its roadmap (theme ``tN`` matches label ``area-N``) and
the demo's managed fields (Jira priority / ``theme:`` label / Alignment field; GitHub ``theme/``
label / board Priority and Alignment).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.child import address_json, run_child
from bench.floor import Change
from roadsync.sandbox.demo_scale import SCALE_THEMES, scale_roadmap_toml
from roadsync.sandbox.fixture import Fixture
from roadsync.sandbox.sandbox_config import DEMO_FIELDS_TOML, config_toml
from roadsync.sandbox.server import Sandbox, start_sandbox

__all__ = [
    "OWNERSHIP_ENDPOINTS", "SIZES", "Measured", "Size", "edit_items", "make_fixture", "run_roadsync",
    "write_config",
]  # fmt: skip

_OPEN_AND_MAPPED = 0.75 * 0.9
"""generate_fixture only makes open (3 in 4) and mapped (9 in 10) items stale."""


OWNERSHIP_ENDPOINTS = {
    "jira": {
        "bulk_changelog", "bulk_fetch", "get_changelog", "get_issue", "list_properties", "get_property",
        "set_properties_multi", "get_task",
    },
    "github": {
        "graphql:RoadsyncLabelHistory", "graphql:RoadsyncReread",
        "graphql:RoadsyncCreateMarkerField", "list_events",
    },
}  # fmt: skip
"""The emulators' endpoints (:meth:`Sandbox.endpoint_stats`) roadsync asks only for ownership
evidence: Jira changelogs, issue re-reads before writing and property reads (the search and the
edits carry the markers at no cost, bulk edits' markers follow in ``properties/multi``); GitHub
label history, re-reads, the marker field's creation and issue-type events. (Board values read by
GraphQL are board reads: the incremental board read uses that query too.) Plus Jira
``/myself`` beyond the one an incremental pull asks for its time zone (:attr:`Measured.ownership`)."""


@dataclass(frozen=True)
class Size:
    """How big one benchmark run is."""

    jira_items: int
    github_items: int
    projects: int = 2
    repos: int = 5
    change_share: float = 0.2
    edit_share: float = 0.01
    mapping_items: int = 100_000
    mapping_themes: int = 200
    mirror_items: int = 100_000

    @property
    def items(self) -> int:
        return self.jira_items + self.github_items


SIZES = {
    "full": Size(6000, 4000),
    "quick": Size(600, 400, mapping_items=50_000, mirror_items=20_000),
    "tiny": Size(150, 100, mapping_items=5_000, mapping_themes=50, mirror_items=2_000),
}


@dataclass
class Measured:
    """One run of one scenario: requests the trackers saw, wall time, what the run did."""

    name: str
    reads: dict[str, int] = field(default_factory=dict)
    writes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    changes: int = 0
    changed_items: int = 0
    fetched: int = 0
    failed: int = 0
    detail: dict[str, Any] = field(default_factory=dict)
    endpoints: dict[str, dict[str, int]] = field(default_factory=dict)
    to_read: dict[str, int] = field(default_factory=dict, repr=False)
    plan_changes: list[Change] = field(default_factory=list, repr=False)
    repo_labels: set[tuple[str, str]] = field(default_factory=set, repr=False)
    """(``owner/repo``, lower-cased label name) of every GitHub repository label before the run."""

    @property
    def requests(self) -> int:
        return sum(self.reads.values()) + sum(self.writes.values())

    @property
    def total_writes(self) -> int:
        return sum(self.writes.values())

    @property
    def ownership(self) -> int:
        """Requests the trackers saw for ownership evidence (:data:`OWNERSHIP_ENDPOINTS`); a full
        sync's pull asks no ``/myself``, an incremental one asks it once for JQL's time zone."""
        asked = sum(n for tracker, names in OWNERSHIP_ENDPOINTS.items()
                    for name, n in self.endpoints.get(tracker, {}).items() if name in names)  # fmt: skip
        myself = self.endpoints.get("jira", {}).get("myself", 0)
        return asked + max(0, myself - (0 if self.name in ("A", "naive") else 1))

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("to_read", "plan_changes", "repo_labels")}
        # The naive script keeps no ownership evidence (it overwrites); its reads are not counted as such.
        ownership = self.ownership if self.name != "naive" else None
        data.update(requests=self.requests, total_writes=self.total_writes, ownership_requests=ownership)
        return data


def make_fixture(size: Size, seed: int = 9) -> Fixture:
    """The benchmark data: ``size.change_share`` of *all* items carry a stale managed value."""
    from roadsync.sandbox.demo import generate_fixture

    share = min(1.0, size.change_share / _OPEN_AND_MAPPED)
    return generate_fixture(
        size.jira_items, size.github_items, seed=seed, repos=size.repos, projects=size.projects,
        change_share=share,
    )  # fmt: skip


def write_config(sandbox: Sandbox, folder: Path, pacing_s: float) -> Path:
    """A roadsync config for ``sandbox``: the scale roadmap, the demo's managed fields, GitHub
    writes paced ``pacing_s`` apart, state in ``folder``."""
    connection = config_toml(sandbox, roadmap=None).replace(
        "seconds_between_writes = 0", f"seconds_between_writes = {pacing_s}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "roadsync.toml"
    path.write_text(f"{scale_roadmap_toml()}\n{connection}\n{DEMO_FIELDS_TOML}", encoding="utf-8")
    return path


def updated_stamps(sandbox: Sandbox) -> dict[str, tuple[str, str]]:
    """Every item's scope (``jira:PA``, ``github:acme/repo-0``, ``board`` for Projects items) and
    ``updated`` stamp, from the stores."""
    stamps = {
        issue.key: (f"jira:{issue.project}", str(issue.updated)) for issue in sandbox.jira_store.issues()
    }
    owner = sandbox.github_owner
    for repo in sandbox.github_store.repos.values():
        for number, issue in repo.issues.items():
            stamps[f"{owner}/{repo.name}#{number}"] = (f"github:{owner}/{repo.name}", issue.updated_at)
    for project in sandbox.github_store.projects:
        for item in project.items:
            stamps[f"board:{item.id}"] = ("board", item.updated_at)
    return stamps


def _to_read(before: dict[str, tuple[str, str]] | None, now: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Items per scope a run must read: all on a first run, else those updated since ``before``."""
    counts = {scope: 0 for scope, _ in now.values()}
    for key, (scope, stamp) in now.items():
        if before is None or before.get(key, ("", ""))[1] != stamp:
            counts[scope] += 1
    return counts


def _measure(
    name: str, sandbox: Sandbox, run: Callable[[Measured], None], since: dict[str, tuple[str, str]] | None
) -> Measured:
    measured = Measured(name)
    measured.to_read = _to_read(since, updated_stamps(sandbox))
    measured.repo_labels = {(repo.full_name, name.lower()) for repo in sandbox.github_store.repos.values()
                            for name in repo.labels}
    sandbox.reset_stats()
    run(measured)
    stats = sandbox.stats()
    measured.reads = {tracker: stats[tracker]["reads"] for tracker in ("jira", "github")}
    measured.writes = {tracker: stats[tracker]["writes"] for tracker in ("jira", "github")}
    measured.endpoints = sandbox.endpoint_stats()
    return measured


def _sync_once(config: Path, measured: Measured, later: timedelta = timedelta(0)) -> None:
    """What ``roadsync sync --force`` does: pull (incremental unless first), plan, apply; with
    roadsync's clock ``later`` ahead of the real one (the trackers keep theirs). roadsync runs in
    its own process (:mod:`bench.child`): ``measured.seconds`` is that process's wall time, spawn
    to exit; ``detail["cpu_s"]`` its own CPU seconds."""
    answer, seconds = run_child("sync", str(config), str(later.total_seconds() / 3600), "--changes")
    measured.seconds = round(seconds, 3)
    measured.fetched = answer["fetched"]
    measured.plan_changes = [Change(*change) for change in answer["changes"]]
    measured.changes = len(measured.plan_changes)
    measured.changed_items = len({change.item for change in measured.plan_changes})
    measured.failed = answer["failed"]
    measured.detail = {"pull": answer["pull"], "applied": answer["applied"], "cpu_s": answer["cpu_s"],
                       "emulators_cpu_s": answer["emulators_cpu_s"]}  # fmt: skip


def edit_items(sandbox: Sandbox, share: float, seed: int = 5) -> list[str]:
    """A person edits ``share`` of the items through the stores: the keys edited.

    Items with an ``area-N`` label move to ``area-N+1`` and lose their theme tag (so the roadmap's
    theme, the theme label and the priority follow: real changes to plan); the others get an
    unrelated label."""
    rng = random.Random(seed)
    jira = {issue.key: list(issue.labels) for issue in sandbox.jira_store.issues()}
    owner = sandbox.github_owner
    github = {
        f"{owner}/{repo.name}#{number}": list(issue.labels)
        for repo in sandbox.github_store.repos.values()
        for number, issue in repo.issues.items()
    }
    edited = []
    for store, labels in ((sandbox.jira_store, jira), (sandbox.github_store, github)):
        for key in rng.sample(sorted(labels), max(1, math.ceil(len(labels) * share))):
            adds, removes = _moved_area(labels[key])
            store.edit_as_person(key, labels_add=adds, labels_remove=removes)
            edited.append(key)
    return edited


def _moved_area(labels: list[str]) -> tuple[list[str], list[str]]:
    area = next((label for label in labels if label.startswith("area-")), None)
    if area is None:
        return ["touched-by-person"], []
    tags = [label for label in labels if label.startswith(("theme:", "theme/"))]
    return [f"area-{(int(area[5:]) + 1) % SCALE_THEMES}"], [area, *tags]


def run_roadsync(
    size: Size, fixture: Fixture, *, latency_ms: int, pacing_s: float, folder: Path
) -> dict[str, Measured]:
    """Scenarios A (first full sync), B (no-op re-run), B2 (the no-op an hourly cron makes next:
    the steady state), C (after people edited ``edit_share``, run right after B)."""
    results: dict[str, Measured] = {}
    with start_sandbox(dict(fixture), latency_ms=latency_ms) as sandbox:
        config = write_config(sandbox, folder, pacing_s)
        _env(sandbox)
        stamps = updated_stamps(sandbox)
        results["A"] = _measure("A", sandbox, lambda m: _sync_once(config, m), None)
        sandbox.set_faults(latency_ms=0)
        results["A"].detail["end_state"] = end_state(sandbox, folder / "verify")
        sandbox.set_faults(latency_ms=latency_ms)
        results["B"] = _measure("B", sandbox, lambda m: _sync_once(config, m), stamps)
        after_b = updated_stamps(sandbox)
        # B re-reads what A wrote (changed after A's start). B2 is the steady state of an hourly
        # cron, on a copy of the state (the real-clock runs after it must not inherit a cursor from
        # the future): the run an hour on still re-reads A's writes (within its overlap window,
        # B having started seconds after A), the one two hours on, measured, has nothing to read.
        cron = _copy_state(folder, folder.with_name(folder.name + "-cron"), sandbox, pacing_s)
        _sync_once(cron, Measured("settle"), timedelta(hours=1))
        results["B2"] = _measure("B2", sandbox, lambda m: _sync_once(cron, m, timedelta(hours=2)), after_b)
        edited = edit_items(sandbox, size.edit_share)
        results["C"] = _measure("C", sandbox, lambda m: _sync_once(config, m), after_b)
        results["C"].detail["edited"] = len(edited)
    return results


def _copy_state(folder: Path, copy: Path, sandbox: Sandbox, pacing_s: float) -> Path:
    """A config beside a copy of ``folder``'s state (``.roadsync``); its path."""
    import shutil

    shutil.copytree(folder / ".roadsync", copy / ".roadsync")
    return write_config(sandbox, copy, pacing_s)


def _env(sandbox: Sandbox) -> None:
    import os

    os.environ.update(sandbox.env())


def end_state(sandbox: Sandbox, folder: Path) -> dict[str, tuple[Any, ...]]:
    """Every item's managed values (priority, labels, custom/board fields) read by a full pull."""
    from roadsync.config.load import load_settings
    from roadsync.config.model import GithubProjectConfig
    from roadsync.sync.run import Run, RunSpec

    config = write_config(sandbox, folder, 0.0)
    # A full pull then a plan (nothing written): the run's items are the mirror as pulled.
    result = Run(load_settings(config), RunSpec(full=True, report=False)).execute()
    # The board's ownership marker field is roadsync's bookkeeping, not a managed value: the naive
    # script has none, and the end states compare what people see.
    marker = GithubProjectConfig.model_fields["marker_field"].default
    return {
        item.key: (item.priority, tuple(sorted(item.labels)),
                   tuple(sorted((k, v) for k, v in item.fields.items() if k != marker)))
        for item in result.items
    }  # fmt: skip


def run_naive_baseline(
    fixture: Fixture, *, latency_ms: int, pacing_s: float, folder: Path, very: bool = False
) -> tuple[Measured, dict[str, tuple[Any, ...]]]:
    """The fair naive script (or, ``very``, the very naive one) on a fresh sandbox with the same
    data; its measure and the end state."""
    name = "very_naive" if very else "naive"
    with start_sandbox(dict(fixture), latency_ms=latency_ms) as sandbox:
        _env(sandbox)
        # At 10k items the naive script needs more than GitHub's 5,000 requests an hour; lift the
        # sandbox budget (through its control API) so it can finish, and report what it spent.
        httpx.post(
            f"{sandbox.control_url}/github/budget", json={"limit": 10_000_000, "remaining": 10_000_000}
        ).raise_for_status()
        args = ("naive", address_json(sandbox), str(pacing_s), *(["--very"] if very else []))
        measured = _measure(name, sandbox, lambda m: _naive_once(args, m), None)
        sandbox.set_faults(latency_ms=0)
        return measured, end_state(sandbox, folder)


def _naive_once(args: tuple[str, ...], measured: Measured) -> None:
    """The naive script in its own process, timed as roadsync is (:func:`_sync_once`)."""
    answer, seconds = run_child(*args)
    measured.seconds = round(seconds, 3)
    measured.detail = {"cpu_s": answer["cpu_s"], "emulators_cpu_s": answer["emulators_cpu_s"]}


def mirror_memory(items: int, themes: int = 200) -> dict[str, Any]:
    """Peak RSS of a run with ``items`` in the mirror: store them, load them back, map them.

    Meant for a fresh process (``python -m bench --mirror-rss N``), so the figure is that run's
    alone and not the sandbox's (which shares the benchmark's process)."""
    import tempfile

    from bench.mapping import make_items, make_roadmap, peak_rss_mb
    from roadsync.mappings.engine import assign
    from roadsync.sync.state import open_state

    with tempfile.TemporaryDirectory() as folder:
        mirror, _ = open_state(Path(folder))
        backlog = make_items(items)
        roadmap = make_roadmap(themes, backlog)
        for start in range(0, items, 1000):
            mirror.upsert(backlog[start : start + 1000])
        del backlog
        started = time.perf_counter()
        loaded = mirror.items()
        assignments = assign(loaded, roadmap)
        seconds = time.perf_counter() - started
        mirror.conn.close()
    return {
        "items": len(loaded), "assigned": len(assignments), "load_and_map_s": round(seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }  # fmt: skip
