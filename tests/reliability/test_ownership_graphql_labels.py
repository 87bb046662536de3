"""GitHub labels written as aliased GraphQL mutations stay roadsync's by GitHub's own label events.

roadsync adds and removes theme labels with ``addLabelsToLabelable`` / ``removeLabelsFromLabelable``
(one label per alias); GitHub records a ``labeled`` / ``unlabeled`` event with the token's account
as actor for each, as it does for the REST calls (docs:
https://docs.github.com/en/graphql/reference/objects#labeledevent; research/ownership.md G7), and
that history is the evidence that decides ownership when the state folder is gone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from roadsync.sandbox.server import start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, snapshot, write_config
from tests.reliability.people import person


def test_graphql_written_labels_stay_roadsyncs_and_a_persons_theirs_without_state(tmp_path: Path) -> None:
    """After a first sync that adds every GitHub theme label by GraphQL (no per-issue REST label call),
    a person swaps one, and the state folder is removed: the next sync reports only that label as
    the person's (manual_override), keeps it, takes none of roadsync's labels for a person's, and
    sends GitHub nothing."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        sb.reset_stats()
        code, first, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        endpoints = sb.stats_counters.by_endpoint()["github"]
        assert endpoints.get("graphql:RoadsyncLabelChanges", 0) >= 1, endpoints
        assert not [name for name in endpoints if "issue_label" in name], endpoints
        labelled = sorted(c["item"] for c in first["changes"] if "#" in c["item"] and c["field"] == "theme")
        assert len(labelled) >= 3, first["changes"]
        key = labelled[0]
        ours = next(c["new"] for c in first["changes"] if c["item"] == key and c["field"] == "theme")
        _, github = person(sb)
        github.remove_label(key, ours)
        github.add_label(key, "theme/by-hand")
        shutil.rmtree(config.parent / ".roadsync")
        sb.reset_stats()
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        overrides = {d["item"] for d in report["drift"] if d["kind"] == "manual_override" and "#" in d["item"]
                     and d["detail"].startswith("theme")}  # fmt: skip
        assert overrides == {key}, report["drift"]
        assert snapshot(sb)["github"][key]["labels"].count("theme/by-hand") == 1
        assert sb.stats()["github"]["writes"] == 0 and report["changes"] == [], report["changes"]
