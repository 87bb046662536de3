"""Figures and ratios from the measured scenarios, as one JSON document and a Markdown table."""

from __future__ import annotations

import math
from typing import Any

from bench.adoption import ADOPTION_PACING_S
from bench.floor import Floor, floor, labels_missing
from bench.scenarios import Measured, Size
from bench.verdicts import verdicts

__all__ = ["BASELINES", "NOTES", "board_detection", "floors", "markdown", "summary"]

FIRST_SYNCS = ("A", "adoption")
BASELINES = ("naive", "very_naive")
"""Scripts doing scenario A's job (their floor is A's)."""


def floors(
    size: Size, runs: dict[str, Measured], *, latency_ms: int, pacing_s: float, bulk: bool = True
) -> dict[str, Floor]:
    """The floor of every roadsync scenario; ``bulk=False``: without Jira bulk edit."""
    return {
        name: _floor(
            run,
            name not in FIRST_SYNCS,
            latency_ms,
            ADOPTION_PACING_S if name == "adoption" else pacing_s,
            bulk,
        )
        for name, run in runs.items()
    }


def _floor(run: Measured, incremental: bool, latency_ms: int, pacing_s: float, bulk: bool = True) -> Floor:
    to_read = {scope: n for scope, n in run.to_read.items() if scope != "board"}
    return floor(
        to_read, run.to_read.get("board", 0), run.plan_changes, incremental=incremental,
        latency_s=latency_ms / 1000, pacing_s=pacing_s, bulk=bulk,
        labels_to_create=labels_missing(run.plan_changes, run.repo_labels),
    )  # fmt: skip


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def board_detection(listed: int) -> int:
    """Requests roadsync spends noticing people's Projects board edits on a no-op incremental run:
    one page of GitHub's REST board item list per 100 items changed within its filter's window
    (``-last-updated:Ndays``, N = 2 for a run less than a day after the last), at least one;
    ``listed``: those items. A board left alone for N days costs 1 (connectors/github/board.py)."""
    return max(1, math.ceil(listed / 100))


def _adoption_figures(runs: dict[str, Measured], bounds: dict[str, Floor]) -> dict[str, Any]:
    if "adoption" not in runs:
        return {}
    run, bound = runs["adoption"], bounds["adoption"]
    return {
        "adoption_requests_vs_floor": _ratio(run.requests, bound.requests),
        "adoption_time_vs_floor": _ratio(run.seconds, bound.seconds),
    }


def _scale_figures(scale: dict[str, Any] | None) -> dict[str, Any]:
    """Headline figures of the real sync at scale (bench/scale.py), when it ran."""
    if not scale:
        return {}
    noop = scale["noop"]
    return {
        "scale": scale,
        "scale_items": scale["items"],
        "scale_noop_requests": noop["requests"],
        "scale_noop_target": 2 + 5 + 5 + board_detection(scale.get("board_changed", 0)),
        "scale_noop_writes": noop["writes"],
        "scale_noop_cpu_s": noop["cpu_s"],
        "scale_peak_rss_mb": max(scale[run]["peak_rss_mb"] for run in ("first", "settle", "noop")),
    }


