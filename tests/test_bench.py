"""Smoke test of ``python -m bench``: the tiny size runs end to end and prints one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.floor import Change, floor

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = (
    "requests_vs_floor", "time_vs_floor", "speedup_vs_naive", "requests_vs_naive",
    "noop_requests", "noop_writes", "mapping_items_per_s", "peak_rss_mb",
)  # fmt: skip


def test_bench_tiny_json_prints_one_line_with_the_required_keys() -> None:
    """`python -m bench --tiny --json` prints exactly one JSON line carrying every headline figure."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--json", "--latency-ms", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert all(doc[key] is not None for key in REQUIRED), {key: doc.get(key) for key in REQUIRED}
    assert doc["noop_writes"] == 0 and doc["noop_steady_writes"] == 0
    assert doc["naive_same_end_state"] is True
    assert set(doc["scenarios"]) == {"A", "B", "B2", "C", "naive"}


def test_floor_counts_pages_metadata_and_minimal_writes() -> None:
    """The floor: pages per scope plus metadata; one PUT per Jira item, label calls, batched board updates."""
    changes = [
        Change("PA-1", "jira", "priority", "Low", "High"),
        Change("PA-1", "jira", "field", None, "aligned"),
        Change("acme/r#1", "github", "label", "theme/t1", "theme/t2"),
        *[Change(f"acme/r#{n}", "github", "project", None, "P1") for n in range(21)],
    ]
    result = floor(
        {"jira:PA": 250, "github:acme/r": 100}, 100, changes,
        incremental=False, latency_s=0.01, pacing_s=0.0,
    )  # fmt: skip
    assert result.reads == 3 + 1 + 1 + 1  # Jira pages, repo page, board page, /field
    assert result.detail["jira_puts"] == 1
    assert result.detail["github_label_adds"] == 1 and result.detail["github_label_removes"] == 1
    assert result.detail["github_board_mutations"] == 2
    assert result.writes == 5
