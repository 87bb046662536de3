"""The ownership records the connectors read and write, as pure data: Jira's issue-property marker,
the Projects v2 marker field, and roadsync's last write among GitHub history events."""

from __future__ import annotations

from roadsync.connectors.github.board_marks import board_marks, marker_text
from roadsync.connectors.github.evidence import Event, last_write
from roadsync.connectors.jira.marks import mark_property, marks_from_properties
from roadsync.connectors.model import Mark

AT = "2026-11-30T09:00:00Z"


def test_a_jira_marker_written_in_an_edit_reads_back_as_a_mark() -> None:
    """The property an edit sets reads back (search shape, and the nested Data Center shape) as the
    mark; a field without a (readable) marker is left out."""
    prop = mark_property("priority", "priority", "High", AT)
    assert prop["key"] == "roadsync.priority"
    flat = {prop["key"]: prop["value"]}
    want = {"priority": Mark("High", "priority", AT, "Jira issue property")}
    assert marks_from_properties(flat, ["priority", "theme"]) == want  # no marker: the changelog decides
    assert marks_from_properties({"properties": flat}, ["priority", "theme"]) == want
    assert marks_from_properties({"roadsync.priority": {"v": 9}}, ["priority"]) == {}


def test_the_board_marker_keeps_other_fields_and_flags_a_later_edit() -> None:
    """A marker update keeps the entries it does not touch; a value stamped after the marker is a person's."""
    text = marker_text(None, {"alignment": ("project:Alignment", "aligned")})
    text = marker_text(text, {"theme": ("project:Theme", "Checkout")})
    fields = {"alignment": ("Alignment", "2026-11-30T09:00:01Z"), "theme": ("Theme", "2026-11-30T10:00:00Z"),
              "priority": ("Priority", None)}  # fmt: skip
    marks = board_marks(text, AT, fields)
    assert marks["alignment"] == Mark("aligned", "project:Alignment", AT, "Projects v2 marker field")
    assert marks["theme"] is not None and marks["theme"].touched_after
    assert marks["priority"] is None
    assert board_marks("not json", AT, fields) == {"alignment": None, "theme": None, "priority": None}


def ev(at: str, actor: str, value: str, added: bool = True) -> Event:
    return Event(f"2026-11-30T09:00:0{at}Z", actor, value, added)


def test_roadsyncs_last_label_write_and_a_later_edit_by_someone_else() -> None:
    """roadsync's add-then-remove leaves its new label; a person's later event makes the value theirs."""
    events = [ev("1", "pat", "theme/a"), ev("2", "roadsync-bot", "theme/b"),
              ev("3", "roadsync-bot", "theme/a", False)]  # fmt: skip
    told, mark = last_write(events, "roadsync-bot", "label:theme/", "s", complete=True, shared=False)
    assert told and mark == Mark("theme/b", "label:theme/", "2026-11-30T09:00:03Z", "s", history=True)
    events.append(ev("4", "pat", "theme/b", False))
    told, mark = last_write(events, "roadsync-bot", "label:theme/", "s", complete=True, shared=False)
    assert told and mark is not None and mark.touched_after


def test_history_that_cannot_tell_is_no_answer() -> None:
    """No event by roadsync: never wrote; a shared account's own events, or a cut history: cannot tell."""
    people = [ev("1", "pat", "theme/a")]
    assert last_write(people, "roadsync-bot", "t", "s", complete=True, shared=False) == (True, None)
    assert last_write(people, "roadsync-bot", "t", "s", complete=False, shared=False) == (False, None)
    mine = [ev("1", "roadsync-bot", "theme/a")]
    assert last_write(mine, "roadsync-bot", "t", "s", complete=True, shared=True) == (False, None)
    assert last_write([], "roadsync-bot", "t", "s", complete=True, shared=True) == (True, None)


def test_an_edit_the_plan_had_read_is_no_race() -> None:
    """A person's label change made before roadsync read the issue is what the plan replaced on
    purpose, also when they only removed a label; one made after the read was overwritten."""
    from roadsync.changes import FieldChange
    from roadsync.connectors.github.evidence import _raced

    removed = [ev("1", "pat", "theme/a", False), ev("2", "roadsync-bot", "theme/b")]
    read_after = FieldChange("acme/web#1", "theme", None, "theme/b")
    assert _raced(removed, "roadsync-bot", read_after, "2026-11-30T09:00:00Z") == []
    read_before = FieldChange("acme/web#1", "theme", "theme/a", "theme/b")
    raced = _raced(removed, "roadsync-bot", read_before, "2026-11-30T09:00:00Z")
    assert [(o.value, o.by) for o in raced] == [(None, "pat")]


def test_a_write_over_roadsyncs_own_unseen_write_blames_nobody() -> None:
    """Jira's search lagged: roadsync read Medium, wrote Highest over its own earlier High (which
    the read did not show). A person's edit before that earlier write is not what was overwritten;
    a person's edit right before the write is."""
    from roadsync.changes import FieldChange
    from roadsync.config.model import FieldTarget
    from roadsync.connectors.jira.history import History, _overwrite

    def entry(author: str, at: str, before: str, after: str) -> History:
        return History(author, at, "priority", "priority", before, after)

    change = FieldChange("CORE-28", "priority", "Medium", "Highest")
    target = FieldTarget(target="priority")
    ours = [entry("pat", "T1", "Medium", "Lowest"), entry("bot", "T2", "Lowest", "High"),
            entry("bot", "T3", "High", "Highest")]  # fmt: skip
    assert _overwrite(ours, "bot", change, target) is None
    theirs = [entry("bot", "T2", "Medium", "High"), entry("pat", "T3", "High", "Lowest"),
              entry("bot", "T4", "Lowest", "Highest")]  # fmt: skip
    found = _overwrite(theirs, "bot", change, target)
    assert found is not None and (found.value, found.by) == ("Lowest", "pat")


def test_a_label_write_over_roadsyncs_own_unseen_write_blames_nobody() -> None:
    """GitHub's twin of the Jira case: roadsync read no theme label, and wrote theme/c over its own
    earlier theme/b (which the read did not show yet). The person who set theme/a before that
    earlier write is not who was overwritten; a person's label right before the write is."""
    from roadsync.changes import FieldChange
    from roadsync.connectors.github.evidence import _raced

    change = FieldChange("acme/web#1", "theme", None, "theme/c")
    bot = "roadsync-bot"
    ours = [ev("1", "pat", "theme/a"), ev("2", bot, "theme/a", False), ev("2", bot, "theme/b"),
            ev("3", bot, "theme/b", False), ev("3", bot, "theme/c")]  # fmt: skip
    assert _raced(ours, "roadsync-bot", change, "2026-11-30T09:00:00Z") == []
    theirs = [ev("1", bot, "theme/b"), ev("2", "pat", "theme/b", False), ev("2", "pat", "theme/a"),
              ev("3", bot, "theme/a", False), ev("3", bot, "theme/c")]  # fmt: skip
    assert [(o.value, o.by) for o in _raced(theirs, "roadsync-bot", change, "2026-11-30T09:00:00Z")] == [
        ("theme/a", "pat")
    ]
