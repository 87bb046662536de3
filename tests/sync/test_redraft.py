"""Drafting again after ownership evidence was fetched plans only what the evidence can change,
and comes to the very draft planning every item again would: same changes, drift, assignments,
summary, settled keys, findings and evidence still wanted.

Real items and real evidence: the small demo company pulled from the sandbox trackers, the
evidence its first draft wants asked of the real readers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsync.config.load import load_settings
from roadsync.sandbox.server import start_sandbox
from roadsync.sync.ownership import Ledger
from roadsync.sync.pipeline import draft_plan, redraft
from roadsync.sync.run import Run, RunSpec
from roadsync.sync.sources import TRACKERS, asking_evidence, build_readers, close_all
from roadsync.sync.state import open_state
from tests.reliability.harness import small_fixture, write_config
from tests.reliability.people import hand_edit


@pytest.mark.parametrize("only", [None, frozenset({"CORE-1", "CORE-2", "acme/api#1"})])
def test_redraft_after_evidence_is_the_whole_plan_drafted_again(
    only: frozenset[str] | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """redraft() with the answers equals draft_plan() of every item with them."""
    with start_sandbox(small_fixture(40, 20)) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        for name, value in sb.info()["env"].items():
            monkeypatch.setenv(name, value)
        settings = load_settings(config)
        for key in ("CORE-3", "acme/api#2"):  # people's theme tags: their history answers "a pin"
            hand_edit(sb, key, "theme", (None,))
        Run(settings, RunSpec.for_pull()).execute()
        mirror, state = open_state(settings.state_dir)
        readers = {reader.source: reader for reader in build_readers(settings, mirror)}
        try:
            items = mirror.items()
            by_key = {item.key: item for item in items}
            confirms = frozenset(t.name for t in TRACKERS if t.confirms_marks)
            ledger = Ledger({}, state.marks(items), "2026-11-30T00:00:00Z", on_demand=frozenset(readers),
                            confirms=confirms)  # fmt: skip
            roadmap, fields = settings.roadmap, settings.model.fields
            first = draft_plan(items, roadmap, fields, ledger, only=only)
            wanted = set(first.wanted)
            answers = asking_evidence(settings, readers, [(by_key[k], f) for k, f in sorted(wanted)], {})
            after = ledger.add(wanted, answers)
            touched = {key for key, _ in wanted}
            again = redraft(first, items, roadmap, fields, after, touched, only=only)
            whole = draft_plan(items, roadmap, fields, after, only=only)
        finally:
            close_all(readers.values())
            mirror.conn.close()
    assert touched and len(touched) < len(items), (len(touched), len(items))
    assert first.wanted and not whole.wanted  # the answers reached the ledger
    assert again.plan == whole.plan
    assert (again.wanted, again.settled, again.findings) == (whole.wanted, whole.settled, whole.findings)
