"""--history and --since on the real CLI: what each verb appends, and bad input stopping a run early."""

from __future__ import annotations

import json

import pytest

from roadsync.cli import main
from tests.sync.test_trend_e2e import Company, company

__all__ = ["company"]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


def _lines(company: Company) -> list[str]:
    return company.history.read_text(encoding="utf-8").splitlines() if company.history.exists() else []


def test_plan_and_report_append_a_line_and_offline_reads_only(
    company: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    """plan and report append one snapshot each; report --offline shows them (as one point when they
    ran in the same hour) and appends nothing."""
    config = str(company.config)
    history = str(company.history)
    for verb in ("plan", "report"):
        code, _, _ = _cli(capsys, verb, "--config", config, "--history", history, "--format", "json")
        assert code == 0
    assert len(_lines(company)) == 2
    code, out, _ = _cli(capsys, "report", "--offline", "--config", config, "--history", history,
                        "--format", "json")  # fmt: skip
    assert code == 0 and len(_lines(company)) == 2
    earlier = json.loads(out)["history"][:-1]
    assert sum(entry["runs"] for entry in earlier) == 2
    assert earlier[-1]["at"] == json.loads(_lines(company)[-1])["at"]


def test_a_damaged_history_file_stops_sync_before_it_writes(
    company: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    """A merge conflict in the history file: exit 64, one line naming file and line, no write sent."""
    company.history.parent.mkdir(parents=True)
    company.history.write_text("<<<<<<< HEAD\n", encoding="utf-8")
    company.sandbox.reset_stats()
    code, out, err = _cli(capsys, "sync", "--config", str(company.config), "--history", str(company.history))
    assert code == 64 and out == ""
    assert f"history file {company.history} line 1 is not a roadsync snapshot" in err
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err
    stats = company.sandbox.stats()
    assert stats["jira"]["writes"] == 0 and stats["github"]["writes"] == 0
    assert _lines(company) == ["<<<<<<< HEAD"]


def test_since_must_be_a_span_or_a_date(company: Company, capsys: pytest.CaptureFixture[str]) -> None:
    """report --since yesterday is a usage error (64) that shows the accepted forms."""
    code, _, err = _cli(capsys, "report", "--config", str(company.config), "--since", "yesterday")
    assert code == 64
    assert "--since" in err and "30d" in err and "2024-05-01" in err


def test_the_terminal_report_shows_the_trend(company: Company, capsys: pytest.CaptureFixture[str]) -> None:
    """Two runs: the table shows the Trend block with a sparkline per theme."""
    for _ in range(2):
        code, out, _ = _cli(capsys, "report", "--config", str(company.config), "--format", "table")
        assert code == 0
    trend = out[out.index("Trend"):]
    assert "2 snapshots" in trend
    rows = [line for line in trend.splitlines() if line.startswith("checkout")]
    assert rows and any(block in rows[0] for block in "▁▂▃▄▅▆▇█")
