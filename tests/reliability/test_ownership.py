"""Never clobber, even when the state file is gone: the trackers' own evidence decides who owns a value.

A sync writes; a sandbox person (their own token, the real REST and GraphQL endpoints) changes a
Jira priority, a Jira label, a Jira select field, a GitHub label and a Projects v2 value; the state
folder is then lost (removed, truncated to 0 bytes, or a second folder is used) and the roadmap
is edited. The next sync overwrites none of the people's values and reports each as
``manual_override``, while the values roadsync wrote and nobody touched follow the edited roadmap;
a rerun sends nothing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from roadsync.sandbox.server import Sandbox, start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, snapshot, write_config
from tests.reliability.people import person

LOSSES = ("removed", "truncated", "second folder")


def _written(report: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Changes a sync applied, by item and field."""
    done: dict[str, dict[str, dict[str, Any]]] = {}
    for change in report["changes"]:
        done.setdefault(change["item"], {})[change["field"]] = change
    return done


Written = dict[str, dict[str, dict[str, Any]]]


def _pick(written: Written, source: str, fields: set[str], skip: set[str]) -> str:
    """An item of ``source`` on which the sync wrote every one of ``fields``."""
    github = source == "github"
    keys = (k for k in sorted(written) if ("#" in k) == github and k not in skip)
    return next(k for k in keys if fields <= set(written[k]))


def _lose(loss: str, config: Path, env: dict[str, str]) -> dict[str, str]:
    state = config.parent / ".roadsync"
    if loss == "removed":
        shutil.rmtree(state)
    elif loss == "truncated":
        (state / "state.sqlite").write_bytes(b"")
    else:
        return {**env, "ROADSYNC_RUN__STATE_DIR": str(config.parent / "second-state")}
    return env


def _raise_theme(config: Path, theme: str) -> str:
    """Edit the roadmap after the loss: ``theme`` moves to P0; returns its old level."""
    text = config.read_text(encoding="utf-8")
    block = re.search(rf'\[\[themes\]\]\nid = "{re.escape(theme)}"\n(?:(?!\[\[themes\]\]).)*', text, re.S)
    assert block is not None, theme
    old = re.search(r'priority = "(P\d)"', block.group(0))
    assert old is not None and old.group(1) != "P0"
    config.write_text(text.replace(block.group(0), block.group(0).replace(old.group(0), 'priority = "P0"')),
                      encoding="utf-8")  # fmt: skip
    return old.group(1)


