"""A run reads the journal from where every intent was last seen closed, never missing an open one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from roadsync.changes import FieldChange
from roadsync.config.load import load_settings
from roadsync.errors import LocalFileError
from roadsync.sync.journal import JOURNAL_FILE, Journal
from roadsync.sync.run import Run, RunSpec
from roadsync.sync.state import STATE_FILE


def _change(n: int) -> FieldChange:
    return FieldChange(f"PAY-{n}", "priority", "Low", "High", reason="theme says P1", rule="checkout#0")


def _closed(journal: Journal, count: int, start: int = 0) -> None:
    for entry in journal.intents([_change(start + n) for n in range(count)], "run1"):
        journal.done(entry, "applied")


def test_the_mark_stops_before_the_first_open_intent(tmp_path: Path) -> None:
    """The mark passes closed intents only; read from it, an intent still open is found, and once
    resolved the mark reaches the end of the file."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    _closed(journal, 3)
    assert journal.uncertain() == [] and journal.settled.offset == path.stat().st_size
    closed_up_to = journal.settled
    open_one = journal.intent(_change(9), "run2")
    _closed(journal, 2, start=10)
    later = Journal(path)
    assert [e["entry"] for e in later.uncertain(closed_up_to)] == [open_one]
    assert later.settled == closed_up_to, "the mark must not pass an open intent"
    later.resolve(open_one, "applied")
    again = Journal(path)
    assert again.uncertain(later.settled) == [] and again.settled.offset == path.stat().st_size


def test_a_journal_replaced_by_a_shorter_one_is_read_from_its_start(tmp_path: Path) -> None:
    """A mark past the end of the file (the journal replaced) is ignored: an open intent near the
    start of the new file is still found."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    _closed(journal, 5)
    journal.uncertain()
    mark = journal.settled
    path.unlink()
    open_one = Journal(path).intent(_change(1), "run2")
    assert [e["entry"] for e in Journal(path).uncertain(mark)] == [open_one]


def test_a_journal_rewritten_before_the_mark_is_read_from_its_start(tmp_path: Path) -> None:
    """When the bytes before the mark are not those it was taken after, the whole file is read:
    an open intent there is found, and a damaged line there is reported with its line number."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    _closed(journal, 4)
    journal.uncertain()
    mark = journal.settled
    data = path.read_bytes()
    lines = data.split(b"\n")
    reopened = b"\n".join(lines[:-2]) + b"\n"  # the last done line dropped: its intent is open again
    path.write_bytes(reopened + b" " * (len(data) - len(reopened) - 1) + b"\n")
    assert [e["item"] for e in Journal(path).uncertain(mark)] == ["PAY-3"]
    path.write_bytes(data.replace(lines[-2], b"x" * len(lines[-2])))
    with pytest.raises(LocalFileError, match="line 8 is not a journal entry"):
        Journal(path).uncertain(mark)


def test_a_torn_line_is_never_passed_and_the_next_intent_is_found(tmp_path: Path) -> None:
    """A torn last line (a crash mid-append) keeps the mark before it; the next run's intent,
    written on a fresh line after it, is found from the mark."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    _closed(journal, 2)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"event": "intent", "torn')
    torn = Journal(path)
    assert torn.uncertain() == [] and torn.settled.offset < path.stat().st_size
    open_one = Journal(path).intent(_change(7), "run2")
    assert [e["entry"] for e in Journal(path).uncertain(torn.settled)] == [open_one]


def test_damage_after_the_mark_names_its_line_in_the_whole_file(tmp_path: Path) -> None:
    """A damaged line read from the mark is reported by its line number in the file, not in the part read."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    _closed(journal, 3)
    journal.uncertain()
    with path.open("ab") as handle:
        handle.write(b"this is not json\n")
    with pytest.raises(LocalFileError, match="line 7 is not a journal entry"):
        Journal(path).uncertain(journal.settled)


def _mark(state_dir: Path) -> tuple[int, str] | None:
    conn = sqlite3.connect(state_dir / STATE_FILE)
    try:
        row = conn.execute("SELECT offset, tail FROM journal_settled").fetchone()
    finally:
        conn.close()
    return (int(row[0]), str(row[1])) if row else None


def test_real_runs_keep_the_mark_and_still_recover_what_a_killed_run_left(
    sandbox_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a sync the state file marks the whole journal closed; an intent a killed run leaves
    after the mark is recovered by the next run, and one in a journal replaced since is too."""
    sandbox = sandbox_factory("demo")
    config = sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    settings = load_settings(config)
    path = settings.state_dir / JOURNAL_FILE
    assert Run(settings, RunSpec.for_sync(force=True, report=False)).execute().applied
    assert Run(settings, RunSpec.for_sync(force=True, report=False)).execute().recovered == 0
    mark = _mark(settings.state_dir)
    assert mark is not None and mark[0] == path.stat().st_size > 0
    Journal(path).intent(FieldChange("CORE-1", "priority", None, "Highest"), "killed-run")
    assert Run(settings, RunSpec.for_report()).execute().recovered == 1
    assert Run(settings, RunSpec.for_report()).execute().recovered == 0
    whole = Journal(path)
    assert whole.uncertain() == [] and _mark(settings.state_dir) == tuple(whole.settled)
    assert (_mark(settings.state_dir) or (0,))[0] == path.stat().st_size
    path.write_bytes(b"")
    Journal(path).intent(FieldChange("CORE-1", "priority", None, "Highest"), "killed-run")
    assert Run(settings, RunSpec.for_report()).execute().recovered == 1
    assert Journal(path).uncertain() == []
