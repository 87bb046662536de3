"""Each way a person's value used to be lost, as its own scenario through the real CLI (issue 15).

A sandbox person acts with their own token over the real endpoints (``tests/reliability/people.py``),
so the trackers' histories attribute their edits to them.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from roadsync.sandbox.server import Sandbox, start_sandbox
from tests.reliability.harness import (
    bot_history,
    cli_env,
    duplicates,
    run_cli,
    small_fixture,
    snapshot,
    synced,
    write_config,
)
from tests.reliability.people import person


def _written(report: dict[str, Any], field: str, github: bool = False) -> list[dict[str, Any]]:
    return [c for c in report["changes"] if c["field"] == field and ("#" in c["item"]) == github]


def _overrides(report: dict[str, Any], key: str) -> list[str]:
    return [d["detail"] for d in report["drift"] if d["kind"] == "manual_override" and d["item"] == key]


@pytest.mark.parametrize("state", ["kept", "lost"])
def test_a_value_read_before_roadsyncs_own_write_shows_is_not_blamed_on_a_person(
    state: str, tmp_path: Path
) -> None:
    """With Jira Cloud's search lagging minutes behind, the run right after a sync (with its state
    folder, or without it) blames nobody and writes nothing."""
    with start_sandbox(small_fixture(), jira_flavor="cloud") as sb:
        sb.set_faults(search_lag_ms=600_000)
        config, env, _ = synced(sb, tmp_path)
        if state == "lost":
            shutil.rmtree(config.parent / ".roadsync")
        sb.reset_stats()
        code, report, err = run_cli(config, "report", "--fail-on", "manual_override", env=env)
        assert code == 0, [d for d in report["drift"] if d["kind"] == "manual_override"]
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0 and again["changes"] == [], err
        assert sb.stats()["jira"]["writes"] == 0 and duplicates(bot_history(sb)) == {}


def test_a_moved_jira_issue_keeps_roadsyncs_ownership_under_its_new_key(tmp_path: Path) -> None:
    """After a person moves an issue to another project, roadsync's own tag there is no pin, the old
    key leaves the mirror, and a roadmap edit still rewrites roadsync's values at the new key."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        theme = next(c for c in _written(first, "theme") if c["item"].startswith("CORE-"))
        moved = httpx.post(f"{sb.control_url}/jira/move", json={"key": theme["item"], "project": "PAY"})
        new_key = moved.json()["key"]
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0 and _overrides(report, new_key) == [], err
        assignment = next(a for a in report["assignments"] if a["item"] == new_key)
        assert assignment["step"] != "pin" and theme["item"] not in {a["item"] for a in report["assignments"]}
        text = config.read_text(encoding="utf-8")
        pattern = rf'\[\[themes\]\]\nid = "{assignment["theme"]}"\n(?:(?!\[\[themes\]\]).)*'
        block = re.search(pattern, text, re.S)
        assert block is not None
        config.write_text(text.replace(block.group(0), re.sub(r'priority = "P\d"', 'priority = "P0"',
                                                              block.group(0))), encoding="utf-8")  # fmt: skip
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert sb.jira_store.get(new_key).priority == "Highest"


def test_a_pin_naming_an_alias_is_kept_and_a_second_sync_writes_nothing(tmp_path: Path) -> None:
    """A person's theme tag naming an alias pins the canonical theme, is never rewritten, and the
    next sync is a no-op."""
    with start_sandbox(small_fixture()) as sb:
        config, env, _ = synced(sb, tmp_path)
        jira, _ = person(sb)
        key = "PAY-3"
        labels = jira.issue(key, "labels")["fields"]["labels"]
        ops = [{"remove": x} for x in labels if x.startswith("theme:")] + [{"add": "theme:checkout-v2"}]
        jira.edit(key, {"update": {"labels": ops}})
        for _ in range(2):
            sb.reset_stats()
            code, report, err = run_cli(config, "sync", env=env)
            assert code == 0, err
        assert sb.stats()["jira"]["writes"] == 0 and report["changes"] == []
        assert "theme:checkout-v2" in jira.issue(key, "labels")["fields"]["labels"]
        assert next(a for a in report["assignments"] if a["item"] == key)["theme"] == "checkout"