def _hand_edits(sb: Sandbox, written: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """A person's five edits of values roadsync wrote; returns what they set, by (item, field)."""
    jira, github = person(sb)
    jira_key = _pick(written, "jira", {"priority", "theme", "alignment"}, set())
    label_key = _pick(written, "github", {"theme"}, set())
    board_key = _pick(written, "github", {"alignment"}, {label_key})
    ours = written[jira_key]
    priority = "Lowest" if ours["priority"]["new"] != "Lowest" else "Low"
    jira.set_priority(jira_key, priority)
    jira.swap_label(jira_key, ours["theme"]["new"], "theme:by-hand")
    option = "unaligned" if ours["alignment"]["new"] != "unaligned" else "aligned"
    jira.set_option(jira_key, "Alignment", option)
    label = written[label_key]["theme"]["new"]
    github.remove_label(label_key, label)
    github.add_label(label_key, "theme/by-hand")
    board = "inherited" if written[board_key]["alignment"]["new"] != "inherited" else "aligned"
    github.set_board_value(board_key, "Alignment", board)
    return {(jira_key, "priority"): priority, (jira_key, "theme"): "theme:by-hand",
            (jira_key, "alignment"): option, (label_key, "theme"): "theme/by-hand",
            (board_key, "alignment"): board}  # fmt: skip


def _value(snap: dict[str, Any], key: str, field: str) -> Any:
    """One managed field's value in a tracker snapshot (the demo config's targets)."""
    if "#" not in key:
        entry = snap["jira"][key]
        shown = {"priority": entry["priority"], "theme": entry["labels"]}
        return shown.get(field, entry["custom"].get("Alignment"))
    entry = snap["github"][key]
    return entry["labels"] if field == "theme" else entry.get("board", {}).get("Alignment")


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
@pytest.mark.parametrize("loss", LOSSES)
def test_hand_edits_survive_a_lost_state_file(loss: str, flavor: str, tmp_path: Path) -> None:
    """With the state file removed, truncated or replaced, no hand edit is overwritten, each is
    reported, and roadsync's own untouched values follow a roadmap edit; a rerun writes nothing."""
    with start_sandbox(small_fixture(), jira_flavor=flavor) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, first, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        written = _written(first)
        edits = _hand_edits(sb, written)
        before = snapshot(sb)
        env = _lose(loss, config, env)
        untouched = _pick(written, "jira", {"priority"}, {key for key, _ in edits})
        theme = next(a["theme"] for a in first["assignments"] if a["item"] == untouched)
        _raise_theme(config, theme)
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        after = snapshot(sb)
        for key, field in edits:
            assert _value(after, key, field) == _value(before, key, field), (key, field)
        found = {(d["item"], d["detail"].split(" ", 1)[0].rstrip(":")) for d in report["drift"]
                 if d["kind"] == "manual_override"}  # fmt: skip
        assert set(edits) <= found, set(edits) - found
        assert after["jira"][untouched]["priority"] == "Highest"
        sb.reset_stats()
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0 and again["changes"] == [], err
        assert sb.stats()["jira"]["writes"] == 0 and sb.stats()["github"]["writes"] == 0


def test_an_offline_plan_never_takes_over_a_value_whose_history_it_has_not_read(tmp_path: Path) -> None:
    """After the state folder is lost and refilled by ``pull --full`` alone (no online plan read
    any history), ``plan --offline`` plans no write over people's values and applying it keeps them:
    offline, a value no marker and no cached history speaks for is undecided, not roadsync's to take
    (docs/reliability.md; found by a new user's trial: the offline plan re-tagged people's labels)."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, first, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        edits = _hand_edits(sb, _written(first))
        before = snapshot(sb)
        env = _lose("removed", config, env)
        code, _, err = run_cli(config, "pull", "--full", env=env)
        assert code == 0, err
        saved = tmp_path / "offline-plan.json"
        code, plan, err = run_cli(config, "plan", "--offline", "--out", str(saved), env=env)
        assert code == 0, err
        planned = {(c["item"], c["field"]) for c in plan["changes"]}
        assert not planned & set(edits), planned & set(edits)
        code, _, err = run_cli(config, "apply", str(saved), env=env)
        assert code == 0, err
        after = snapshot(sb)
        for key, field in edits:
            assert _value(after, key, field) == _value(before, key, field), (key, field)


def test_an_offline_plan_writes_nothing_from_a_theme_an_unread_tag_may_pin(tmp_path: Path) -> None:
    """Offline after a pull alone, a theme label whose history is unread may be a person's pin, so
    nothing is planned for its item (nor for items whose theme follows it): a person who re-tags an
    issue and sets its board priority to match keeps both (found by a re-check of the offline fix:
    the item was mapped by its link instead and its board priority written over)."""
    with start_sandbox("demo") as sb:
        config = sb.write_config(tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, _, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        _, github = person(sb)
        github.remove_label("acme/web#64", "theme/checkout")
        github.add_label("acme/web#64", "theme/fraud")
        github.set_board_value("acme/web#64", "Priority", "P1")
        reference = {**env, "ROADSYNC_RUN__STATE_DIR": str(tmp_path / "ref")}
        code, online, err = run_cli(config, "plan", env=reference)
        assert code == 0 and not [c for c in online["changes"] if c["item"] == "acme/web#64"
                                  and c["field"] == "priority"], err  # fmt: skip
        shutil.rmtree(config.parent / ".roadsync")
        code, _, err = run_cli(config, "pull", "--full", env=env)
        assert code == 0, err
        code, offline, err = run_cli(config, "plan", "--offline", env=env)
        assert code == 0, err
        assert not [c for c in offline["changes"] if c["item"] == "acme/web#64"], offline["changes"]
        assert {(c["item"], c["field"], c["new"]) for c in offline["changes"]} <= {
            (c["item"], c["field"], c["new"]) for c in online["changes"]
        }


def test_explain_says_a_theme_following_an_unread_tag_is_provisional(tmp_path: Path) -> None:
    """Offline after a pull alone, ``explain`` of an item whose theme follows its parent's theme tag
    (history unread: it may be a person's pin) says the decision is provisional and names the
    parent, as it does for the parent itself, and the offline plan writes neither (both read one
    rule, ``undecided_themes``); an item no theme tag decides is not provisional."""
    with start_sandbox("demo") as sb:
        config = sb.write_config(tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, first, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        key, rule = next((a["item"], a["rule"]) for a in first["assignments"] if a["step"] == "parent")
        parent = rule.removeprefix("parent:")
        loose = next(a["item"] for a in first["assignments"] if a["step"] == "none")
        shutil.rmtree(config.parent / ".roadsync")
        code, _, err = run_cli(config, "pull", "--full", env=env)
        assert code == 0, err
        code, unread, err = run_cli(config, "explain", key, env=env)
        assert code == 0, err
        assert f"follows {parent}, whose theme tag's history is not read" in unread["provisional"]
        code, tagged, err = run_cli(config, "explain", parent, env=env)
        assert code == 0 and "its theme tag's history is not read" in tagged["provisional"], err
        code, untagged, err = run_cli(config, "explain", loose, env=env)
        assert code == 0 and untagged["provisional"] is None, err
        code, text, err = run_cli(config, "explain", key, env=env, fmt="table")
        assert code == 0 and f"provisional: its theme follows {parent}" in text, err
        code, offline, err = run_cli(config, "plan", "--offline", env=env)
        assert code == 0 and not [c for c in offline["changes"] if c["item"] in (key, parent)], err
