"""The mirror: items stored as canonical JSON, fetched-vs-unchanged counts, cursors, ETags."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from roadsync.connectors.model import Item, Mark
from roadsync.sync.db import connect
from roadsync.sync.mirror import Cursor, Mirror


def make_item(
    key: str, *, source: str = "jira", scope: str = "PAY", title: str = "t", updated: str = ""
) -> Item:
    return Item(
        source=source,  # type: ignore[arg-type]
        key=key,
        scope=scope,
        url=f"https://example.test/{key}",
        kind="issue",
        title=title,
        labels=("b", "a"),
        fields={"Theme": "checkout", "Team": None},
        updated=updated or "2024-01-01T00:00:00Z",
    )


@pytest.fixture
def mirror(tmp_path: Path) -> Mirror:
    return Mirror(connect(tmp_path / "state.sqlite"))


def test_upsert_counts_new_items_as_fetched(mirror: Mirror) -> None:
    """New items count as fetched and are stored."""
    assert mirror.upsert([make_item("PAY-1"), make_item("PAY-2")]) == (2, 0)
    assert mirror.count() == 2


def test_identical_items_are_not_counted_again(mirror: Mirror) -> None:
    """Re-reading an item identical to the mirror's copy counts it as unchanged, not fetched."""
    mirror.upsert([make_item("PAY-1"), make_item("PAY-2")])
    assert mirror.upsert([make_item("PAY-1"), make_item("PAY-2")]) == (0, 2)


def test_changed_item_is_fetched_and_replaced(mirror: Mirror) -> None:
    """An item that differs from the mirror's copy counts as fetched and replaces it."""
    mirror.upsert([make_item("PAY-1"), make_item("PAY-2")])
    edited = make_item("PAY-1", title="new title", updated="2024-02-01T00:00:00Z")
    assert mirror.upsert([edited, make_item("PAY-2")]) == (1, 1)
    assert mirror.get("PAY-1") == edited


def test_an_older_copy_never_replaces_a_newer_one(mirror: Mirror) -> None:
    """A copy whose ``updated`` is earlier than the mirror's (a lagging Jira search after a direct
    read stored the newer one) leaves the newer copy in place and counts as unchanged."""
    newer = make_item("PAY-1", title="person's edit", updated="2026-11-30T16:34:38Z")
    mirror.upsert([newer])
    stale = make_item("PAY-1", title="before the edit", updated="2026-11-30T16:33:13Z")
    assert mirror.upsert([stale]) == (0, 1)
    assert mirror.get("PAY-1") == newer


def test_duplicate_keys_in_one_upsert_count_once(mirror: Mirror) -> None:
    """An item given twice in one batch counts once, and the last copy wins."""
    assert mirror.upsert([make_item("PAY-1"), make_item("PAY-1", title="second")]) == (1, 0)
    stored = mirror.get("PAY-1")
    assert stored is not None and stored.title == "second"


def test_items_round_trip_and_filter_by_source(mirror: Mirror) -> None:
    """items() returns equal Items sorted by key, optionally of one source; count() agrees."""
    jira = make_item("PAY-1")
    github = make_item("acme/web#1", source="github", scope="acme/web")
    mirror.upsert([github, jira])
    assert mirror.items() == [jira, github]
    assert mirror.items("github") == [github]
    assert mirror.count("jira") == 1
    assert mirror.get("nope") is None


def test_items_read_back_share_one_copy_of_field_names_and_mark_keys(mirror: Mirror) -> None:
    """Items loaded from the mirror hold one shared string per field name and value, mark key and
    mark target, not a copy each (100k items would otherwise hold 100k copies of every name)."""
    mark = Mark("checkout", "label:theme/", at="2024-01-01T00:00:00Z", source="jira-property")
    first, second = (dataclasses.replace(make_item(key), marks={"theme": mark, "priority": None})
                     for key in ("PAY-1", "PAY-2"))  # fmt: skip
    mirror.upsert([first, second])
    one, two = mirror.items()
    assert (one, two) == (first, second)
    for a, b in zip(sorted(one.fields), sorted(two.fields), strict=True):
        assert a is b
    assert one.fields["Theme"] is two.fields["Theme"]
    for a, b in zip(sorted(one.marks), sorted(two.marks), strict=True):
        assert a is b
    theme_one, theme_two = one.marks["theme"], two.marks["theme"]
    assert theme_one is not None and theme_two is not None
    assert theme_one.target is theme_two.target and theme_one.source is theme_two.source


