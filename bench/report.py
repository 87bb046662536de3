"""Figures and ratios from the measured scenarios, as one JSON document and a Markdown table."""

from __future__ import annotations

from typing import Any

from bench.floor import Floor, floor
from bench.scenarios import Measured, Size

__all__ = ["NOTES", "TARGETS", "floors", "markdown", "summary"]

TARGETS = {
    "requests_vs_floor": "<= 1.05",
    "time_vs_floor": "<= 1.5",
    "speedup_vs_naive": ">= 10",
    "requests_vs_naive": "<= 0.2",
    "noop_writes": "0",
    "noop_requests": "<= scopes + 5",
    "noop_steady_requests": "<= scopes + 5 + board pages",
    "mapping_items_per_s": ">= 100000",
    "peak_rss_mb": "<= 300 (100k items in the mirror)",
}


def floors(size: Size, runs: dict[str, Measured], *, latency_ms: int, pacing_s: float) -> dict[str, Floor]:
    """The floor of every roadsync scenario (and of the naive run's job, which is A's)."""
    result = {}
    for name, run in runs.items():
        result[name] = floor(
            run.to_read, size.github_items, run.plan_changes, incremental=name != "A",
            latency_s=latency_ms / 1000, pacing_s=pacing_s,
        )  # fmt: skip
    return result


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def summary(
    size: Size,
    runs: dict[str, Measured],
    naive: Measured | None,
    same_end_state: bool | None,
    extra: dict[str, Any],
    *,
    latency_ms: int,
    pacing_s: float,
) -> dict[str, Any]:
    """The one JSON document: the headline ratios (scenario A unless named) and every figure."""
    bounds = floors(size, runs, latency_ms=latency_ms, pacing_s=pacing_s)
    a, b = runs["A"], runs["B"]
    scopes = size.projects + size.repos
    out: dict[str, Any] = {
        "requests_vs_floor": _ratio(a.requests, bounds["A"].requests),
        "time_vs_floor": _ratio(a.seconds, bounds["A"].seconds),
        "speedup_vs_naive": _ratio(naive.seconds, a.seconds) if naive else None,
        "requests_vs_naive": _ratio(a.requests, naive.requests) if naive else None,
        "noop_requests": b.requests,
        "noop_writes": b.total_writes,
        "noop_request_target": scopes + 5,
        "noop_steady_requests": runs["B2"].requests if "B2" in runs else None,
        "noop_steady_writes": runs["B2"].total_writes if "B2" in runs else None,
        "noop_steady_target": scopes + 5 + bounds["B"].detail.get("board_pages", 0),
        "mapping_items_per_s": extra.get("mapping", {}).get("items_per_s"),
        "peak_rss_mb": extra.get("mirror", {}).get("peak_rss_mb"),
        "naive_same_end_state": same_end_state,
        "latency_ms": latency_ms,
        "github_pacing_s": pacing_s,
        "items": size.items,
        "scenarios": {},
        **{k: v for k, v in extra.items() if k in ("mapping", "mirror", "bench_process_peak_rss_mb")},
    }
    for name, run in [*runs.items(), *([("naive", naive)] if naive else [])]:
        bound = bounds["A" if name == "naive" else name]
        out["scenarios"][name] = {
            **run.to_json(),
            "floor": bound.to_json(),
            "requests_vs_floor": _ratio(run.requests, bound.requests),
            "time_vs_floor": _ratio(run.seconds, bound.seconds),
        }
    return out