def summary(
    size: Size,
    runs: dict[str, Measured],
    baselines: dict[str, Measured],
    same_end_state: bool | None,
    extra: dict[str, Any],
    *,
    latency_ms: int,
    pacing_s: float,
) -> dict[str, Any]:
    """The one JSON document: the headline ratios (scenario A, the fair naive script) and every figure."""
    bounds = floors(size, runs, latency_ms=latency_ms, pacing_s=pacing_s)
    per_item = floors(size, runs, latency_ms=latency_ms, pacing_s=pacing_s, bulk=False)
    a, b, naive = runs["A"], runs["B"], baselines.get("naive")
    scopes = size.projects + size.repos
    # B and B2 run minutes (on GitHub's clock) after A's board writes: inside the list's window.
    detection = board_detection(b.to_read.get("board", 0))
    target = scopes + 5 + detection
    out: dict[str, Any] = {
        "requests_vs_floor": _ratio(a.requests, bounds["A"].requests),
        "time_vs_floor": _ratio(a.seconds, bounds["A"].seconds),
        "speedup_vs_naive": _ratio(naive.seconds, a.seconds) if naive else None,
        "requests_vs_naive": _ratio(a.requests, naive.requests) if naive else None,
        "noop_requests": b.requests,
        "noop_writes": b.total_writes,
        # Requests spent on ownership evidence (bench/scenarios.py: OWNERSHIP_ENDPOINTS).
        "ownership_first_sync_requests": a.ownership,
        "ownership_noop_requests": b.ownership,
        # ...and what any stateless never-clobber tool would need (bench/floor.py: evidence_for).
        "ownership_first_sync_floor": bounds["A"].detail["evidence"],
        "ownership_noop_floor": bounds["B"].detail["evidence"],
        "scopes": scopes,
        "board_detection_requests": detection,
        "noop_request_target": target,
        "noop_steady_requests": runs["B2"].requests if "B2" in runs else None,
        "noop_steady_writes": runs["B2"].total_writes if "B2" in runs else None,
        "noop_steady_target": target,
        **_adoption_figures(runs, bounds),
        "mapping_items_per_s": extra.get("mapping", {}).get("items_per_s"),
        "peak_rss_mb": extra.get("mirror", {}).get("peak_rss_mb"),
        "naive_same_end_state": same_end_state,
        "latency_ms": latency_ms,
        "github_pacing_s": pacing_s,
        "items": size.items,
        "scenarios": {},
        **{k: v for k, v in extra.items() if k in ("mapping", "mirror", "bench_process_peak_rss_mb")},
        **_scale_figures(extra.get("scale")),
    }
    for name, run in [*runs.items(), *baselines.items()]:
        job = "A" if name in BASELINES else name
        bound, bound_per_item = bounds[job], per_item[job]
        out["scenarios"][name] = {
            **run.to_json(),
            "floor": bound.to_json(),
            "floor_without_bulk": bound_per_item.to_json(),
            "requests_vs_floor": _ratio(run.requests, bound.requests),
            "time_vs_floor": _ratio(run.seconds, bound.seconds),
            "requests_vs_floor_without_bulk": _ratio(run.requests, bound_per_item.requests),
        }
    return out


