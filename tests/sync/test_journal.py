"""The audit journal: intents before writes, outcomes after, uncertain writes found, no tokens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roadsync.changes import FieldChange
from roadsync.config.load import load_settings
from roadsync.errors import LocalFileError, register_secret
from roadsync.sync.journal import JOURNAL_FILE, Journal, new_run_id
from roadsync.sync.run import Run, RunSpec

CHANGE = FieldChange("PAY-1", "priority", "Low", "High", reason="theme checkout is P1", rule="checkout#0")


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_intent_is_on_disk_before_the_write(tmp_path: Path) -> None:
    """intent() has written a complete line with before/after/rule when it returns."""
    journal = Journal(tmp_path / "journal.jsonl")
    run_id = new_run_id()
    entry = journal.intent(CHANGE, run_id)
    [line] = lines(tmp_path / "journal.jsonl")
    assert line["entry"] == entry and line["run_id"] == run_id and line["event"] == "intent"
    assert (line["item"], line["field"], line["before"], line["after"], line["rule"], line["status"]) == (
        "PAY-1",
        "priority",
        "Low",
        "High",
        "checkout#0",
        "pending",
    )
    assert str(line["time"]).endswith("Z")


def test_done_closes_the_intent(tmp_path: Path) -> None:
    """A done line repeats the change and the outcome; the write is no longer uncertain."""
    journal = Journal(tmp_path / "journal.jsonl")
    entry = journal.intent(CHANGE, "run1")
    journal.done(entry, "applied")
    assert journal.uncertain() == []
    done = lines(tmp_path / "journal.jsonl")[1]
    assert (done["event"], done["status"], done["item"], done["after"], done["run_id"]) == (
        "done",
        "applied",
        "PAY-1",
        "High",
        "run1",
    )


def test_uncertain_lists_intents_without_outcome_across_runs(tmp_path: Path) -> None:
    """After a crash mid-apply, a new Journal on the same file finds the intents left open."""
    path = tmp_path / "journal.jsonl"
    first = Journal(path)
    closed = first.intent(CHANGE, "run1")
    first.done(closed, "failed", note="HTTP 500")
    open_one = first.intent(FieldChange("PAY-2", "theme", None, "theme/search"), "run1")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"event": "intent", "torn')  # the crash tore the last line
    later = Journal(path)
    assert [entry["entry"] for entry in later.uncertain()] == [open_one]
    later.resolve(open_one, "applied")
    assert later.uncertain() == []


def test_done_lines_say_why_and_only_a_non_success_says_error(tmp_path: Path) -> None:
    """Every done line has a non-null note; an applied one has no error field, the others repeat
    the note as error (the field older readers know)."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    entries = journal.intents([FieldChange(f"PAY-{n}", "priority", "Low", "High") for n in range(3)], "run1")
    journal.resolve(entries[0], "applied", "verified after an interrupted run")
    journal.done(entries[1], "skipped")
    journal.done(entries[2], "failed", "HTTP 500")
    done = [line for line in lines(path) if line["event"] == "done"]
    assert [(d["status"], d["note"], d.get("error")) for d in done] == [
        ("applied", "verified after an interrupted run", None),
        ("skipped", "not sent", "not sent"),
        ("failed", "HTTP 500", "HTTP 500"),
    ]
    assert "error" not in done[0]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ({"status": "bogus"}, 'done line with status "bogus", expected applied or skipped or unwritable or '
                              "failed"),
        ({"event": "undone"}, 'event "undone", expected "intent" or "done"'),
        ({"entry": None}, "no entry id"),
        ({"item": 7}, "no item or field"),
    ],
)
def test_an_entry_of_the_wrong_shape_is_damage_named_by_its_line(
    tmp_path: Path, line: dict[str, Any], says: str
) -> None:
    """A JSON line that is not a journal entry (unknown status or event, no entry id, no item)
    raises naming the file, the line and what is wrong, instead of being read as one."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.done(journal.intent(CHANGE, "run1"), "applied")
    done = lines(path)[1]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**done, **line}) + "\n")
    with pytest.raises(LocalFileError) as raised:
        Journal(path).uncertain()
    said = f"journal {path} line 3 is not a journal entry ({says}): the file is damaged"
    assert str(raised.value).startswith(said), str(raised.value)


def test_a_torn_line_is_tolerated_last_or_before_the_next_runs_mark_only(tmp_path: Path) -> None:
    """A torn last line is read past; the next append starts on a fresh line marked
    follows_torn_line, so the torn line mid-file is still read past; a torn line mid-file with no
    mark after it (not a crash: an edit, a splice) is damage naming its line."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.done(journal.intent(CHANGE, "run1"), "applied")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"after": "High", "before": "Lo')
    assert Journal(path).uncertain() == []
    later = Journal(path)
    open_one = later.intent(CHANGE, "run2")
    assert lines_after_torn(path)[0]["follows_torn_line"] is True
    assert [e["entry"] for e in Journal(path).uncertain()] == [open_one]
    spliced = path.read_bytes().replace(b'"follows_torn_line": true, ', b"")
    path.write_bytes(spliced)
    with pytest.raises(LocalFileError, match="line 3 is not a journal entry \\(cut short in the middle"):
        Journal(path).uncertain()


