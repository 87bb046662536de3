"""GitHub label changes as aliased GraphQL documents: batching, per-alias outcomes, read-back, pacing.

Against the GitHub emulator over real sockets (PyGithub's requester for REST, httpx for GraphQL),
faults injected by the sandbox's middleware and its secondary limits (docs: "About secondary rate
limits"; research github.md §6, §9).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from roadsync.changes import FieldChange, WriteOutcome
from roadsync.config.model import FieldTarget, GithubConfig, GithubProjectConfig
from roadsync.connectors.github.evidence import HistoryReader
from roadsync.connectors.github.pacing import SecondaryLimits
from roadsync.connectors.github.reader import GithubReader
from roadsync.connectors.github.writer import GithubWriter, label_colour
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.faults import FaultState
from roadsync.sandbox.github import GithubStore, TokenGrant, create_github_app
from roadsync.sandbox.injection import FaultsMiddleware
from tests.connectors.test_github_writer import FAST, TOKEN, fixture

KEYS = [f"acme/web#{n}" for n in range(10, 35)]
TRIAGE = "ghp_triage_token_0123456789"
"""A token with the triage role: it may apply labels, not create them."""
PREFIXES = ["a/", "b/", "c/", "d/", "e/"]


class Box:
    def __init__(self) -> None:
        self.store = GithubStore.from_fixture(fixture())  # type: ignore[arg-type]
        self.stats = Stats()
        self.faults = FaultState()
        self.app = create_github_app(self.store, stats=self.stats, token=TOKEN,
                                     restricted_tokens={TRIAGE: TokenGrant(role="triage")})
        self.server: RunningServer = serve_app(FaultsMiddleware(self.app, self.faults, "github"))
        self.config = GithubConfig(url=self.server.url, repos=["acme/web"], seconds_between_writes=0,
                                   project=GithubProjectConfig(owner="acme", number=1))
        reader = GithubReader(self.config, TOKEN, retry=FAST)
        self.items = {i.key: i for i in reader.fetch_items("acme/web", None)}
        self.stats.reset()

    def writer(self, targets: dict[str, FieldTarget], token: str = TOKEN, **options: object) -> GithubWriter:
        options = {"retry": FAST, "seconds_between_writes": 0, **options}
        return GithubWriter(self.config, token, targets, **options)  # type: ignore[arg-type]

    def labels(self, key: str) -> list[str]:
        return sorted(self.store.get(key).labels)  # type: ignore[union-attr]

    def endpoint(self, name: str) -> int:
        return self.stats.by_endpoint()["github"].get(name, 0)


@pytest.fixture
def box() -> Iterator[Box]:
    made = Box()
    yield made
    made.server.stop()


def _write_all(
    writer: GithubWriter, items: dict[str, Item], changes: dict[str, list[FieldChange]]
) -> list[WriteOutcome]:
    outcomes: list[WriteOutcome] = []
    for key, mine in changes.items():
        outcomes += writer.write(items[key], mine)
    return outcomes + writer.flush()


def test_125_label_adds_are_two_documents_after_one_document_creating_10_labels(box: Box) -> None:
    """25 items gaining 5 new labels each (``x`` for 20 items, ``y`` for the last 5, which only the
    second document carries): one query looks the labels up, one ``createLabel`` document creates
    the 10 missing ones (with the prefix's colour), then two GraphQL documents (100 aliases, then
    25), no REST label call; every issue holds its labels, each added by roadsync's account."""
    targets = {p: FieldTarget(target="label", prefix=p) for p in PREFIXES}
    value = {key: "x" if n < 20 else "y" for n, key in enumerate(KEYS)}
    changes = {key: [FieldChange(key, p, None, f"{p}{value[key]}") for p in PREFIXES] for key in KEYS}
    outcomes = _write_all(box.writer(targets), box.items, changes)
    assert len(outcomes) == 125 and {o.status for o in outcomes} == {"applied"}
    assert box.stats.by_endpoint()["github"] == {
        "graphql:RoadsyncRepoLabels": 1, "graphql:RoadsyncCreateLabels": 1, "graphql:RoadsyncLabelChanges": 2}
    repo = box.store.repo("acme/web")
    made = [box.store.find_label(repo, f"{p}x") for p in PREFIXES]  # type: ignore[arg-type]
    assert [(lab.color, lab.description) for lab in made if lab] == [
        (label_colour(p), "managed by roadsync") for p in PREFIXES]
    assert all(box.labels(key) == [f"{p}{value[key]}" for p in PREFIXES] for key in KEYS)
    events = box.store.get("acme/web#10").events  # type: ignore[union-attr]
    assert [(e.event, e.actor) for e in events] == [("labeled", "roadsync-bot")] * 5


