"""A real sync at scale (100k items in the full run), in its own process, and the cron run after it.

The sandbox serves ``items`` items from the benchmark's process; roadsync runs in a child process
(:mod:`bench.child`), so its peak RSS (``VmHWM``) and CPU time are its own and
not the sandbox's. Two runs:

- ``first``: the first sync (full pull, plan, apply) of every item;
- ``settle``: the next hourly cron run (roadsync's clock an hour on), which re-reads what the
  first sync wrote (those items changed after its start);
- ``noop``: the hourly run after that, when nothing changed: the steady state of a cron.

Requests are counted by the sandbox.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.child import run_child

__all__ = ["run_scale"]


def _child(config: Path, hours: float) -> dict[str, Any]:
    """One ``roadsync sync`` in a child process (:mod:`bench.child`); what it measured of itself,
    its wall seconds from spawn to exit."""
    answer, seconds = run_child("sync", str(config), str(hours))
    answer.pop("pull")
    return {"wall_s": round(seconds, 3), **answer}


def run_scale(items: int, *, latency_ms: int, pacing_s: float, folder: Path) -> dict[str, Any]:
    """The first sync of ``items`` items and the no-op cron run after it: requests, writes, the
    child's peak RSS and CPU seconds."""
    from bench.scenarios import Size, _env, make_fixture, write_config
    from roadsync.sandbox.server import start_sandbox

    jira = items * 6 // 10
    size = Size(jira, items - jira)
    result: dict[str, Any] = {"items": items}
    with start_sandbox(dict(make_fixture(size)), latency_ms=latency_ms) as sandbox:
        config = write_config(sandbox, folder, pacing_s)
        _env(sandbox)
        before = _board_stamps(sandbox)
        for name, hours in (("first", 0.0), ("settle", 1.0), ("noop", 2.0)):
            sandbox.reset_stats()
            measured = _child(config, hours)
            if name == "first":  # board items the first sync changed: in the REST list's window
                after = _board_stamps(sandbox)
                result["board_changed"] = sum(1 for key, stamp in after.items() if before.get(key) != stamp)
            stats = sandbox.stats()
            measured["requests"] = sum(stats[t]["reads"] + stats[t]["writes"] for t in ("jira", "github"))
            measured["writes"] = sum(stats[t]["writes"] for t in ("jira", "github"))
            result[name] = measured
    return result


def _board_stamps(sandbox: Any) -> dict[str, str]:
    return {item.id: item.updated_at for project in sandbox.github_store.projects for item in project.items}
