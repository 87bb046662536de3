"""Ownership records: never-written vs written vs cleared, atomic records, schema versions."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from roadsync.errors import ConfigError
from roadsync.sync.db import connect
from roadsync.sync.state import NEVER_WRITTEN, Written, iso_utc, open_state
from tests.mappings.factory import jira

AT = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_never_written_differs_from_cleared(tmp_path: Path) -> None:
    """A field roadsync never wrote reads NEVER_WRITTEN; one it cleared reads Written(None)."""
    _, state = open_state(tmp_path)
    state.record_written("PAY-1", "priority", None, at=AT)
    assert state.last_written("PAY-2", "priority") is NEVER_WRITTEN
    assert not state.last_written("PAY-2", "priority")
    assert state.last_written("PAY-1", "priority") == Written(None, "2024-03-01T12:00:00Z")


def test_record_written_replaces_the_previous_value(tmp_path: Path) -> None:
    """The last write wins, with its time."""
    _, state = open_state(tmp_path)
    state.record_written("PAY-1", "theme", "theme/checkout", at=AT)
    state.record_written("PAY-1", "theme", "theme/search", at=AT.replace(hour=13))
    assert state.last_written("PAY-1", "theme") == Written("theme/search", "2024-03-01T13:00:00Z")
    assert state.all_written() == {("PAY-1", "theme"): Written("theme/search", "2024-03-01T13:00:00Z")}


def test_records_are_durable_without_an_explicit_commit(tmp_path: Path) -> None:
    """A record is committed at once: another connection sees it before the first one closes."""
    _, state = open_state(tmp_path)
    state.record_written("acme/web#4", "priority", "priority/P1", at=AT)
    _, other = open_state(tmp_path)
    assert other.last_written("acme/web#4", "priority") == Written("priority/P1", "2024-03-01T12:00:00Z")


def test_forget_drops_an_items_records(tmp_path: Path) -> None:
    """forget() drops all records of one item, or only the named fields."""
    _, state = open_state(tmp_path)
    for field in ("priority", "theme", "alignment"):
        state.record_written("PAY-1", field, "x", at=AT)
    state.record_written("PAY-2", "priority", "x", at=AT)
    assert state.forget("PAY-1", ["theme"]) == 1
    assert state.last_written("PAY-1", "theme") is NEVER_WRITTEN
    assert state.forget("PAY-1") == 2
    assert set(state.all_written()) == {("PAY-2", "priority")}


def test_marks_of_some_items_are_their_records_only(tmp_path: Path) -> None:
    """marks(items) holds the records of those items, by tracker identity or key, and no other's."""
    _, state = open_state(tmp_path)
    state.record_written("jira:10042", "priority", "High", at=AT)
    state.record_written("PAY-2", "theme", "theme/search", at=AT)
    state.record_written("PAY-3", "priority", "Low", at=AT)
    moved, plain = jira("NEW-1", native_id="10042"), jira("PAY-2")
    assert set(state.marks([moved, plain])) == {("jira:10042", "priority"), ("PAY-2", "theme")}
    assert state.marks([moved])[("jira:10042", "priority")].value == "High"
    assert state.marks([]) == {}
    assert len(state.marks()) == 3


def test_open_state_creates_the_file_with_both_parts(tmp_path: Path) -> None:
    """open_state creates <state_dir>/state.sqlite with mirror and state at their latest schema versions."""
    mirror, _ = open_state(tmp_path / "deep" / "dir")
    assert (tmp_path / "deep" / "dir" / "state.sqlite").is_file()
    from roadsync.sync import mirror as mirror_part
    from roadsync.sync import state as state_part

    versions = dict(mirror.conn.execute("SELECT part, version FROM schema_versions").fetchall())
    assert versions == {"mirror": len(mirror_part.MIGRATIONS), "state": len(state_part.MIGRATIONS)}
    assert versions["mirror"] == 5  # 5: each cursor's read basis (sync/readbasis.py)


def test_a_version_1_mirror_is_migrated_and_keeps_its_items(tmp_path: Path) -> None:
    """A state file from before tracker ids were stored keeps its items after migration 2."""
    from roadsync.sync.db import connect, migrate
    from roadsync.sync.mirror import MIGRATIONS

    conn = connect(tmp_path / "state.sqlite")
    migrate(conn, "mirror", MIGRATIONS[:1])
    conn.execute(
        "INSERT INTO items (key, source, scope, updated, data) VALUES ('PAY-1', 'jira', 'PAY', 't', '{}')"
    )
    conn.close()
    mirror, _ = open_state(tmp_path)
    assert mirror.conn.execute("SELECT key, native_id FROM items").fetchall() == [("PAY-1", "")]
    versions = dict(mirror.conn.execute("SELECT part, version FROM schema_versions").fetchall())
    assert versions["mirror"] == len(MIGRATIONS)


def test_newer_schema_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    """A state file from a newer roadsync is refused with a ConfigError that says what to do."""
    open_state(tmp_path)
    conn = connect(tmp_path / "state.sqlite")
    conn.execute("UPDATE schema_versions SET version = 99 WHERE part = 'state'")
    conn.close()
    with pytest.raises(ConfigError) as caught:
        open_state(tmp_path)
    assert caught.value.exit_code == 78
    assert "'state' schema is version 99" in caught.value.one_line()
    assert "upgrade roadsync" in caught.value.one_line()


def test_iso_utc_normalises_time_zones() -> None:
    """Aware times are converted to UTC and naive ones taken as UTC."""
    from datetime import timedelta

    plus_two = timezone(timedelta(hours=2))
    assert iso_utc(datetime(2024, 1, 1, 12, 0, tzinfo=plus_two)) == "2024-01-01T10:00:00Z"
    assert iso_utc(datetime(2024, 1, 1, 12, 0)) == "2024-01-01T12:00:00Z"
