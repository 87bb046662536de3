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
        shown = f"{value} (target {doc['noop_request_target']})" if key == "noop_requests" else value
        lines.append(f"| `{key}` | {shown} | {target} |")
    lines.append(f"| `naive_same_end_state` | {doc.get('naive_same_end_state')} | True |")
    return "\n".join(lines) + "\n"


def _label(name: str) -> str:
    return {
        "A": "A first full sync", "B": "B no-op re-run", "C": "C incremental (1% edited)",
        "naive": "naive script (A's job)",
    }.get(name, name)  # fmt: skip


NOTES = """## Notes

(filled in after the full run)
"""