@pytest.mark.parametrize("tracker", ["jira", "board"])
def test_a_plan_is_refused_when_a_planned_value_changed(tracker: str, tmp_path: Path) -> None:
    """apply plan.json refuses a plan whose planned Jira priority, or Projects v2 value (which moves
    no issue timestamp), changed since, naming the item and the field."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, _, err = run_cli(config, "sync", env=env)  # the board holds every item, values roadsync's
        assert code == 0, err
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r'priority = "P2"', 'priority = "P0"', text), encoding="utf-8")
        code, planned, err = run_cli(config, "plan", "--out", str(tmp_path / "plan.json"), env=env)
        assert code == 0, err
        jira, github = person(sb)
        change = _written(planned, "priority", github=tracker == "board")[0]
        if tracker == "jira":
            jira.set_priority(change["item"], "Low" if change["old"] != "Low" else "Lowest")
        else:
            assert github.set_board_value(change["item"], "Priority", "P4" if change["old"] != "P4" else "P3")
        sb.reset_stats()
        code, _, err = run_cli(config, "apply", str(tmp_path / "plan.json"), env=env)
        assert code != 0 and "stale" in err and f"{change['item']} priority" in err, err
        assert sb.stats()["jira"]["writes"] == 0 and sb.stats()["github"]["writes"] == 0


def _journal(config: Path) -> list[dict[str, Any]]:
    path = config.parent / ".roadsync" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _leave_open(config: Path, item: str, field: str) -> dict[str, Any]:
    """Drop the outcome of roadsync's journaled write of ``item``'s ``field``, as a kill between the
    request and its outcome leaves it; returns the intent, now open."""
    path = config.parent / ".roadsync" / "journal.jsonl"
    lines = _journal(config)
    intent = [e for e in lines if e["event"] == "intent" and e["item"] == item and e["field"] == field][-1]
    kept = [e for e in lines if not (e["event"] == "done" and e["entry"] == intent["entry"])]
    path.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")
    return intent


def _forget(config: Path, state: str) -> None:
    """``lost``: the state folder (state file and journal) is deleted before the next run."""
    if state == "lost":
        shutil.rmtree(config.parent / ".roadsync")


def _resolved(config: Path, entry: str) -> str:
    """The reason the next run closed the open intent ``entry`` with."""
    return next(str(e.get("note")) for e in _journal(config) if e["event"] == "done" and e["entry"] == entry)


def _other(choices: tuple[str, ...], *avoid: str | None) -> str:
    return next(value for value in choices if value not in avoid)


@pytest.mark.parametrize("state", ["kept", "lost"])
def test_an_intent_that_never_reached_jira_then_a_persons_edit_is_a_never_written_field(
    state: str, tmp_path: Path
) -> None:
    """A killed run's intent that was never sent gives roadsync no ownership: with the state folder
    kept or lost, the next plan says roadsync never wrote the field and enforce takes it over, and
    no report says "after roadsync wrote" (design.md "Managed fields and ownership": the trackers'
    evidence decides, the state folder is a cache; this replaces the old rule that recorded the
    intent as a disputed write, which a fresh state folder contradicted)."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, planned, _ = run_cli(config, "plan", env=env)
        journal = config.parent / ".roadsync" / "journal.jsonl"
        journal.parent.mkdir(parents=True, exist_ok=True)
        change = _written(planned, "priority")[0]
        intent = {"time": "2026-01-01T00:00:00Z", "run_id": "killed", "entry": "e1", "event": "intent",
                  "identity": change["item"], "item": change["item"], "field": "priority",
                  "before": change["old"], "after": change["new"], "rule": None, "reason": "",
                  "status": "pending"}  # fmt: skip
        journal.write_text(json.dumps(intent) + "\n", encoding="utf-8")  # the kill's leftover
        jira, _ = person(sb)
        hand = _other(("Lowest", "Low", "High", "Highest"), change["old"], change["new"])
        jira.set_priority(change["item"], hand)
        _forget(config, state)
        code, again, err = run_cli(config, "plan", env=env)
        assert code == 0, err
        mine = [c for c in _written(again, "priority") if c["item"] == change["item"]]
        assert [(c["old"], c["new"]) for c in mine] == [(hand, change["new"])], mine
        assert "roadsync never wrote this field" in mine[0]["reason"]
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert sb.jira_store.get(change["item"]).priority == change["new"]
        assert not [d for d in report["drift"] if "after roadsync wrote" in d["detail"]]
        if state == "kept":
            assert "left to the tracker" in _resolved(config, "e1")