def markdown(doc: dict[str, Any]) -> str:
    """The Markdown table of every scenario, then the headline ratios against their targets."""
    lines = [
        f"Items: {doc['items']}; latency {doc['latency_ms']} ms a request; "
        f"GitHub writes paced {doc['github_pacing_s']} s apart (roadsync, naive and floor alike).",
        "",
        "| scenario | reads | writes | requests | floor (r/w) | x floor | floor w/o Jira bulk | wall s "
        "| floor s | x floor | changed items |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in doc["scenarios"].items():
        bound = row["floor"]
        lines.append(
            f"| {_label(name)} | {sum(row['reads'].values())} | {row['total_writes']} | {row['requests']} | "
            f"{bound['requests']} ({bound['reads']}/{bound['writes']}) | {row['requests_vs_floor']} | "
            f"{row['floor_without_bulk']['requests']} | {row['seconds']} | {bound['seconds']} | "
            f"{row['time_vs_floor']} | {row['changed_items']} |"
        )
    lines += [
        "",
        f"Ownership evidence (requests): first sync {doc['ownership_first_sync_requests']} "
        f"(floor {doc['ownership_first_sync_floor']}), no-op re-run {doc['ownership_noop_requests']} "
        f"(floor {doc['ownership_noop_floor']}); counted in the figures above, floors included.",
    ]
    lines += ["", *_scale_lines(doc), "| figure | value | target | verdict |", "| --- | ---: | --- | --- |"]
    for what, target, value, bound, verdict in verdicts(doc):
        shown = f"{value} (target {bound})" if isinstance(target.bound, str) else value
        lines.append(f"| `{target.key}` | {shown} | {what} | {verdict} |")
    return "\n".join(lines) + "\n"


def _scale_lines(doc: dict[str, Any]) -> list[str]:
    scale = doc.get("scale")
    if not scale:
        return []
    lines = [
        f"Real syncs of {scale['items']} items, roadsync in its own process (bench/scale.py):",
        "",
        "| run | requests | writes | fetched | wall s | roadsync CPU s | emulators CPU s "
        "| peak RSS MB (VmHWM) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("first", "settle", "noop"):
        run = scale[name]
        lines.append(
            f"| {name} | {run['requests']} | {run['writes']} | {run['fetched']} | {run['wall_s']} | "
            f"{run['cpu_s']} | {run.get('emulators_cpu_s', '')} | {run['peak_rss_mb']} |"
        )
    return [*lines, ""]


def _label(name: str) -> str:
    return {
        "A": "A first full sync", "B": "B no-op re-run right after A",
        "B2": "B2 hourly cron, nothing changed",
        "C": "C incremental (1% edited)", "adoption": "first adoption (no theme tags; GitHub 1 s, limits on)",
        "naive": "fair naive script (A's job)", "very_naive": "very naive script (A's job)",
    }.get(name, name)  # fmt: skip


NOTES = """## How to read these figures

- **The floor** (bench/floor.py) is what any tool could spend given the trackers' documented
  capabilities and limits, each cited there: Jira Cloud bulk edit for values shared by 3 or more
  issues (up to 1,000 a task, submit + poll), one PUT per other item; GitHub board values and
  labels as aliased GraphQL mutations, 100 a document; pages of 100; scopes and both trackers
  read and written at the same time; GitHub's 2,000 GraphQL points a minute and 80/500 content
  requests a minute/hour. Jira publishes no concurrency figure: the floor assumes 8 writes in
  flight. `floor w/o Jira bulk` is the floor on Data Center or without the Bulk change permission.
  It includes the ownership evidence any tool keeping "never clobber" without a local state file
  must read: the Jira changelog of issues no marker speaks for (1 per 1,000) before planning and of
  written issues after, the account once, GitHub label history (1 per 100 issues) before and
  after, and the board's marker field once.
- **The fair naive script** (bench/naive.py) is the afternoon script of an experienced engineer
  with the same libraries: fields in the search, no per-item GET, the board read once, one Jira
  update per item, one REST call per label and one mutation per board value, paced like roadsync.
  `--very-naive` also runs the old per-item-GET script.
- **B** runs right after A and must re-read what A wrote; **B2** is an hourly cron run when
  nothing changed (on a copy of the state, roadsync's clock two hours on, after the run an hour
  on that still re-reads A's writes): the steady state.
  `noop_request_target` = scopes + 5 + board-edit detection (`board_detection_requests`). GraphQL
  has no filter on board items and orders them only by position, but GitHub's REST list of board
  items takes the projects filter, whose `-last-updated:Ndays` works in whole days: roadsync asks
  for ceil(days since its cursor) + 1 days (2 for an hourly cron), one REST page per 100 items
  changed in that window (at least 1), then reads by GraphQL the values of those changed since its
  cursor (per-value times keep the ownership marker's check). So a board left alone for two days
  costs 1 request; B and B2 run minutes after A wrote k board values, which are still in the
  window: ceil(k / 100) pages (`board_detection_requests`), and B also re-reads their values. The
  first sync, `--full`, the periodic full refresh and a server without the REST list read the
  whole board (one GraphQL page per 100 items).
- **Scale**: a real sync at 100k items (20k in `--quick`) with roadsync in its own process, then
  two hourly cron runs; peak RSS is that process's `VmHWM`, CPU its own process time.
- **Seconds are a separate process's**: the sandbox trackers run in the benchmark's process, and
  every program timed here (roadsync in A, B, B2, C and adoption; the naive scripts) runs in a
  child process of its own (bench/child.py), as it would against the real trackers on other
  machines: `seconds` is that process's wall time from spawn to exit (interpreter start and
  imports included), `detail.cpu_s` its own CPU seconds, never the emulators'. The emulators still
  share the machine's cores with it: `detail.emulators_cpu_s` is the CPU the benchmark's process
  (the sandbox trackers) spent while the program ran. The timed programs run with their modules
  compiled (as `pip install` leaves them; this machine sets `PYTHONDONTWRITEBYTECODE`).
- Request counts are deterministic; seconds are not: the machine (2 cores) is shared with other
  engineers' test runs, so read CPU seconds beside wall seconds.
"""
