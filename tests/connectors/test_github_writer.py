"""GithubWriter against the GitHub emulator over real sockets, through PyGithub and httpx."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from roadsync.changes import FieldChange
from roadsync.config.model import FieldTarget, GithubConfig, GithubProjectConfig
from roadsync.connectors.github.reader import GithubReader
from roadsync.connectors.github.writer import GithubWriter, label_colour
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.github import GithubStore, create_github_app

TOKEN = "ghp_writer_test_token_0123456789"
FAST = RetryPolicy(attempts=2, base_s=0.01, max_wait_s=0.05)
ODD = ["🚀 launch", "needs review, urgent", "area: ui/web"]
TARGETS = {
    "priority": FieldTarget(target="label", prefix="priority/"),
    "theme": FieldTarget(target="project", field="Theme"),
    "alignment": FieldTarget(target="issue_type"),
}


def fixture() -> dict[str, Any]:
    issues: list[dict[str, Any]] = [
        {
            "repo": "web",
            "number": 1,
            "title": "Odd labels",
            "labels": [*ODD, "priority/P2", "theme/a: b, c 🚀"],
        },
        {"repo": "web", "number": 2, "title": "Typed", "type": "Bug", "labels": ["priority/P1"]},
        {"repo": "web", "number": 3, "title": "Off the board"},
    ]
    issues += [{"repo": "web", "number": n, "title": f"bulk {n}"} for n in range(10, 35)]
    return {
        "owner": "acme",
        "repos": [{"name": "web"}],
        "issue_types": ["Bug", "Feature", "Task"],
        "issues": issues,
        "project": {
            "number": 1,
            "title": "Roadmap",
            "fields": [
                {"name": "Theme", "type": "single_select", "options": ["checkout", "growth"]},
                {"name": "Estimate", "type": "number"},
                {"name": "Notes", "type": "text"},
            ],
            "items": [
                {"issue": "acme/web#1", "values": {"Theme": "growth", "Notes": "keep"}},
                *({"issue": f"acme/web#{n}", "values": {}} for n in range(10, 35)),
            ],
        },
    }


class Sandbox:
    def __init__(self) -> None:
        self.store = GithubStore.from_fixture(fixture())  # type: ignore[arg-type]
        self.stats = Stats()
        self.server: RunningServer = serve_app(create_github_app(self.store, stats=self.stats, token=TOKEN))
        self.config = GithubConfig(
            url=self.server.url,
            repos=["acme/web"],
            seconds_between_writes=0,
            project=GithubProjectConfig(owner="acme", number=1),
        )

    def items(self) -> dict[str, Item]:
        reader = GithubReader(self.config, TOKEN, retry=FAST)
        return {item.key: item for item in reader.fetch_items("acme/web", None)}

    def writer(self, targets: dict[str, FieldTarget] = TARGETS, token: str = TOKEN) -> GithubWriter:
        return GithubWriter(self.config, token, targets, retry=FAST, seconds_between_writes=0)

    def labels(self, key: str) -> list[str]:
        issue = self.store.get(key)
        assert issue is not None
        return sorted(issue.labels)

    def board_value(self, key: str, field_name: str) -> Any:
        issue = self.store.get(key)
        assert issue is not None
        project = self.store.projects[0]
        field = project.field_by_name(field_name)
        assert field is not None
        item = project.by_issue.get(issue.node_id)
        value = item.values.get(field.id) if item else None
        return field.option_name(value) if field.data_type == "SINGLE_SELECT" and value else value

    def writes(self) -> int:
        return self.stats.snapshot()["github"]["writes"]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    yield box
    box.server.stop()


def test_label_swap_leaves_other_labels_alone(sandbox: Sandbox) -> None:
    """Swapping managed labels removes and adds only them; emoji, commas, colons and spaces survive."""
    item = sandbox.items()["acme/web#1"]
    targets = {**TARGETS, "theme": FieldTarget(target="label", prefix="theme/")}
    writer = sandbox.writer(targets)
    outcomes = writer.write(
        item,
        [
            FieldChange("acme/web#1", "priority", "priority/P2", "priority/P0"),
            FieldChange("acme/web#1", "theme", "theme/a: b, c 🚀", "theme/new one"),
        ],
    )
    assert outcomes == []  # held for one label document
    outcomes = writer.flush()
    assert [o.status for o in outcomes] == ["applied", "applied"]
    assert sandbox.labels("acme/web#1") == sorted([*ODD, "priority/P0", "theme/new one"])
    repo = sandbox.store.repo("acme/web")
    assert repo is not None
    created = sandbox.store.find_label(repo, "priority/P0")
    assert created is not None and created.color == label_colour("priority/")


def test_label_adds_go_in_one_document_reusing_a_label_of_another_case(sandbox: Sandbox) -> None:
    """One GraphQL document adds all of an item's labels: ``P/X`` exists (GitHub compares names in
    any case), so the lookup finds it and it is attached, not created again; the missing
    ``priority/P0`` is created in one ``createLabel`` document."""
    item = sandbox.items()["acme/web#3"]
    writer = sandbox.writer(
        {"priority": FieldTarget(target="label", prefix="p/"), "theme": TARGETS["priority"]}
    )
    repo = sandbox.store.repo("acme/web")
    assert repo is not None
    sandbox.store.create_label(repo, "P/X")
    outcomes = writer.write(
        item,
        [FieldChange(item.key, "priority", None, "p/x"), FieldChange(item.key, "theme", None, "priority/P0")],
    )
    outcomes += writer.flush()
    assert [o.status for o in outcomes] == ["applied", "applied"]
    assert sandbox.labels("acme/web#3") == ["P/X", "priority/P0"]
    assert [lab for lab in repo.labels if lab.lower() == "p/x"] == ["P/X"]
    sent = sandbox.stats.by_endpoint()["github"]
    names = ("RepoLabels", "CreateLabels", "LabelChanges")
    assert [sent.get(f"graphql:Roadsync{name}", 0) for name in names] == [1, 1, 1]
    assert writer.requests == 3 and "create_repo_label" not in sent


def test_no_op_changes_send_nothing(sandbox: Sandbox) -> None:
    """Changes the item already shows are skipped without a single request."""
    item = sandbox.items()["acme/web#2"]
    writer = sandbox.writer()
    before = sandbox.writes()
    outcomes = writer.write(
        item,
        [
            FieldChange(item.key, "priority", None, "priority/P1"),
            FieldChange(item.key, "alignment", "Bug", "Bug"),
        ],
    )
    outcomes += writer.flush()
    assert [o.status for o in outcomes] == ["skipped", "skipped"]
    assert writer.requests == 0 and sandbox.writes() == before


def test_issue_type_is_patched(sandbox: Sandbox) -> None:
    """An issue_type change is one PATCH that sets the type by name."""
    item = sandbox.items()["acme/web#2"]
    writer = sandbox.writer()
    outcomes = writer.write(item, [FieldChange(item.key, "alignment", "Bug", "Feature")])
    assert [o.status for o in outcomes] == ["applied"]
    issue = sandbox.store.get("acme/web#2")
    assert issue is not None and issue.type == "Feature" and writer.requests == 1


def test_board_fields_are_set_by_option_id_text_number_and_cleared(sandbox: Sandbox) -> None:
    """Single-select, text and number board fields are written (and cleared) in one batched document."""
    item = sandbox.items()["acme/web#1"]
    targets = {
        "theme": FieldTarget(target="project", field="Theme"),
        "priority": FieldTarget(target="project", field="Estimate"),
        "alignment": FieldTarget(target="project", field="Notes"),
    }
    writer = sandbox.writer(targets)
    changes = [
        FieldChange(item.key, "theme", "growth", "checkout"),
        FieldChange(item.key, "priority", None, "5"),
        FieldChange(item.key, "alignment", "keep", None),
    ]
    assert writer.write(item, changes) == []
    outcomes = writer.flush()
    assert [o.status for o in outcomes] == ["applied"] * 3
    assert sandbox.board_value("acme/web#1", "Theme") == "checkout"
    assert sandbox.board_value("acme/web#1", "Estimate") == 5.0
    assert sandbox.board_value("acme/web#1", "Notes") is None
    # one board read, the marker field created (first board write only), one mutation document
    assert writer.requests == 3


def test_board_updates_are_batched_as_aliased_mutations(sandbox: Sandbox) -> None:
    """25 board updates (and their 25 marker values) go out as one document, after the board's
    ownership marker field is created (the first board write only)."""
    items = sandbox.items()
    writer = sandbox.writer()
    outcomes = []
    before = sandbox.writes()
    for n in range(10, 35):
        key = f"acme/web#{n}"
        outcomes += writer.write(items[key], [FieldChange(key, "theme", None, "growth")])
    outcomes += writer.flush()
    assert len(outcomes) == 25 and {o.status for o in outcomes} == {"applied"}
    assert sandbox.writes() - before == 2
    documents = sandbox.stats.by_endpoint()["github"]
    assert documents["graphql:RoadsyncFieldUpdates"] == 1
    assert documents["graphql:RoadsyncCreateMarkerField"] == 1
    assert all(sandbox.board_value(f"acme/web#{n}", "Theme") == "growth" for n in range(10, 35))


def test_missing_board_item_is_added_first(sandbox: Sandbox) -> None:
    """An issue not on the board is added, then its field is set."""
    item = sandbox.items()["acme/web#3"]
    writer = sandbox.writer()
    writer.write(item, [FieldChange(item.key, "theme", None, "checkout")])
    assert [o.status for o in writer.flush()] == ["applied"]
    assert sandbox.board_value("acme/web#3", "Theme") == "checkout"


def test_unknown_option_fails_only_that_change(sandbox: Sandbox) -> None:
    """A board option that does not exist is a failed outcome; the item's other changes go through."""
    item = sandbox.items()["acme/web#1"]
    writer = sandbox.writer()
    outcomes = writer.write(
        item,
        [
            FieldChange(item.key, "theme", "growth", "no-such-theme"),
            FieldChange(item.key, "priority", "priority/P2", "priority/P3"),
        ],
    )
    outcomes += writer.flush()
    by_field = {o.change.field: o for o in outcomes}
    assert by_field["theme"].status == "failed" and "no-such-theme" in (by_field["theme"].error or "")
    assert by_field["priority"].status == "applied"


def test_bad_token_raises_auth_error(sandbox: Sandbox) -> None:
    """A wrong token stops the writer with AuthError instead of failing change by change."""
    item = sandbox.items()["acme/web#2"]
    writer = sandbox.writer(token="ghp_wrong_token_abcdef")
    with pytest.raises(AuthError) as caught:
        writer.write(item, [FieldChange(item.key, "alignment", "Bug", "Task")])
    assert "ghp_wrong" not in caught.value.one_line()


def test_writes_are_paced(sandbox: Sandbox) -> None:
    """Mutating requests are at least seconds_between_writes apart; reads are not held back."""
    items = sandbox.items()
    writer = GithubWriter(sandbox.config, TOKEN, TARGETS, retry=FAST, seconds_between_writes=0.2)
    started = time.monotonic()
    for key in ("acme/web#2", "acme/web#3"):
        writer.write(items[key], [FieldChange(key, "alignment", items[key].issue_type, "Task")])
    assert time.monotonic() - started >= 0.2
    assert writer.client.writes == 2