@pytest.mark.parametrize("state", ["kept", "lost"])
def test_a_jira_write_that_landed_with_its_marker_then_a_persons_edit_stays_the_persons(
    state: str, tmp_path: Path
) -> None:
    """A PUT that landed with its issue-property marker, its outcome lost to a kill, then a person's
    edit: with the state folder kept or lost the person's value is kept and reported as
    manual_override naming roadsync's written value (the marker travels in the same edit request:
    ``properties`` of editIssue, research/ownership.md J1)."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml", "[jira]\nbulk_edit = false")
        env = cli_env(sb)
        code, first, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        change = _written(first, "priority")[0]
        assert sb.jira_store.get(change["item"]).properties["roadsync.priority"]["value"] == change["new"]
        intent = _leave_open(config, change["item"], "priority")
        hand = _other(("Lowest", "Low", "High", "Highest"), change["old"], change["new"])
        person(sb)[0].set_priority(change["item"], hand)
        _forget(config, state)
        sb.reset_stats()
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert sb.jira_store.get(change["item"]).priority == hand
        assert not [c for c in report["changes"] if c["item"] == change["item"] and c["field"] == "priority"]
        said = [d for d in _overrides(report, change["item"]) if d.startswith("priority")]
        assert said and f"from {change['new']} to {hand}" in said[0], said
        if state == "kept":
            assert "marker" in _resolved(config, intent["entry"])


@pytest.mark.parametrize("state", ["kept", "lost"])
@pytest.mark.parametrize("landed", [True, False])
def test_a_board_value_after_a_killed_run_is_decided_by_the_boards_marker(
    landed: bool, state: str, tmp_path: Path
) -> None:
    """GitHub Projects v2: a person sets a board priority after a killed run whose write landed
    (with roadsync's marker field, set in the same GraphQL document) or never left: landed, the
    person's value is kept and reported; never sent, roadsync never wrote it and enforce takes it
    over; the same with the state folder kept or lost."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, planned, err = run_cli(config, "sync" if landed else "plan", env=env)
        assert code == 0, err
        change = _written(planned, "priority", github=True)[0]
        if landed:
            entry = _leave_open(config, change["item"], "priority")["entry"]
        else:
            entry = "e1"
            intent = {"time": "2026-01-01T00:00:00Z", "run_id": "killed", "entry": entry, "event": "intent",
                      "identity": change["item"], "item": change["item"], "field": "priority",
                      "before": change["old"], "after": change["new"], "rule": None, "reason": "",
                      "status": "pending"}  # fmt: skip
            journal = config.parent / ".roadsync" / "journal.jsonl"
            journal.parent.mkdir(parents=True, exist_ok=True)
            journal.write_text(json.dumps(intent) + "\n", encoding="utf-8")
        hand = _other(("P4", "P3", "P1", "P0"), change["old"], change["new"])
        assert person(sb)[1].set_board_value(change["item"], "Priority", hand)
        _forget(config, state)
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        board = snapshot(sb)["github"][change["item"]]["board"]["Priority"]
        assert board == (hand if landed else change["new"])
        said = [d for d in _overrides(report, change["item"]) if d.startswith("priority")]
        assert bool(said) == landed, said
        assert not [d for d in report["drift"] if "after roadsync wrote" in d["detail"]]
        if state == "kept":
            assert ("marker" if landed else "left to the tracker") in _resolved(config, entry)


@pytest.mark.parametrize("state", ["kept", "lost"])
def test_a_github_label_that_landed_then_a_persons_swap_stays_the_persons(state: str, tmp_path: Path) -> None:
    """A theme label roadsync added (its outcome lost to a kill), then a person swaps it for another
    theme's label: GitHub labels carry no marker, so the label events decide (roadsync's account
    added it, the person removed it after: research/ownership.md G7), and with the state folder
    kept or lost the person's label pins its theme and roadsync's is not put back."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        added = next(c for c in _written(first, "theme", github=True) if c["old"] is None)
        key, tag = added["item"], added["new"]
        other = next(c["new"] for c in _written(first, "theme", github=True) if c["new"] != tag)
        entry = _leave_open(config, key, "theme")["entry"]
        github = person(sb)[1]
        github.remove_label(key, tag)
        github.add_label(key, other)
        _forget(config, state)
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert not [c for c in report["changes"] if c["item"] == key and c["field"] == "theme"]
        labels = github.labels(key)
        assert other in labels and tag not in labels, labels
        assignment = next(a for a in report["assignments"] if a["item"] == key)
        assert (assignment["step"], assignment["theme"]) == ("pin", other.split("/", 1)[1])
        if state == "kept":
            assert "left to the tracker" in _resolved(config, entry)


def test_the_state_folder_removed_while_a_run_is_in_flight_loses_no_edit(tmp_path: Path) -> None:
    """The state folder removed in the middle of a sync: the next sync still keeps a person's edit."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        change = _written(first, "priority")[0]
        jira, _ = person(sb)
        jira.set_priority(change["item"], "Lowest" if change["new"] != "Lowest" else "Low")
        hand = sb.jira_store.get(change["item"]).priority
        sb.set_faults(latency_ms=40)
        from tests.reliability.harness import spawn_cli

        process = spawn_cli(config, "sync", env=env)
        time.sleep(0.5)
        shutil.rmtree(config.parent / ".roadsync", ignore_errors=True)
        process.communicate(timeout=60)
        sb.set_faults(latency_ms=0)
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert sb.jira_store.get(change["item"]).priority == hand
        assert any("priority" in d for d in _overrides(report, change["item"]))
        assert process.returncode in (0, -signal.SIGKILL)


def _create_repo_label(sb: Sandbox, repo: str, name: str) -> None:
    _, github = person(sb)
    answer = github.http.post(f"/repos/{repo}/labels", json={"name": name, "color": "ededed"})
    assert answer.status_code in (201, 422), answer.text


def test_github_labels_in_another_case_are_the_same_label(tmp_path: Path) -> None:
    """GitHub label names ignore case: a person's Theme/<id> is a pin (no second tag is added), an
    existing Theme/<id> GitHub attaches for roadsync's theme/<id> is roadsync's own next run, and
    neither plans the same add again."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        env = cli_env(sb)
        code, planned, err = run_cli(config, "plan", env=env)
        assert code == 0, err
        adds = _written(planned, "theme", github=True)
        pinned, attached = adds[0], adds[1]
        other = next(c["new"] for c in adds if c["new"] != pinned["new"])
        _, github = person(sb)
        by_hand = other.replace("theme/", "Theme/", 1).upper()
        github.add_label(pinned["item"], by_hand)
        _create_repo_label(sb, attached["item"].split("#")[0], attached["new"].replace("theme/", "Theme/", 1))
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert [x for x in github.labels(pinned["item"]) if x.lower().startswith("theme/")] == [by_hand]
        assignment = next(a for a in report["assignments"] if a["item"] == pinned["item"])
        assert assignment["step"] == "pin" and assignment["theme"] == other.split("/", 1)[1]
        sb.reset_stats()
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0 and again["changes"] == [], err
        assert _overrides(again, attached["item"]) == [] and sb.stats()["github"]["writes"] == 0


def test_a_transferred_github_issue_keeps_roadsyncs_ownership(tmp_path: Path) -> None:
    """A person transfers an issue to another repository (new number, new node id): roadsync's own
    theme label there is no pin, no hand edit, and the old key leaves the mirror at once."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        change = next(c for c in _written(first, "theme", github=True) if c["item"].startswith("acme/web#"))
        _, github = person(sb)
        issue = github.graphql("query($o: String!, $r: String!, $n: Int!) { repository(owner: $o, name: $r) "
                               "{ issue(number: $n) { id } } }",
                               {"o": "acme", "r": "web", "n": int(change["item"].split("#")[1])})  # fmt: skip
        target = github.graphql('query { repository(owner: "acme", name: "api") { id } }', {})
        transfer = ("mutation($i: ID!, $r: ID!) { transferIssue(input: {issueId: $i, repositoryId: $r}) "
                    "{ issue { number } } }")
        ids = {"i": issue["repository"]["issue"]["id"], "r": target["repository"]["id"]}
        moved = github.graphql(transfer, ids)
        new_key = f"acme/api#{moved['transferIssue']['issue']['number']}"
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        keys = {a["item"] for a in report["assignments"]}
        assert new_key in keys and change["item"] not in keys
        assert _overrides(report, new_key) == []
        assert next(a for a in report["assignments"] if a["item"] == new_key)["step"] != "pin"


def _race_ready(sb: Sandbox, tmp_path: Path, bound: str) -> tuple[Path, dict[str, str], dict[str, Any]]:
    """A config that writes Jira one PUT per issue (``bulk_edit = false``; the bulk edit race is in
    test_ownership_bulk.py) and re-reads items older than ``bound`` seconds before writing them, its
    environment, and the last priority change its plan makes."""
    jira = "[jira]\nwrite_concurrency = 1\nbulk_edit = false"
    config = write_config(sb, tmp_path / "roadsync.toml", f"{jira}\n\n[run]\nreread_after_s = {bound}")
    env = cli_env(sb)
    code, planned, err = run_cli(config, "plan", env=env)
    assert code == 0, err
    return config, env, _written(planned, "priority")[-1]


def _race(sb: Sandbox, config: Path, env: dict[str, str], key: str, hand: str) -> dict[str, Any]:
    """Start a sync, and once its first Jira write lands (the pull is over), have a person set
    ``key``'s priority, before the sync reaches it; returns the sync's report."""
    from tests.reliability.harness import spawn_cli

    sb.set_faults(latency_ms=60)
    sb.reset_stats()
    process = spawn_cli(config, "sync", env=env)
    deadline = time.monotonic() + 30
    while sb.stats()["jira"]["writes"] < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    jira, _ = person(sb)
    jira.set_priority(key, hand)
    out, err = process.communicate(timeout=60)
    sb.set_faults(latency_ms=0)
    assert process.returncode == 0, err
    return dict(json.loads(out))


@pytest.mark.parametrize("state", ["kept", "lost"])
@pytest.mark.parametrize("reread", ["every write", "never"])
def test_a_persons_edit_in_the_write_race_is_kept(reread: str, state: str, tmp_path: Path) -> None:
    """A person changes a priority roadsync never wrote, after the pull and before roadsync writes
    it: the re-read before writing drops the change, or (no re-read) history shows the overwrite,
    which is restored and reported as overwritten_edit naming the person; either way the person's
    value stands that run. The next run decides from the tracker alone, with the state folder kept
    or lost: a dropped change was never sent, so roadsync never wrote the field and enforce takes it
    over in the plan (design.md "Managed fields and ownership"); a restored one was written (its
    marker names roadsync's value, the restore leaves it), so the person's value is kept."""
    with start_sandbox(small_fixture()) as sb:
        config, env, last = _race_ready(sb, tmp_path, "0.001" if reread == "every write" else "3600")
        ours = (last["old"], last["new"])
        hand = next(p for p in ("Lowest", "Low", "High", "Highest") if p not in ours)
        report = _race(sb, config, env, last["item"], hand)
        assert sb.jira_store.get(last["item"]).priority == hand
        raced = [d for d in report["drift"] if d["kind"] == "overwritten_edit"]
        if reread == "never":
            name = sb.info()["people"][0]["name"]  # named as Jira shows people, not by account id
            mine = [d["detail"] for d in raced if d["item"] == last["item"]]
            assert any("restored" in d and f"set by {name}" in d for d in mine), raced
            marker = sb.jira_store.get(last["item"]).properties["roadsync.priority"]
            assert marker["value"] == last["new"]  # the restore left roadsync's marker as it was
        _forget(config, state)
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        taken = [c for c in again["changes"] if c["item"] == last["item"] and c["field"] == "priority"]
        if reread == "never":
            assert taken == [] and sb.jira_store.get(last["item"]).priority == hand
            said = [d for d in _overrides(again, last["item"]) if d.startswith("priority")]
            # kept: the disputed record the restore verified from history ("set by hand to Low
            # after roadsync wrote Highest"); lost: the marker ("changed by hand from Highest to Low").
            assert said and last["new"] in said[0] and hand in said[0], said
        else:
            assert [(c["old"], c["new"]) for c in taken] == [(hand, last["new"])], taken
            assert "roadsync never wrote this field" in taken[0]["reason"]
            assert not _overrides(again, last["item"])


def test_a_person_setting_the_planned_value_mid_run_gets_no_write_and_no_blame(tmp_path: Path) -> None:
    """A person sets, after the pull and before roadsync writes it, the very priority roadsync
    planned: the re-read before writing drops the change as one with nothing to send (not as a
    person's value "kept"), no request writes it, and no drift blames the person."""
    with start_sandbox(small_fixture()) as sb:
        config, env, last = _race_ready(sb, tmp_path, "0.001")
        report = _race(sb, config, env, last["item"], last["new"])
        assert sb.jira_store.get(last["item"]).priority == last["new"]
        listed = report["applied"]["not_written"]
        [outcome] = [o for o in listed if o["item"] == last["item"] and o["field"] == "priority"]
        assert outcome["status"] == "skipped" and "nothing to send" in outcome["error"], outcome
        assert not _overrides(report, last["item"])


def test_a_person_setting_roadsyncs_own_value_again_makes_it_theirs(tmp_path: Path) -> None:
    """A person changes a Jira priority roadsync wrote and then sets roadsync's value again: the
    marker still names that value, but the changelog shows the person's edit after roadsync's, so a
    roadmap edit does not write over it (design.md: "a value whose last change was made by someone
    other than roadsync's account, after roadsync's last write, is a person's"); the theme's other
    items still follow the roadmap."""
    from tests.reliability.test_ownership import _raise_theme

    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        themes = {a["item"]: a["theme"] for a in first["assignments"]}
        lower = [c for c in _written(first, "priority") if c["new"] != "Highest"]
        change = next(c for c in lower if themes.get(c["item"]))
        key, theme = change["item"], themes[change["item"]]
        jira, _ = person(sb)
        jira.set_priority(key, "Lowest" if change["new"] != "Lowest" else "Low")
        jira.set_priority(key, change["new"])
        _raise_theme(config, theme)
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assert sb.jira_store.get(key).priority == change["new"]
        assert any("again, after roadsync wrote it" in d for d in _overrides(report, key)), report["drift"]
        followers = [c for c in _written(report, "priority") if themes.get(c["item"]) == theme]
        assert followers and all(c["new"] == "Highest" for c in followers)


def test_a_shared_account_set_later_drops_history_read_as_roadsyncs(tmp_path: Path) -> None:
    """A person edits a GitHub theme label with roadsync's own token: the label events name
    roadsync's account, so roadsync plans its tag back; once the config says
    ``github.shared_account = true``, that cached history no longer speaks for roadsync and the
    label is kept (doctor: such a label is never taken over without other evidence)."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        added = next(c for c in _written(first, "theme", github=True) if c["old"] is None)
        key, tag = added["item"], added["new"]
        other = next(c["new"] for c in _written(first, "theme", github=True) if c["new"] != tag)
        _, github = person(sb)
        github.http.headers["Authorization"] = f"token {sb.info()['env']['ROADSYNC_SANDBOX_GITHUB_TOKEN']}"
        github.remove_label(key, tag)
        github.add_label(key, other)
        code, plan, err = run_cli(config, "plan", env=env)
        assert code == 0, err
        assert any(c["item"] == key and c["field"] == "theme" for c in plan["changes"]), plan["changes"]
        write_config(sb, config, "[github]\nshared_account = true")
        code, plan, err = run_cli(config, "plan", env=env)
        assert code == 0, err
        assert not any(c["item"] == key and c["field"] == "theme" for c in plan["changes"]), plan["changes"]


@pytest.mark.parametrize("tracker", ["jira", "github"])
def test_a_persons_theme_tag_beside_roadsyncs_is_a_pin(tracker: str, tmp_path: Path) -> None:
    """A person adds another theme's tag next to the one roadsync wrote: on Jira (marker) and on
    GitHub (label events, asked for because the item holds two tags) the person's tag pins its
    theme, roadsync's tag and the person's are both left in place, and the next sync writes nothing."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        github = tracker == "github"
        added = next(c for c in _written(first, "theme", github=github) if c["old"] is None)
        key, tag = added["item"], added["new"]
        other = next(c["new"] for c in _written(first, "theme", github=github) if c["new"] != tag)
        jira, gh = person(sb)
        if github:
            gh.add_label(key, other)
        else:
            jira.swap_label(key, None, other)
        code, report, err = run_cli(config, "sync", env=env)
        assert code == 0, err
        assignment = next(a for a in report["assignments"] if a["item"] == key)
        assert (assignment["step"], assignment["theme"]) == ("pin", other.split("/" if github else ":", 1)[1])
        # the finding names the person's tag only, never roadsync's own as a hand value
        beside = f"{other} set by hand beside roadsync's {tag}"
        assert any(beside in d for d in _overrides(report, key)), report["drift"]
        sb.reset_stats()
        code, again, err = run_cli(config, "sync", env=env)
        assert code == 0 and again["changes"] == [], err
        labels = gh.labels(key) if github else jira.issue(key, "labels")["fields"]["labels"]
        assert tag in labels and other in labels


def test_explain_right_after_a_sync_blames_nobody_for_roadsyncs_own_writes(tmp_path: Path) -> None:
    """``explain`` reads the mirror, which holds the values from before the sync's writes: a field
    roadsync just wrote reads as undecided (an old copy), never as a person's (the report after the same sync
    blames nobody either)."""
    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        key = _written(first, "priority")[0]["item"]
        code, text, err = run_cli(config, "explain", key, env=env, fmt="table")
        assert code == 0, err
        line = next(x for x in text.splitlines() if x.strip().startswith("priority:"))
        assert "a person's" not in line and "is undecided" in line, line
        assert _overrides(first, key) == []


def test_a_persons_priority_is_one_finding_manual_override_not_also_a_mismatch(tmp_path: Path) -> None:
    """A person sets a Jira priority roadsync wrote to another value: the report and the sync give
    that (item, priority) one finding, ``manual_override`` (design.md: a person's value is kept and
    reported as such), not also a ``priority_mismatch`` that no plan fixes; an untouched item of a
    theme raised in the roadmap is still a ``priority_mismatch``."""
    from tests.reliability.test_ownership import _raise_theme

    with start_sandbox(small_fixture()) as sb:
        config, env, first = synced(sb, tmp_path)
        themes = {a["item"]: a["theme"] for a in first["assignments"]}
        written = [c for c in _written(first, "priority") if themes.get(c["item"])]
        key = written[0]["item"]
        other = next(c["item"] for c in written
                     if themes[c["item"]] != themes[key] and c["new"] != "Highest")  # fmt: skip
        jira, _ = person(sb)
        jira.set_priority(key, "Lowest" if written[0]["new"] != "Lowest" else "Low")
        _raise_theme(config, themes[other])
        for verb in ("report", "sync"):
            code, report, err = run_cli(config, verb, env=env)
            assert code == 0, err
            mine = [d for d in report["drift"] if d["item"] == key and "priority" in d["detail"]]
            assert [d["kind"] for d in mine] == ["manual_override"], mine
            assert "priority_mismatch" in {d["kind"] for d in report["drift"] if d["item"] == other}
