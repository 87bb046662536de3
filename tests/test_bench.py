"""Smoke test of ``python -m bench``: the tiny size runs end to end and prints one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.floor import Change, evidence_for, floor, labels_missing, writes_for
from bench.verdicts import verdicts

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = (
    "requests_vs_floor", "time_vs_floor", "speedup_vs_naive", "requests_vs_naive",
    "noop_requests", "noop_writes", "mapping_items_per_s", "peak_rss_mb",
)  # fmt: skip


def test_bench_tiny_json_prints_one_line_with_the_required_keys() -> None:
    """`python -m bench --tiny --json` prints one JSON line with every headline figure, ``scopes`` and
    ``noop_request_target`` (scopes + 5 + board-edit detection)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--json", "--latency-ms", "1", "--scale-items", "400"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert all(doc[key] is not None for key in REQUIRED), {key: doc.get(key) for key in REQUIRED}
    assert doc["noop_writes"] == 0 and doc["noop_steady_writes"] == 0
    assert doc["naive_same_end_state"] is True
    assert set(doc["scenarios"]) == {"A", "B", "B2", "C", "naive"}
    assert doc["scopes"] == 2 + 5
    assert doc["noop_request_target"] == doc["scopes"] + 5 + doc["board_detection_requests"]
    a = doc["scenarios"]["A"]
    assert a["floor_without_bulk"]["requests"] >= a["floor"]["requests"]
    # the real sync in its own process, then two hourly cron runs: the last one writes nothing
    # and reads one page per scope, the board, and the once-a-run metadata
    assert doc["scale"]["first"]["fetched"] == 400 and doc["scale"]["first"]["writes"] > 0
    assert doc["scale_noop_writes"] == 0 and doc["scale"]["noop"]["fetched"] == 0
    assert doc["scale_noop_requests"] <= doc["scale_noop_target"]
    assert 0 < doc["scale_peak_rss_mb"] < 1000


def test_floor_reads_pages_per_scope_and_the_field_list_once() -> None:
    """Full sync: ceil(n/100) pages per scope, board pages, /field once, and no /myself."""
    result = floor(
        {"jira:PA": 250, "jira:PB": 100, "github:acme/r": 100}, 150, [],
        incremental=False, latency_s=0.01, pacing_s=0.0,
    )  # fmt: skip
    assert result.reads == 3 + 1 + 1 + 2 + 1  # PA, PB, repo, board, /field
    assert result.writes == 0


def test_floor_incremental_board_costs_at_least_one_request() -> None:
    """Incremental run: each scope at least one page, the board at least one request."""
    result = floor({"jira:PA": 0, "github:acme/r": 0}, 0, [], incremental=True, latency_s=0.01, pacing_s=0.0)
    assert result.detail["jira_pages"] == 1 and result.detail["github_pages"] == 1
    assert result.detail["board_pages"] == 1 and result.reads == 4


def test_floor_groups_jira_changes_sharing_a_value_into_bulk_tasks() -> None:
    """Jira: >= 3 items setting one value go in one bulk task (submit + poll), their ownership
    markers in one properties/multi request; the rest one PUT each."""
    changes = [Change(f"PA-{n}", "jira", "priority", "Low", "High", "priority") for n in range(5)]
    changes += [
        Change("PA-9", "jira", "priority", "Low", "Lowest", "priority"),
        Change("PA-9", "jira", "label", "theme:a", "theme:b", "theme"),
    ]
    w = writes_for(changes)
    assert (w["jira_bulk_tasks"], w["jira_bulk_polls"], w["jira_bulk_metadata"]) == (1, 1, 1)
    assert w["jira_bulk_markers"] == 1  # the markers follow in properties/multi
    assert w["jira_puts"] == 1 and w["jira_puts_per_item"] == 6
    per_item = writes_for(changes, bulk=False)
    assert per_item["jira_bulk_tasks"] == 0 and per_item["jira_puts"] == 6


def test_floor_splits_bulk_tasks_at_a_thousand_issues() -> None:
    """One bulk edit task carries at most 1,000 issues."""
    changes = [Change(f"PA-{n}", "jira", "field", None, "aligned", "alignment") for n in range(2500)]
    assert writes_for(changes)["jira_bulk_tasks"] == 3


def test_floor_batches_github_mutations_and_paces_them() -> None:
    """GitHub: board values and label changes as aliased mutations, 100 per document, paced."""
    changes = [Change(f"acme/r#{n}", "github", "project", None, "P1", "priority") for n in range(150)]
    changes += [Change("acme/r#1", "github", "label", "theme/t1", "theme/t2", "theme")]
    w = writes_for(changes)
    assert w["github_board_documents"] == 2 and w["github_label_documents"] == 1
    paced = floor({"github:acme/r": 0}, 0, changes, incremental=True, latency_s=0.01, pacing_s=1.0)
    assert paced.writes == 3
    assert paced.seconds >= 2 * 1.0


def test_floor_creates_the_labels_repositories_lack_before_adding_them() -> None:
    """A first adoption: 150 label adds over two repositories need the 3 (repository, label) pairs
    the repositories lack (in any case) created first, one more paced document."""
    changes = [Change(f"acme/{r}#{n}", "github", "label", None, f"theme/t{n % 2}", "theme")
               for r in ("a", "b") for n in range(75)]
    missing = labels_missing(changes, {("acme/a", "theme/t0"), ("acme/b", "ui")})
    assert missing == 3
    w = writes_for(changes, labels_to_create=missing)
    assert (w["github_label_create_documents"], w["github_label_documents"]) == (1, 2)
    plain = floor({"github:acme/a": 75}, 0, changes, incremental=False, latency_s=0.01, pacing_s=1.0)
    created = floor({"github:acme/a": 75}, 0, changes, incremental=False, latency_s=0.01, pacing_s=1.0,
                    labels_to_create=missing)
    assert created.writes == plain.writes + 1 and created.seconds >= plain.seconds + 1.0


