"""Cron runs read only the board items changed since the last run, and a person's board edit is still
caught: the real CLI against the sandbox, a sandbox person editing through GitHub's GraphQL API.

A sync writes board values; a person sets one of them to another option; the next (incremental)
sync reads the board through the REST item list (``-last-updated:Ndays``), never pages the whole
board, reports the edit as ``manual_override`` and leaves the person's value on the board.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roadsync.sandbox.server import start_sandbox
from tests.reliability.harness import run_cli, small_fixture, snapshot, synced
from tests.reliability.people import person


def _board_written(report: dict[str, Any]) -> tuple[str, str]:
    """An item whose board ``alignment`` the sync wrote, and the value it wrote."""
    change = next(c for c in report["changes"] if "#" in c["item"] and c["field"] == "alignment")
    return str(change["item"]), str(change["new"])


def test_an_incremental_sync_catches_a_persons_board_edit_without_reading_the_whole_board(
    tmp_path: Path,
) -> None:
    """The next cron sync reads the board by one REST list request, reports the person's value as
    ``manual_override``, keeps it and writes nothing."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        key, ours = _board_written(first)
        theirs = "inherited" if ours != "inherited" else "aligned"
        assert person(sb)[1].set_board_value(key, "Alignment", theirs)
        sb.reset_stats()
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        found = {(d["item"], d["kind"]) for d in report["drift"] if d["item"] == key}
        assert (key, "manual_override") in found, report["drift"]
        assert snapshot(sb)["github"][key]["board"]["Alignment"] == theirs
        endpoints = sb.endpoint_stats()["github"]
        assert endpoints["list_org_project_items"] == 1
        assert not {"graphql:RoadsyncOrgProject", "graphql:RoadsyncProjectItems"} & set(endpoints)
        assert sb.stats()["github"]["writes"] == 0