def test_each_alias_outcome_maps_to_its_own_change(box: Box) -> None:
    """One document: two adds applied, one for an issue deleted since it was read (skipped as gone,
    after one resend and a read), one whose label was deleted meanwhile (failed: the issue is
    there, the next run tries again); the swap on the last item removes one label and adds one."""
    targets = {"priority": FieldTarget(target="label", prefix="priority/")}
    writer = box.writer(targets)
    changes = {key: [FieldChange(key, "priority", None, "priority/P1")] for key in KEYS[:3]}
    changes[KEYS[3]] = [FieldChange(KEYS[3], "priority", None, "priority/P9")]
    repo = box.store.repo("acme/web")
    stale = box.store.create_label(repo, "priority/P9")  # type: ignore[arg-type]
    writer.label_ids.known[("acme/web", "priority/p9")] = stale.node_id  # the writer found it earlier
    outcomes = [o for key, mine in changes.items() for o in writer.write(box.items[key], mine)]
    box.store.delete(KEYS[1])
    box.store.delete_label(repo, stale)  # type: ignore[arg-type]
    outcomes += writer.flush()
    by_key = {o.change.item: o for o in outcomes}
    assert [by_key[k].status for k in KEYS[:4]] == ["applied", "skipped", "applied", "failed"]
    assert "item gone" in (by_key[KEYS[1]].error or "")
    assert "next run tries again" in (by_key[KEYS[3]].error or "")
    assert box.endpoint("graphql:RoadsyncLabelChanges") == 2  # the document, then the two unsure again
    assert box.labels(KEYS[0]) == box.labels(KEYS[2]) == ["priority/P1"] and box.labels(KEYS[3]) == []


@pytest.mark.parametrize("applied", [True, False])
def test_a_document_that_fails_whole_is_read_back(box: Box, applied: bool) -> None:
    """A label document answered 502 (no retry left) may have run: the issues' labels are read back,
    each change applied where GitHub holds it and failed where not; later documents are halved."""
    targets = {"priority": FieldTarget(target="label", prefix="priority/")}
    writer = box.writer(targets, retry=RetryPolicy(attempts=1))
    box.faults.update(fail_write=1, fail_write_after_apply=applied)
    outcomes = _write_all(writer, box.items, {k: [FieldChange(k, "priority", None, "priority/P1")]
                                              for k in KEYS[:3]})
    assert [o.status for o in outcomes] == (["applied"] * 3 if applied else ["failed"] * 3)
    assert box.endpoint("graphql:RoadsyncIssueLabels") == 1
    assert all((box.labels(k) == ["priority/P1"]) is applied for k in KEYS[:3])
    sent = box.endpoint("graphql:RoadsyncLabelChanges")  # a document refused before it ran is not counted
    more = {k: [FieldChange(k, p, None, f"{p}y") for p in PREFIXES[:3]] for k in KEYS[5:25]}
    writer.targets = {**targets, **{p: FieldTarget(target="label", prefix=p) for p in PREFIXES[:3]}}
    assert {o.status for o in _write_all(writer, box.items, more)} == {"applied"}
    assert box.endpoint("graphql:RoadsyncLabelChanges") - sent == 2  # 60 adds in documents of 50 now


def test_a_run_under_the_sandbox_secondary_limits_is_never_refused(box: Box) -> None:
    """With the sandbox enforcing 3 content-creating requests and 12 GraphQL points a second, a writer
    told the same limits (its "minute" four times as long: a request's arrival may lag the writer's
    own clock by a loaded machine's scheduling, and the sandbox counts arrivals; twice as long still
    saw a refusal under a full suite on 2 busy cores) creates 6 labels, adds them, creates the
    board's marker field and sets 6 board values with no refusal, waiting instead."""
    box.app.state.gateway.secondary_limits.configure(content_per_minute=3, graphql_points_per_minute=12,
                                                     minute_s=1.0)
    limits = SecondaryLimits(points_per_minute=12, content_per_minute=3, content_per_hour=10_000,
                             minute_s=4.0)
    targets = {"priority": FieldTarget(target="label", prefix="priority/"),
               "theme": FieldTarget(target="project", field="Theme")}
    writer = box.writer(targets, limits=limits)
    changes = {key: [FieldChange(key, "priority", None, f"priority/new{n}"),
                     FieldChange(key, "theme", None, "growth")] for n, key in enumerate(KEYS[:6])}
    outcomes = _write_all(writer, box.items, changes)
    assert len(outcomes) == 12 and {o.status for o in outcomes} == {"applied"}
    assert box.app.state.gateway.secondary_limits.refused == 0
    assert writer.client.pacer.waited_s > 0
    assert box.stats.snapshot()["github"]["writes"] == 4  # creates, label adds, marker field, board doc


def test_graphql_label_writes_are_roadsyncs_evidence_and_a_race_is_found(box: Box) -> None:
    """Labels added by the GraphQL documents read back from GitHub's label events as roadsync's own
    writes (``GitHub label events``, untouched); a person's label added after the pull and before the
    document shows as the edit that write overwrote, naming the person and their value."""
    target = FieldTarget(target="label", prefix="priority/")
    writer = box.writer({"priority": target})
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    box.store.edit_as_person(KEYS[1], labels_add=["priority/P3"])
    changes = {key: [FieldChange(key, "priority", None, "priority/P1")] for key in KEYS[:2]}
    assert {o.status for o in _write_all(writer, box.items, changes)} == {"applied"}
    history = HistoryReader(writer.client)
    marks = history.evidence([(box.items[k], "priority", target) for k in KEYS[:2]])
    mark = marks[(KEYS[0], "priority")]
    assert mark is not None and (mark.value, mark.source, mark.touched_after) == (
        "priority/P1", "GitHub label events", False)
    applied = [(box.items[k], changes[k][0], target) for k in KEYS[:2]]
    [raced] = history.overwritten(applied, since)
    assert (raced.change.item, raced.value, raced.by) == (KEYS[1], "priority/P3", "pat-person")


