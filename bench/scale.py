"""A real sync at scale (100k items in the full run), in its own process, and the cron run after it.

The sandbox serves ``items`` items from the benchmark's process; roadsync runs in a child process
(``python -m bench.scale CONFIG HOURS``), so its peak RSS (``VmHWM``) and CPU time are its own and
not the sandbox's. Two runs:

- ``first``: the first sync (full pull, plan, apply) of every item;
- ``settle``: the next hourly cron run (roadsync's clock an hour on), which re-reads what the
  first sync wrote (those items changed after its start);
- ``noop``: the hourly run after that, when nothing changed: the steady state of a cron.

Requests are counted by the sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

__all__ = ["run_scale"]


def _child(config: Path, hours: float) -> dict[str, Any]:
    """One ``roadsync sync`` in a child process; what it measured of itself."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", str(config), str(hours)],
        capture_output=True, text=True, check=True, timeout=3600, env=os.environ.copy(),
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


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


def _sync(config: Path, hours: float) -> dict[str, Any]:
    from bench.mapping import peak_rss_mb
    from roadsync.config.load import load_settings
    from roadsync.sync.run import Run, RunSpec

    started, cpu = time.perf_counter(), time.process_time()
    settings = load_settings(config)
    clock = lambda: datetime.now(timezone.utc) + timedelta(hours=hours)  # noqa: E731
    done = Run(settings, RunSpec.for_sync(force=True, report=False), clock=clock).execute()
    assert done.plan is not None and done.applied is not None and done.pulled is not None
    return {
        "wall_s": round(time.perf_counter() - started, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "fetched": done.pulled.fetched,
        "changes": len(done.plan.changes),
        "applied": done.applied.count("applied"),
        "failed": done.applied.failed,
        "journal_syncs": done.applied.journal_syncs,
    }


if __name__ == "__main__":
    print(json.dumps(_sync(Path(sys.argv[1]), float(sys.argv[2]))))
