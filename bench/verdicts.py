"""Every target of the benchmark, met or missed, judged from the figures of the run that printed it.

A missed target carries its reason; the reasons are facts about roadsync and the trackers, filled
in with the run's own figures, so ``bench/RESULTS.md`` never claims what the run did not show.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TARGETS", "Target", "verdicts"]


@dataclass(frozen=True)
class Target:
    key: str
    op: str  # "<=", ">=", "=="
    bound: float | str | bool  # a number, or the name of the figure holding it
    text: str
    reason: str = ""  # why it is missed, with {fields} from :func:`_facts`


_OPS: dict[str, Callable[[Any, Any], bool]] = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}

TARGETS = [
    Target(
        "requests_vs_floor", "<=", 1.1, "<= 1.1x the honest floor (first sync)",
        "roadsync sent {a_requests} requests where the floor needs {a_floor_requests} (Jira "
        "writes {a_jira_writes}, floor bulk tasks {floor_bulk_tasks}); scenario A's per-endpoint "
        "counts below say where. Against the floor without bulk edit roadsync is at {a_vs_no_bulk}x.",
    ),
    Target(
        "time_vs_floor", "<=", 1.3, "<= 1.3x the honest floor's wall time (first sync)",
        "roadsync's {a_requests} requests are near the floor; its process (timed from spawn to "
        "exit, {a_cpu_s} s of its own CPU) spends the rest on local work the floor leaves out: "
        "interpreter start and imports, loading the mirror, planning, the journal, SQLite; and it "
        "shares the 2 cores with the emulators, which spent {a_emulators_cpu_s} s of CPU answering "
        "it (real trackers' work is not the client's).",
    ),
    Target(
        "speedup_vs_naive", ">=", 10, ">= 10x faster than the fair naive script",
        "{naive_requests} requests in {naive_s} s against roadsync's {a_requests} in {a_s} s: "
        "roadsync's time is no longer its requests but its local work (see time_vs_floor; "
        "each runs in its own process).",
    ),
    Target(
        "requests_vs_naive", "<=", 0.2, "<= 0.2x the fair naive script's requests",
        "roadsync sent {a_requests} requests against the fair script's {naive_requests}.",
    ),
    Target("noop_writes", "<=", 0, "0 writes on a no-op re-run"),
    Target(
        "noop_requests", "<=", "noop_request_target", "B <= scopes + 5 + board-edit detection",
        "B runs right after A and must re-read the items A wrote (they changed after A's start): "
        "{b_fetched} items. B2 is the cron steady state.",
    ),
    Target(
        "noop_steady_requests", "<=", "noop_request_target",
        "B2 (hourly cron, nothing changed) <= scopes + 5 + board-edit detection",
        "B2 read {b2_fetched} items: they changed inside its overlap window (run.overlap_minutes "
        "before the previous run's start).",
    ),
    Target("noop_steady_writes", "<=", 0, "0 writes in B2"),
    Target(
        "mapping_items_per_s", ">=", 100000, ">= 100,000 items mapped a second",
        "{mapping_items} items mapped in {mapping_s} s of pure-Python matching on a 2-core machine "
        "whose speed varies from hour to hour (the same code has measured 40k-100k items/s here); "
        "the per-item work left is spread thin (no step dominates the profile): compiling "
        "mappings/ (mypyc) is what is left.",
    ),
    Target(
        "peak_rss_mb", "<=", 200, "<= 200 MB VmHWM, mirror of {mirror_items} items stored, loaded, mapped",
        "the test holds all {mirror_items} items loaded and mapped at once on top of the imports "
        "(see scale_peak_rss_mb).",
    ),
    Target(
        "scale_noop_requests", "<=", "scale_noop_target",
        "no-op cron run at scale <= scopes + 5 + board-edit detection",
    ),
    Target("scale_noop_writes", "<=", 0, "0 writes in the no-op cron run at scale"),
    Target(
        "scale_noop_cpu_s", "<=", 2.0, "no-op cron run at scale: <= 2 s of roadsync CPU",
        "a no-op run re-plans no item (incremental planning: only changed items and what depends "
        "on them), but pays about 1 s of interpreter start and imports (PyGithub, jira, httpx and "
        "pydantic, all needed to send its requests), and the plan and report are still built "
        "from every item's assignment, so every kept outcome of the {scale_items} items is read "
        "back (about 1 s at 100k) and coverage is counted (once) over all of them; loading kept "
        "outcomes lazily and keeping per-theme totals as aggregates updated from the changed items "
        "is what is left.",
    ),
    Target(
        "scale_peak_rss_mb", "<=", 200, "real sync at scale: <= 200 MB peak RSS (VmHWM) of roadsync",
        "imports take about 72 MB before the pull starts (pydantic, requests, httpx, PyGithub, "
        "jira); the rest grows about 2 MB per 1,000 items: planning holds every item (about "
        "750 bytes each once read from the mirror) with its assignment, and apply, where the peak "
        "now falls, holds Jira's bulk changes and markers until the flush and a journal line, an "
        "outcome and a re-read item per change; streaming items through plan and apply in "
        "batches is what is left.",
    ),
    Target(
        "adoption_requests_vs_floor", "<=", 1.1, "first adoption: <= 1.1x the floor's requests",
        "roadsync sent {adoption_requests} requests against the floor's {adoption_floor_requests}: "
        "missing labels are created in one createLabel document, as the floor counts it; beyond the "
        "floor, one query looks the label ids up (the floor takes them from the issue pages) and "
        "Jira's metadata is read twice.",
    ),
    Target(
        "adoption_time_vs_floor", "<=", 1.3, "first adoption: <= 1.3x the floor's wall time",
        "{adoption_s} s against the floor's {adoption_floor_s} s: roadsync's GitHub writes are as many "
        "as the floor's ({adoption_label_calls} mutative requests paced 1 s apart); the rest is local "
        "work in roadsync's own process before the first write (interpreter start and imports, "
        "mapping, planning) and the first-sync evidence reads before planning.",
    ),
    Target("naive_same_end_state", "==", True, "the naive script reaches the same end state"),
]  # fmt: skip


def _facts(doc: dict[str, Any]) -> dict[str, Any]:
    scenarios = doc.get("scenarios", {})
    a, b, naive = scenarios.get("A", {}), scenarios.get("B", {}), scenarios.get("naive", {})
    adoption = scenarios.get("adoption", {})
    floor_a = a.get("floor", {}).get("detail", {})
    return {
        "a_jira_writes": a.get("writes", {}).get("jira"),
        "floor_bulk_tasks": floor_a.get("jira_bulk_tasks"),
        "a_vs_no_bulk": a.get("requests_vs_floor_without_bulk"),
        "a_requests": a.get("requests"),
        "a_floor_requests": a.get("floor", {}).get("requests"),
        "adoption_requests": adoption.get("requests"),
        "adoption_floor_requests": adoption.get("floor", {}).get("requests"),
        "a_s": a.get("seconds"),
        "a_cpu_s": a.get("detail", {}).get("cpu_s"),
        "a_emulators_cpu_s": a.get("detail", {}).get("emulators_cpu_s"),
        "naive_requests": naive.get("requests"),
        "naive_s": naive.get("seconds"),
        "b_fetched": b.get("fetched"),
        "b2_fetched": scenarios.get("B2", {}).get("fetched"),
        "adoption_label_calls": adoption.get("writes", {}).get("github"),
        "adoption_s": adoption.get("seconds"),
        "adoption_floor_s": adoption.get("floor", {}).get("seconds"),
        "scale_items": doc.get("scale_items"),
        "mapping_items": doc.get("mapping", {}).get("items"),
        "mapping_s": doc.get("mapping", {}).get("seconds"),
        "mirror_items": doc.get("mirror", {}).get("items"),
    }


def verdicts(doc: dict[str, Any]) -> list[tuple[str, Target, Any, Any, str]]:
    """(what, target, value, bound, verdict) for every target: ``met``, ``missed: <reason>``, or
    ``not measured`` when the run did not produce the figure; ``what`` is the target's text."""
    facts = _facts(doc)
    out = []
    for target in TARGETS:
        value = doc.get(target.key)
        bound = doc.get(target.bound) if isinstance(target.bound, str) else target.bound
        if value is None or bound is None:
            verdict = "not measured in this run"
        elif _OPS[target.op](value, bound):
            verdict = "met"
        else:
            verdict = "missed: " + (
                target.reason.format_map(facts) if target.reason else "see the raw figures"
            )
        out.append((target.text.format_map(facts), target, value, bound, verdict))
    return out
