"""What the benchmark times, each in its own process: roadsync's sync or the naive script.

The sandbox trackers run in the benchmark's process (threads sharing its GIL and its CPU). A
program timed in that same process would be charged for the emulators' work: at 10k items the
emulators use more CPU than roadsync itself. Real Jira and GitHub answer from other machines, so
the measured program runs here in a child process and the parent times it from start to exit
(interpreter start and imports included, as ``roadsync sync`` pays them); the child reports its
own CPU seconds (``process_time``: every thread of the child, from its start) and what the parent
needs to check the run (the plan's changes, the pull's figures).

::

    python -m bench.child sync CONFIG HOURS [--changes]  # roadsync sync --force, clock HOURS ahead
    python -m bench.child naive ADDRESS PACING [--very]  # the fair naive script (or the very naive)
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["Address", "address_json", "run_child"]


@dataclass(frozen=True)
class Address:
    """Where the sandbox trackers answer and who the naive script is (what it needs of them)."""

    jira_url: str
    jira_email: str
    jira_token: str
    jira_projects: list[str]
    github_url: str
    graphql_url: str
    github_token: str
    github_owner: str
    github_repos: list[str]
    github_project: dict[str, Any] | None

    @classmethod
    def of(cls, sandbox: Any) -> Address:
        return cls(**{name: getattr(sandbox, name) for name in cls.__dataclass_fields__})


def address_json(sandbox: Any) -> str:
    """The ``ADDRESS`` argument of ``naive`` for ``sandbox``."""
    return json.dumps(asdict(Address.of(sandbox)))


def run_child(*args: str) -> tuple[dict[str, Any], float]:
    """``python -m bench.child *args``: its JSON answer and its wall seconds, spawn to exit. The
    answer gains ``emulators_cpu_s``: the CPU this (the benchmark's) process spent meanwhile, which
    is the sandbox trackers answering the child, on the same cores (real trackers' work is not
    the client's)."""
    env = _compiled_env()
    cpu = time.process_time()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.child", *args],
        capture_output=True, text=True, timeout=3600, env=env,
    )  # fmt: skip
    seconds, emulators = time.perf_counter() - started, time.process_time() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"bench.child {args[0]} failed ({done.returncode}): {done.stderr[-3000:]}")
    answer = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    return {**answer, "emulators_cpu_s": round(emulators, 3)}, seconds


def _compiled_env() -> dict[str, str]:
    """The children's environment, with roadsync's and the bench's own modules compiled once, as
    an installed roadsync runs (``pip install`` writes every module's bytecode; the dependencies
    installed here already have theirs). A checkout under ``PYTHONDONTWRITEBYTECODE`` (this
    machine sets it) would otherwise compile about a hundred modules in every timed process,
    roadsync's and the naive script's alike: a cost no installed tool pays. The bytecode goes
    where Python keeps it (``__pycache__`` folders, which git ignores)."""
    _compile_checkout()
    env = os.environ.copy()  # now: the sandbox's address and tokens are set after the bench starts
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@cache
def _compile_checkout() -> None:
    root = Path(__file__).resolve().parent.parent
    for folder in (root / "roadsync", root / "bench"):  # roadsync's stages are symlinks in a checkout
        for parent, _, names in os.walk(folder, followlinks=True):
            for name in names:
                if name.endswith(".py"):
                    compileall.compile_file(os.path.join(parent, name), quiet=1)


def _sync(config: Path, hours: float, with_changes: bool) -> dict[str, Any]:
    """What ``roadsync sync --force`` does, with roadsync's clock ``hours`` ahead of the real one
    (the trackers keep theirs): the run's figures and (``with_changes``) its plan's changes, else
    their count (a run at scale keeps its peak RSS its own)."""
    from roadsync.config.load import load_settings
    from roadsync.sync.run import Run, RunSpec

    settings = load_settings(config)
    clock = lambda: datetime.now(timezone.utc) + timedelta(hours=hours)  # noqa: E731
    result = Run(settings, RunSpec.for_sync(force=True, report=False), clock=clock).execute()
    pulled, plan, applied = result.pulled, result.plan, result.applied
    assert pulled is not None and plan is not None and applied is not None
    fields = settings.model.fields
    changes: list[list[str | None]] = []
    for change in plan.changes if with_changes else ():
        source = "github" if "#" in change.item else "jira"
        target = getattr(getattr(fields, change.field), source)
        changes.append([change.item, source, target.target, change.old, change.new, change.field])
    return {
        "fetched": pulled.fetched,
        "changes": changes if with_changes else len(plan.changes),
        "failed": applied.failed,
        "applied": applied.count("applied"),
        "journal_syncs": applied.journal_syncs,
        "pull": {name: {"requests": s.requests, "fetched": s.fetched, "scopes": len(s.scopes)}
                 for name, s in pulled.sources.items()},
    }  # fmt: skip


def _naive(address: Address, pacing_s: float, very: bool) -> dict[str, Any]:
    from bench.naive import run_naive, run_very_naive
    from roadsync.sandbox.demo_scale import scale_roadmap_toml

    (run_very_naive if very else run_naive)(address, scale_roadmap_toml(), pacing_s)
    return {}


def main(argv: list[str]) -> dict[str, Any]:
    verb = argv[0]
    if verb == "sync":
        answer = _sync(Path(argv[1]), float(argv[2]), "--changes" in argv)
    else:
        answer = _naive(Address(**json.loads(argv[1])), float(argv[2]), "--very" in argv)
    from bench.mapping import peak_rss_mb

    answer.update(cpu_s=round(time.process_time(), 3), peak_rss_mb=round(peak_rss_mb(), 1))
    return answer


if __name__ == "__main__":
    if sys.argv[1] == "sync":  # roadsync's process ends as the CLI ends it (roadsync.cli.main)
        from roadsync.heap import quick_exit

        quick_exit()
    print(json.dumps(main(sys.argv[1:])))