def lines_after_torn(path: Path) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines()[3:]]


def test_journal_never_holds_a_token(tmp_path: Path) -> None:
    """A token inside an error message is masked before the line is written."""
    register_secret("ghp_secretTOKEN1234")
    journal = Journal(tmp_path / "journal.jsonl")
    entry = journal.intent(CHANGE, "run1")
    journal.done(entry, "failed", note="401 for Authorization: token ghp_secretTOKEN1234")
    text = (tmp_path / "journal.jsonl").read_text(encoding="utf-8")
    assert "ghp_secretTOKEN1234" not in text
    assert "***" in text


def test_missing_journal_has_no_entries(tmp_path: Path) -> None:
    """A journal that was never written has no entries and nothing uncertain."""
    journal = Journal(tmp_path / "none.jsonl")
    assert list(journal.entries()) == [] and journal.uncertain() == []


def test_intents_of_a_batch_share_one_fsync(tmp_path: Path) -> None:
    """intents() puts every line on disk with one fsync; outcomes ride on the next one."""
    journal = Journal(tmp_path / "journal.jsonl")
    changes = [FieldChange(f"PAY-{n}", "priority", "Low", "High", reason="r", rule="x#0") for n in range(3)]
    entries = journal.intents(changes, "run1")
    assert journal.syncs == 1
    assert [line["entry"] for line in lines(tmp_path / "journal.jsonl")] == entries
    journal.outcomes([(entry, "applied", None) for entry in entries], sync=False)
    assert journal.syncs == 1 and journal.uncertain() == []
    journal.sync()
    journal.sync()  # nothing left to make durable: no second fsync
    assert journal.syncs == 2


def test_appended_intents_wait_for_the_barrier_and_outcomes_alone_cost_no_fsync(tmp_path: Path) -> None:
    """intents(sync=False) only appends; sync_intents() fsyncs them all at once (durable then
    covers the whole file) and, with no intent waiting, costs nothing."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    changes = [FieldChange(f"PAY-{n}", "priority", "Low", "High", reason="r", rule="x#0") for n in range(4)]
    entries = journal.intents(changes[:2], "run1", sync=False)
    entries += journal.intents(changes[2:], "run1", sync=False)
    assert journal.syncs == 0 and journal.durable == 0 and len(lines(path)) == 4
    journal.sync_intents()
    assert journal.syncs == 1 and journal.durable == path.stat().st_size
    journal.outcomes([(entry, "applied", None) for entry in entries], sync=False)
    journal.sync_intents()  # only outcomes since: they ride on the next fsync
    assert journal.syncs == 1 and journal.durable < path.stat().st_size
    journal.sync()
    assert journal.syncs == 2 and journal.durable == path.stat().st_size and journal.uncertain() == []


def test_a_sync_costs_about_one_fsync_per_batch_not_per_line(
    sandbox_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real first sync fsyncs the journal at most once per item written (plus once at the end),
    never once per line, and every intent still has its outcome."""
    sandbox = sandbox_factory("demo")
    config = sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    settings = load_settings(config)
    result = Run(settings, RunSpec.for_sync(force=True, report=False)).execute()
    assert result.applied is not None and result.plan is not None
    items = {change.item for change in result.plan.changes}
    assert len(items) > 5 and result.applied.count("applied") == len(result.plan.changes)
    assert 1 <= result.applied.journal_syncs <= len(items) + 1
    journal = Journal(settings.state_dir / JOURNAL_FILE)
    written = list(journal.entries())
    assert len(written) == 2 * len(result.plan.changes) and journal.uncertain() == []
