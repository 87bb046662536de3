"""Open intents are verified against the mirror, whatever the run's pull returned; a journal or
state folder lost or replaced is read afresh and said so in one stderr line.

Each case runs the real CLI against sandbox trackers served over loopback. The journal a killed
run leaves (intents without a done line) is written as that run writes it: lines of the same
shape, appended to the file roadsync reads. A journal replaced by another (restored from a backup,
copied from another folder) no longer holds the bytes the state's mark was taken after
(:class:`roadsync.sync.journal.Settled`), so it is read from its start.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadsync.sandbox.server import Sandbox, start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, write_config


@pytest.fixture
def converged(tmp_path: Path) -> Iterator[tuple[Sandbox, Path]]:
    """A sandbox and a config whose first sync has written everything and whose second found
    nothing to do (so the state marks the whole journal read); no pull overlap, so the next
    incremental pull returns only items changed after that second run began."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml", "[run]\noverlap_minutes = 0")
        for _ in range(2):
            code, _, err = run_cli(config, "sync", env=cli_env(sb))
            assert code == 0, err
        yield sb, config


def _journal(config: Path) -> Path:
    return config.parent / ".roadsync" / "journal.jsonl"


def _entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _writes(sb: Sandbox) -> int:
    stats = sb.stats()
    return int(stats["jira"]["writes"]) + int(stats["github"]["writes"])


def _killed_run(applied: dict[str, Any], not_sent: dict[str, Any]) -> list[dict[str, Any]]:
    """The intents a run killed mid-apply leaves: one whose write landed (the tracker holds its
    ``after``), one never sent (the tracker still holds its ``before``)."""
    reverse = {**not_sent, "before": not_sent["after"], "after": not_sent["before"]}
    return [{**line, "entry": uuid.uuid4().hex, "run_id": "killed-run", "status": "pending"}
            for line in (applied, reverse)]  # fmt: skip


def test_a_replaced_journals_intents_on_items_the_pull_skips_are_verified(
    converged: tuple[Sandbox, Path],
) -> None:
    """A journal replaced by one with open intents on items the incremental pull does not return
    is read from its start: the landed write closes applied, the unsent one skipped as not
    applied, nothing is closed as unmanaged, nothing is written, and stderr says so in one line."""
    sb, config = converged
    path = _journal(config)
    intents = [e for e in _entries(path) if e["event"] == "intent" and e["after"] is not None]
    first, second = next(e for e in intents if e["field"] == "priority"), intents[-1]
    assert first["item"] != second["item"]
    killed = _killed_run(first, second)
    path.write_text("".join(json.dumps(line) + "\n" for line in killed), encoding="utf-8")
    before = _writes(sb)
    code, report, err = run_cli(config, "sync", env=cli_env(sb))
    assert code == 0, err
    assert isinstance(report, dict), "stdout must stay one JSON document"
    [note] = err.splitlines()
    assert note.startswith(f"roadsync: note: journal {path} is not the one") and "from its start" in note, err
    assert _writes(sb) == before, "a verified intent is not sent again, nor an unsent one resent blindly"
    done = {e["entry"]: e for e in _entries(path) if e["event"] == "done"}
    applied, skipped = done[killed[0]["entry"]], done[killed[1]["entry"]]
    assert (applied["status"], applied["note"]) == ("applied", "verified after an interrupted run")
    assert "error" not in applied, "a success carries a note, not an error"
    assert (skipped["status"], skipped["note"]) == ("skipped", "not applied: interrupted run, verified")


def test_a_killed_runs_intent_on_an_item_gone_from_scope_says_so(converged: tuple[Sandbox, Path]) -> None:
    """An open intent naming an item the mirror does not hold closes skipped with a reason that
    names the item; an intent whose item is mirrored is checked, not closed as unmanaged."""
    sb, config = converged
    path = _journal(config)
    intent = next(e for e in _entries(path) if e["event"] == "intent" and e["after"] is not None)
    ghost = {**intent, "entry": uuid.uuid4().hex, "item": "PAY-999", "identity": "PAY-999"}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(ghost) + "\n")
    code, _, err = run_cli(config, "sync", env=cli_env(sb))
    assert code == 0, err
    [done] = [e for e in _entries(path) if e["event"] == "done" and e["entry"] == ghost["entry"]]
    assert done["status"] == "skipped" and "PAY-999 is no longer in scope" in done["note"], done


def test_a_deleted_journal_or_state_folder_is_one_notice_and_no_decision_changes(
    converged: tuple[Sandbox, Path],
) -> None:
    """After the journal alone is deleted the next sync exits 0 with one stderr note naming it (a
    JSON line with --log-format json); after the whole state folder is deleted, one note names the
    new state file; no write is sent either time, and the run after each is silent."""
    sb, config = converged
    state, before = config.parent / ".roadsync", _writes(sb)
    _journal(config).unlink()
    code, report, err = run_cli(config, "sync", "--log-format", "json", env=cli_env(sb))
    assert code == 0 and isinstance(report, dict), err
    [note] = [n for n in map(json.loads, err.splitlines()) if n["level"] != "info"]
    assert (note["event"], note["level"]) == ("state.notice", "warning"), note
    assert note["detail"].startswith(f"journal {_journal(config)} is not the one the state file"), note
    assert run_cli(config, "sync", env=cli_env(sb))[::2] == (0, "")
    shutil.rmtree(state)
    code, report, err = run_cli(config, "sync", env=cli_env(sb))
    assert code == 0 and isinstance(report, dict), err
    assert err.splitlines() == [
        f"roadsync: note: no state file was at {state / 'state.sqlite'}, so a new one was made (a first "
        "run, or the state folder was deleted or replaced): who owns each value is decided from the "
        "trackers' own evidence, so no decision changes; this run reads every item"
    ], err
    assert run_cli(config, "sync", env=cli_env(sb))[::2] == (0, "")
    assert _writes(sb) == before, "losing the journal or the state folder must change no decision"