def test_removing_a_label_the_repository_no_longer_has_sends_nothing(box: Box) -> None:
    """A planned removal of a label deleted from the repository since the pull (so on no issue) is
    skipped with no GraphQL document sent."""
    target = FieldTarget(target="label", prefix="priority/")
    key = "acme/web#2"
    item = box.items[key]
    repo = box.store.repo("acme/web")
    box.store.delete_label(repo, box.store.find_label(repo, "priority/P1"))  # type: ignore[arg-type]
    writer = box.writer({"priority": target})
    outcomes = _write_all(writer, box.items, {key: [FieldChange(key, "priority", "priority/P1", None)]})
    assert [o.status for o in outcomes] == ["skipped"] and item.labels == ("priority/P1",)
    assert "not sent" in (outcomes[0].error or "")  # a skip says why, in the report too
    assert writer.requests == 1  # the repo's label list; no GraphQL request at all


def test_labels_created_whose_answer_was_lost_are_found_and_reused(box: Box) -> None:
    """The ``createLabel`` document runs but its answer is lost (502 after GitHub applied it, no retry
    left): the lookup that follows finds both labels, so each exists once, nothing goes to REST,
    and the adds are applied."""
    targets = {"priority": FieldTarget(target="label", prefix="priority/")}
    writer = box.writer(targets, retry=RetryPolicy(attempts=1))
    box.faults.update(fail_write=1, fail_write_after_apply=True)
    changes = {key: [FieldChange(key, "priority", None, f"priority/new{n % 2}")]
               for n, key in enumerate(KEYS[:4])}
    outcomes = _write_all(writer, box.items, changes)
    assert [o.status for o in outcomes] == ["applied"] * 4
    names = sorted(box.store.repo("acme/web").labels)  # type: ignore[union-attr]
    assert [n for n in names if n.startswith("priority/new")] == ["priority/new0", "priority/new1"]
    assert box.endpoint("graphql:RoadsyncRepoLabels") == 2 and box.endpoint("create_repo_label") == 0
    assert [box.labels(k) for k in KEYS[:2]] == [["priority/new0"], ["priority/new1"]]


def test_a_label_github_refuses_to_create_fails_only_its_change(box: Box) -> None:
    """A 51-character label: its ``createLabel`` alias is refused, it is not found, and REST creation
    (the fallback) answers 422 ``custom``: that change fails saying so; the other item's label,
    created in the same document, is added."""
    targets = {"priority": FieldTarget(target="label", prefix="priority/")}
    long = "priority/" + "x" * 42
    changes = {KEYS[0]: [FieldChange(KEYS[0], "priority", None, long)],
               KEYS[1]: [FieldChange(KEYS[1], "priority", None, "priority/P7")]}
    outcomes = {o.change.item: o for o in _write_all(box.writer(targets), box.items, changes)}
    assert outcomes[KEYS[0]].status == "failed"
    assert "refused to create label" in (outcomes[KEYS[0]].error or "")
    assert outcomes[KEYS[1]].status == "applied" and box.labels(KEYS[1]) == ["priority/P7"]
    assert box.endpoint("graphql:RoadsyncCreateLabels") == 1 and box.endpoint("create_repo_label") == 1
    assert box.labels(KEYS[0]) == []


def test_a_label_the_token_may_not_create_is_not_tried_again_by_rest(box: Box) -> None:
    """A triage token (may apply labels, not create them [docs: "Repository roles for an
    organization"]): its ``createLabel`` is answered FORBIDDEN, and the label is not created by
    REST either (the same permission); only the change needing it fails, saying why, and the add of
    a label the repository has goes through."""
    targets = {"priority": FieldTarget(target="label", prefix="priority/")}
    changes = {KEYS[0]: [FieldChange(KEYS[0], "priority", None, "priority/P7")],
               KEYS[1]: [FieldChange(KEYS[1], "priority", None, "priority/P1")]}
    outcomes = {o.change.item: o for o in _write_all(box.writer(targets, TRIAGE), box.items, changes)}
    assert outcomes[KEYS[0]].status == "failed"
    assert "does not have the correct permissions to execute `CreateLabel`" in (outcomes[KEYS[0]].error or "")
    assert outcomes[KEYS[1]].status == "applied" and box.labels(KEYS[1]) == ["priority/P1"]
    assert box.endpoint("graphql:RoadsyncCreateLabels") == 1 and box.endpoint("create_repo_label") == 0
    assert box.store.find_label(box.store.repo("acme/web"), "priority/P7") is None  # type: ignore[arg-type]