def test_floor_paces_the_marker_field_creation_like_other_mutations() -> None:
    """A first sync with board writes creates the marker field: one more mutative request, one more
    pacing interval."""
    changes = [Change("acme/r#1", "github", "project", None, "P1", "priority")]
    first = floor({"github:acme/r": 1}, 1, changes, incremental=False, latency_s=0.01, pacing_s=1.0)
    later = floor({"github:acme/r": 1}, 1, changes, incremental=True, latency_s=0.01, pacing_s=1.0)
    assert first.writes == later.writes + 1 and first.seconds >= later.seconds + 1.0


def test_floor_waits_for_the_content_creation_window() -> None:
    """More than 80 mutative GitHub requests cannot go in one minute: the floor waits for the next."""
    changes = [Change(f"acme/r#{n}", "github", "issue_type", "Bug", "Task", "type") for n in range(81)]
    result = floor({"github:acme/r": 0}, 0, changes, incremental=True, latency_s=0.001, pacing_s=0.0)
    assert result.seconds >= 60


def test_floor_overlaps_the_two_trackers() -> None:
    """Time is the slower tracker's (reads then writes), not the sum of both."""
    jira = floor({"jira:PA": 1000}, 0, [], incremental=False, latency_s=0.01, pacing_s=0.0)
    both = floor(
        {"jira:PA": 1000, "github:acme/r": 100}, 100, [], incremental=False, latency_s=0.01, pacing_s=0.0
    )
    assert both.seconds == jira.seconds == round(11 * 0.01, 3)


def test_floor_counts_the_ownership_evidence_any_stateless_tool_needs() -> None:
    """First sync: the Jira changelog of issues holding another value (1 per 1,000) before
    planning and of written issues after, the account once, GitHub label history of issues
    whose theme label differs, a missing one included (1 per 100), before and after, the
    board's marker field once.
    A later run needs the changelog before writing too (a marker cannot show a person setting
    roadsync's value again), but no new marker field."""
    changes = [Change(f"PA-{n}", "jira", "priority", "Low", "High", "priority") for n in range(1500)]
    changes += [Change(f"PA-{n}", "jira", "label", None, "theme:a", "theme") for n in range(1500, 1600)]
    changes += [Change(f"acme/r#{n}", "github", "label", "theme/x", "theme/y", "theme") for n in range(150)]
    changes += [Change(f"acme/r#{n}", "github", "label", None, "theme/y", "theme") for n in range(150, 210)]
    changes += [Change("acme/r#1", "github", "project", None, "P1", "priority")]
    first = evidence_for(changes, first_sync=True)
    assert first == {
        "evidence_jira_changelog_before": 2, "evidence_jira_changelog_after": 2,
        "evidence_jira_account": 1, "evidence_github_labels_before": 3,  # 210 issues, 60 unlabelled
        "evidence_github_labels_after": 3, "evidence_github_marker_field": 1,
    }  # fmt: skip
    later = evidence_for(changes, first_sync=False)
    assert later["evidence_jira_changelog_before"] == 2 and later["evidence_github_marker_field"] == 0
    bound = floor({"jira:PA": 1600, "github:acme/r": 210}, 160, changes, incremental=False,
                  latency_s=0.01, pacing_s=0.0)  # fmt: skip
    plain = floor({"jira:PA": 1600, "github:acme/r": 210}, 160, [], incremental=False,
                  latency_s=0.01, pacing_s=0.0)  # fmt: skip
    assert bound.reads == plain.reads + sum(first.values()) - 1  # the marker field is a write
    assert bound.writes == plain.writes + sum(writes_for(changes)[k] for k in (
        "jira_bulk_tasks", "jira_bulk_polls", "jira_bulk_metadata", "jira_bulk_markers", "jira_puts",
        "github_board_documents", "github_label_documents", "github_type_patches")) + 1
    assert bound.detail["evidence"] == sum(first.values()) + writes_for(changes)["jira_bulk_markers"]


def test_verdicts_judge_each_target_from_the_run_and_give_the_reason() -> None:
    """A figure past its target is missed with its reason filled from the run; a missing one is
    not measured; a figure within its target is met."""
    doc = {
        "requests_vs_floor": 2.5, "noop_requests": 12, "noop_request_target": 52,
        "scenarios": {"A": {"writes": {"jira": 1316}, "requests_vs_floor_without_bulk": 1.04,
                            "requests": 1502,
                            "floor": {"requests": 159, "detail": {"jira_bulk_tasks": 210}}}},
    }  # fmt: skip
    by_key = {target.key: verdict for _, target, _, _, verdict in verdicts(doc)}
    missed = "missed: roadsync sent 1502 requests where the floor needs 159"
    assert by_key["requests_vs_floor"].startswith(missed)
    assert "Jira writes 1316" in by_key["requests_vs_floor"] and "1.04x" in by_key["requests_vs_floor"]
    assert by_key["noop_requests"] == "met"
    assert by_key["scale_noop_cpu_s"] == "not measured in this run"