def test_items_read_back_share_one_mapping_per_repeating_field_values(mirror: Mirror) -> None:
    """Items loaded with the same short field values, or the same marks read and empty, share one
    mapping (not about 200 bytes each); a long text value, or a mark of a write, stays the item's
    own; every item still equals and round-trips to what was stored."""
    mark = Mark("checkout", "label:theme/", at="2024-01-01T00:00:00Z", source="jira-property")
    empty = {"theme": None, "priority": None}
    same = [dataclasses.replace(make_item(f"PAY-{n}"), marks=empty) for n in (1, 2)]
    own = [dataclasses.replace(make_item(f"PAY-{n}"), fields={"Notes": "x" * 65 + str(n)},
                               marks={"theme": mark}) for n in (3, 4)]  # fmt: skip
    mirror.upsert([*same, *own])
    loaded = mirror.items()
    assert loaded == [*same, *own]
    assert [item.to_dict() for item in loaded] == [item.to_dict() for item in [*same, *own]]
    one, two, three, four = loaded
    assert one.fields is two.fields and one.marks is two.marks
    assert three.fields is not four.fields and three.marks is not four.marks


def test_remove_missing_drops_only_unseen_items_of_that_scope(mirror: Mirror) -> None:
    """A full refresh removes items of its scope that were not seen, and leaves other scopes alone."""
    mirror.upsert([make_item("PAY-1"), make_item("PAY-2"), make_item("OPS-1", scope="OPS")])
    assert mirror.remove_missing("jira", "PAY", {"PAY-1"}) == 1
    assert sorted(item.key for item in mirror.items()) == ["OPS-1", "PAY-1"]


def test_remove_scopes_except_drops_unconfigured_scopes(mirror: Mirror) -> None:
    """Items and cursors of a scope no longer configured leave the mirror."""
    mirror.upsert([make_item("PAY-1"), make_item("OPS-1", scope="OPS")])
    mirror.commit_cursor("jira", "OPS", "2024-01-01T00:00:00Z")
    assert mirror.remove_scopes_except("jira", ["PAY"]) == 1
    assert [item.key for item in mirror.items()] == ["PAY-1"]
    assert mirror.cursor("jira", "OPS") is None


def test_cursor_keeps_last_full_unless_a_new_one_is_given(mirror: Mirror) -> None:
    """commit_cursor stores since; last_full changes only when a full refresh time is given."""
    assert mirror.cursor("jira", "PAY") is None
    mirror.commit_cursor("jira", "PAY", "2024-01-01T00:00:00Z", full_at="2024-01-01T00:05:00Z")
    mirror.commit_cursor("jira", "PAY", "2024-01-02T00:00:00Z")
    assert mirror.cursor("jira", "PAY") == Cursor(
        "jira", "PAY", "2024-01-02T00:00:00Z", "2024-01-01T00:05:00Z"
    )


def test_transaction_rolls_back_everything_on_error(mirror: Mirror) -> None:
    """Items and cursor written inside a failed transaction are all rolled back."""
    with pytest.raises(RuntimeError), mirror.transaction():
        mirror.upsert([make_item("PAY-1")])
        mirror.commit_cursor("jira", "PAY", "2024-01-01T00:00:00Z")
        raise RuntimeError("boom")
    assert mirror.count() == 0
    assert mirror.cursor("jira", "PAY") is None


def test_etags_are_stored_with_optional_body(mirror: Mirror) -> None:
    """An ETag and its body are remembered per URL and replaced by a newer one."""
    url = "https://api.github.test/repos/acme/web/issues?since=x"
    assert mirror.etag(url) is None
    mirror.set_etag(url, 'W/"1"', "[]")
    mirror.set_etag(url, 'W/"2"')
    assert (mirror.etag(url), mirror.etag_body(url)) == ('W/"2"', None)


def test_mirror_survives_reopening(tmp_path: Path) -> None:
    """Items written through one connection are read back after reopening the file."""
    Mirror(connect(tmp_path / "s.sqlite")).upsert([make_item("PAY-1")])
    assert Mirror(connect(tmp_path / "s.sqlite")).count() == 1


@pytest.mark.timeout(120)
def test_ten_thousand_items_upsert_and_read_back(mirror: Mirror) -> None:
    """10k items upsert (new, then unchanged) and read back whole; speed is the bench's to measure."""
    base = make_item("X-0")
    items = [dataclasses.replace(base, key=f"PAY-{n}", title=f"item {n}") for n in range(10_000)]
    assert mirror.upsert(items) == (10_000, 0)
    assert mirror.upsert(items) == (0, 10_000)
    loaded = mirror.items()
    assert len(loaded) == 10_000 and loaded[0].labels == ("b", "a")
