"""The one ownership decision: verdicts from tracker evidence and the state cache, and what a plan
does about them. Pure table tests; the end-to-end cases live in tests/reliability/test_ownership*.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.model import Item, Mark
from roadsync.mappings.assignment import Assignment
from roadsync.mappings.roadmap import Roadmap, Theme
from roadsync.sync.ownership import Ledger, Unasked, decide
from roadsync.sync.plan import compute_pins, plan_item
from roadsync.targets import Current

NOW = "2026-11-30T12:00:00Z"
RECENT = "2026-11-30T11:58:00Z"  # two minutes ago: within the search-lag bound
OLD = "2026-11-29T12:00:00Z"
OLDER = "2026-11-28T12:00:00Z"
PRIORITY = FieldTarget(target="priority")
LABEL = FieldTarget(target="label", prefix="theme/")


def jira(**kw: object) -> Item:
    base = Item(source="jira", key="PAY-1", scope="PAY", url="u", kind="issue", title="t", native_id="10001")
    return replace(base, **kw)  # type: ignore[arg-type]


def mark(value: str | None, at: str = OLD, target: str = "priority", **kw: object) -> Mark:
    return Mark(value, target, at, "test", **kw)  # type: ignore[arg-type]


def owner(item: Item, current: str | None, *, cache: Mark | None = None, fetched: object = None) -> str:
    ledger = Ledger(
        fetched={} if fetched is None else {("PAY-1", "priority"): fetched},  # type: ignore[dict-item]
        cache={} if cache is None else {(item.identity, "priority"): cache},
        now=NOW,
    )
    return ledger.verdict(item, "priority", PRIORITY, Current(current)).owner


CASES = [
    ("the tracker's marker holds the current value: roadsync's", jira(marks={"priority": mark("High")}),
     "High", None, None, "roadsync"),
    ("the current value differs from the marker: a person's", jira(marks={"priority": mark("High")}),
     "Low", None, None, "person"),
    ("history shows another account set it after roadsync, even back to roadsync's value: a person's",
     jira(marks={"priority": mark("High", touched_after=True)}), "High", None, None, "person"),
    ("the tracker shows no write by roadsync and no cache: nobody's (the policy decides)",
     jira(marks={"priority": None}), "Low", None, None, "nobody"),
    ("the state file is lost: the marker still decides", jira(marks={"priority": mark("High")}),
     "Low", None, None, "person"),
    ("a write recorded only in an old cache (before markers) is evidence left",
     jira(marks={"priority": None}), "High", mark("High", OLDER), None, "roadsync"),
    ("a read without roadsync's write of minutes ago (search lag): unsettled, no blame",
     jira(marks={"priority": None}), "Low", mark("High", RECENT), None, "unsettled"),
    ("a read with an older marker than roadsync's write of minutes ago: unsettled",
     jira(marks={"priority": mark("Low", OLDER)}), "Low", mark("High", RECENT), None, "unsettled"),
    ("another state folder wrote later (newer marker): the marker decides",
     jira(marks={"priority": mark("Medium", RECENT)}), "Medium", mark("High", OLD), None, "roadsync"),
    ("a restore after a race (disputed record): a person's, even equal",
     jira(marks={"priority": None}), "High", mark("High", OLD, touched_after=True), None, "person"),
    ("a marker for another target says nothing about this one",
     jira(marks={"priority": mark("High", target="x")}), "Low", None, None, "nobody"),
    ("fetched history decides like a marker", jira(updated=OLD), "Low", None, mark("High", history=True),
     "person"),
    ("an item read before roadsync's write that its history shows (search lag, no cache): unsettled",
     jira(updated=OLDER), "Low", None, mark("High", history=True), "unsettled"),
    ("asked, nothing trustworthy, no cache: never taken over", jira(), "Low", None,
     Unasked.UNAVAILABLE, "person"),
    ("asked, nothing trustworthy, an empty field: still not taken over", jira(), None, None,
     Unasked.UNAVAILABLE, "person"),
    ("asked, nothing trustworthy: the cache is the evidence left", jira(), "High", mark("High"),
     Unasked.UNAVAILABLE, "roadsync"),
    ("not asked (no difference to decide): the cache says", jira(), "Low", mark("High"), None, "person"),
    ("not asked, cannot be asked (offline), no cache: undecided", jira(), "Low", None, None, "unsettled"),
]  # fmt: skip


def test_a_field_never_written_is_nobodys_once_its_history_can_be_asked() -> None:
    """Unread evidence of a tracker read this run is nobody's (the planner asks for it when it
    matters); offline the same field is undecided, never taken over."""
    item = jira()
    online = Ledger(now=NOW, on_demand=frozenset({"jira"}))
    assert online.verdict(item, "priority", PRIORITY, Current("Low")).owner == "nobody"
    assert online.wants(item, "priority")
    offline = Ledger(now=NOW)
    assert offline.verdict(item, "priority", PRIORITY, Current("Low")).owner == "unsettled"
    assert not offline.wants(item, "priority")


@pytest.mark.parametrize(("name", "item", "current", "cache", "fetched", "expected"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_verdict(name: str, item: Item, current: str | None, cache: Mark | None, fetched: object,
                 expected: str) -> None:  # fmt: skip
    """Each evidence case gives its owner."""
    assert owner(item, current, cache=cache, fetched=fetched) == expected


values = st.sampled_from(["Highest", "High", "Low", None])
times = st.sampled_from([OLDER, OLD])


@given(written=values, current=values, at=times, touched=st.booleans(), cached=values, cached_at=times)
def test_losing_or_duplicating_the_state_file_changes_no_decision(
    written: str | None, current: str | None, at: str, touched: bool, cached: str | None, cached_at: str
) -> None:
    """With the tracker's marker present, a missing, stale or foreign cache record (older than the
    minutes of search lag) gives the same verdict as no cache at all."""
    item = jira(marks={"priority": mark(written, at, touched_after=touched)})
    alone = owner(item, current)
    assert owner(item, current, cache=mark(cached, cached_at)) == alone or cached_at > at


def test_github_label_names_compare_ignoring_case() -> None:
    """A label roadsync wrote as theme/checkout that GitHub shows as Theme/Checkout is still roadsync's."""
    ours = {"theme": Mark("theme/checkout", "label:theme/", OLD)}
    item = Item(source="github", key="acme/web#1", scope="acme/web", url="u", kind="issue", title="t",
                labels=("Theme/Checkout",), marks=ours)  # fmt: skip
    verdict = Ledger(now=NOW).verdict(item, "theme", LABEL, Current("Theme/Checkout"))
    assert verdict.owner == "roadsync"


