"""The reliability suite's fixtures and the fault matrix summary printed after the run.

Every matrix case records its counts in :data:`MATRIX`; the terminal summary prints them and,
when ``RELIABILITY_MATRIX=path.json`` is set, writes them there (docs/reliability.md quotes it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

MATRIX: list[dict[str, Any]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not MATRIX:
        return
    rows = sorted(MATRIX, key=lambda row: str(row["case"]))
    terminalreporter.section("fault matrix")
    header = f"{'case':44} {'faults':>6} {'runs':>5} {'items':>5} {'writes':>6} "
    header += f"{'edits kept':>10} {'dups':>4}"
    terminalreporter.write_line(header)
    for row in rows:
        terminalreporter.write_line(
            f"{row['case']:44} {row['faults']:>6} {row['runs']:>5} {row['items']:>5} "
            f"{row['writes']:>6} {row['edits_kept']:>10} {row['duplicates']:>4}"
        )
    target = os.environ.get("RELIABILITY_MATRIX")
    if target:
        Path(target).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


@pytest.fixture
def matrix() -> list[dict[str, Any]]:
    return MATRIX