def markdown(doc: dict[str, Any]) -> str:
    """The Markdown table of every scenario, then the headline ratios against their targets."""
    lines = [
        f"Items: {doc['items']}; latency {doc['latency_ms']} ms a request; "
        f"GitHub writes paced {doc['github_pacing_s']} s apart (roadsync, naive and floor alike).",
        "",
        "| scenario | reads | writes | requests | floor (r/w) | x floor | wall s | floor s | x floor "
        "| changed items |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in doc["scenarios"].items():
        bound = row["floor"]
        lines.append(
            f"| {_label(name)} | {sum(row['reads'].values())} | {row['total_writes']} | {row['requests']} | "
            f"{bound['requests']} ({bound['reads']}/{bound['writes']}) | {row['requests_vs_floor']} | "
            f"{row['seconds']} | {bound['seconds']} | {row['time_vs_floor']} | {row['changed_items']} |"
        )
    lines += ["", "| figure | value | target |", "| --- | ---: | --- |"]
    for key, target in TARGETS.items():
        value = doc.get(key)
        target_key = {"noop_requests": "noop_request_target", "noop_steady_requests": "noop_steady_target"}
        shown = f"{value} (target {doc[target_key[key]]})" if key in target_key else value
        lines.append(f"| `{key}` | {shown} | {target} |")
    lines.append(f"| `naive_same_end_state` | {doc.get('naive_same_end_state')} | True |")
    return "\n".join(lines) + "\n"


def _label(name: str) -> str:
    return {
        "A": "A first full sync", "B": "B no-op re-run", "B2": "B2 second no-op (steady state)",
        "C": "C incremental (1% edited)",
        "naive": "naive script (A's job)",
    }.get(name, name)  # fmt: skip


NOTES = """## What the figures mean (10k-item run, 30 ms latency, pacing 0 s)

Choices: GitHub writes are paced the same for roadsync, the naive script and the floor
(`--pacing-s`, default 0 as in the sandbox config; with GitHub's 1 s every figure is dominated by
GitHub writes alike). Jira writes may run 8 at a time (never two to one issue). The floor counts
every read as sequential (bench/floor.py); `seconds_parallel_reads` in the raw figures is the
bound if every scope were read at once.

**Met.** Requests on A: 1.03x the floor. Naive script: 29x slower and 11.4x the requests
(roadsync spends 0.087x its requests), and both reach the *same end state* (checked item by item
with a full pull of each sandbox). At 10k items the naive script needs ~8,900 GitHub requests, more
than the 5,000 an hour GitHub gives a token: the sandbox cut it off with 403s until the benchmark
lifted the budget. B writes nothing. Mapping: ~121k items/s. Connector target (issue 4), full pull
on A: Jira 61 requests for 6,000 items in 2 projects (60 pages + 1 metadata), GitHub 80 for 4,000
items in 5 repositories (40 pages + 40 board pages): ceil(items / 100) + a small constant.

**Missed, why, and what would close it.**

- *A wall time 1.9x the floor* (19.8 s vs 10.4 s). Apply writing Jira items one at a time took
  A from ~3x to this (commit "apply: up to 8 Jira items in flight": 12.6 s -> 4.2 s at the quick
  size). What remains: reads run one scope after another (floor with parallel scopes: 7.4 s),
  the GitHub writer re-reads the whole board (40 GraphQL pages, ~1.3 s) that the reader had
  just read, and local CPU (10k items converted, stored in SQLite, mapped, planned, two journal
  fsyncs per change). To close: hand the reader's board snapshot to the writer, pull Jira and
  GitHub concurrently (two threads, one per source), and fsync the journal per batch of items.
- *B 61 requests vs the issue's "scopes + 5" (12)*. The floor for B is 61 too: the board cannot be
  read incrementally (40 pages, design.md "Scope and mirror" allows them), and A's own 2,149 writes
  bumped `updated`, so B must read those items again (14 Jira pages, one page per repository).
  Without the board, B is 21 requests for 7 scopes. A second no-op run would cost one request per
  scope (GitHub 304s) + Jira metadata + the board pages.
- *C requests 1.46x, time 3.5x the floor*. The Jira overlap window (5 minutes) re-reads the 1,316
  items A wrote minutes earlier (14 pages instead of 2); the GitHub writer re-reads the board (40)
  and lists labels per repository (5); and time on a 1% run is mostly fixed local cost (loading
  and mapping the 10k-item mirror, planning). To close: the board snapshot shared with the writer,
  an overlap window that starts from the previous run's start rather than its newest item, and
  mapping only the items whose inputs changed.
- *Peak RSS 311 MB with 100k items in the mirror* (target 300): the child process holds the
  100k synthetic items while writing them, then loads them all back as Items and maps them. The
  mirror could stream items into the mapper (or keep only mapped fields in memory) to close it.
  The benchmark process itself (sandbox with 10k items in the same process) peaked at 167 MB.
"""