REPORT_OVERRIDE = ManagedField(policy="report", override=True)
ENFORCE = ManagedField(policy="enforce")
ENFORCE_OVERRIDE = ManagedField(policy="enforce", override=True)
FILL = ManagedField(policy="fill")
PERSON = Ledger(now=NOW).verdict(jira(marks={"priority": mark("High")}), "priority", PRIORITY, Current("Low"))
NOBODY = Ledger(now=NOW).verdict(jira(marks={"priority": None}), "priority", PRIORITY, Current("Low"))


@pytest.mark.parametrize(
    ("managed", "verdict", "write", "finding"),
    [
        (REPORT_OVERRIDE, PERSON, False, "priority changed by hand from High to Low; kept"),
        (ENFORCE_OVERRIDE, PERSON, True,
         "priority changed by hand from High to Low; overwritten (override = true)"),
        (ENFORCE, PERSON, False, "priority changed by hand from High to Low; kept"),
        (ENFORCE, NOBODY, True, None),
        (FILL, NOBODY, False, None),
    ],
    ids=["report+override never writes and says kept", "enforce+override overwrites and says so",
         "a person's value is kept", "enforce takes over what roadsync never wrote",
         "fill leaves a value nobody wrote"],
)  # fmt: skip
def test_decide(managed: ManagedField, verdict: object, write: bool, finding: str | None) -> None:
    """What the plan writes and what the report says agree, for every policy (one decision)."""
    decision = decide(managed, "priority", Current("Low"), "Medium", False, verdict)  # type: ignore[arg-type]
    assert (decision.write, decision.finding) == (write, finding)


ROADMAP = Roadmap(themes=(
    Theme(id="legacy-billing", name="Billing", priority="P1", aliases=("billing",), order=0),
    Theme(id="infra", name="Infra", priority="P2", order=1),
    Theme(id="checkout", name="Checkout", priority="P1", order=2),
))  # fmt: skip
GH_THEME = FieldsConfig(theme=ManagedField(policy="enforce", github=LABEL))


def github(*labels: str, **kw: object) -> Item:
    item = Item(source="github", key="acme/web#1", scope="acme/web", url="u", kind="issue", title="t",
                labels=labels, marks={"theme": None})  # fmt: skip
    return replace(item, **kw)  # type: ignore[arg-type]


def test_a_pin_naming_an_alias_is_not_rewritten() -> None:
    """A person's theme/billing pins legacy-billing (an alias) and is left as the person wrote it."""
    item = github("theme/billing")
    pins = compute_pins([item], GH_THEME, Ledger(now=NOW))
    assert pins == {"acme/web#1": "billing"}
    pinned = Assignment(item.key, "legacy-billing", "aligned", "pin", "pin:billing", "pinned")
    assert plan_item(item, pinned, ROADMAP, GH_THEME, Ledger(now=NOW)) == []


def test_a_pin_in_another_case_is_a_pin_on_github() -> None:
    """A person's Theme/Infra on a GitHub issue is a pin on infra (GitHub label names ignore case)."""
    pins = compute_pins([github("Theme/Infra")], GH_THEME, Ledger(now=NOW), ROADMAP)
    assert pins == {"acme/web#1": "infra"}


def test_a_label_in_another_case_is_not_added_again() -> None:
    """Theme/Checkout already on an issue is theme/checkout: no change is planned."""
    item = github("Theme/Checkout", marks={"theme": Mark("theme/checkout", "label:theme/", OLD)})
    ruled = Assignment(item.key, "checkout", "aligned", "rule", "r", "matched")
    assert plan_item(item, ruled, ROADMAP, GH_THEME, Ledger(now=NOW)) == []
