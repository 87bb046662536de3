"""The demo company fixture, its roadmap, fixture files and scale fixtures."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from roadsync.config.model import RoadmapFile
from roadsync.errors import ConfigError
from roadsync.sandbox.demo import demo_fixture, demo_roadmap_toml, generate_fixture
from roadsync.sandbox.fixture import load_fixture
from roadsync.sandbox.server import start_sandbox


def test_demo_is_deterministic() -> None:
    """Two calls give the same document, byte for byte."""
    assert json.dumps(demo_fixture(), sort_keys=True) == json.dumps(demo_fixture(), sort_keys=True)


def test_demo_counts_and_shapes() -> None:
    """Two projects, three repos, ~210 Jira and ~200 GitHub items: epics, sub-tasks, sub-issues, PRs."""
    fx = demo_fixture()
    jira, github = fx["jira"], fx["github"]
    assert [p["key"] for p in jira["projects"]] == ["PAY", "CORE"]
    assert [r["name"] for r in github["repos"]] == ["web", "mobile", "api"]
    assert 200 <= len(jira["issues"]) <= 240 and 180 <= len(github["issues"]) <= 230
    types = Counter(i.get("type") for i in jira["issues"])
    assert types["Epic"] >= 4 and types["Sub-task"] >= 3 and types["Bug"] >= 1
    assert sum(1 for i in github["issues"] if i.get("pull_request")) >= 20
    assert sum(1 for i in github["issues"] if i.get("parent")) >= 10
    assert {i.get("type") for i in github["issues"] if not i.get("pull_request")} == {
        "Bug",
        "Feature",
        "Task",
    }


def test_demo_references_resolve() -> None:
    """Parents, board items, remote links and Jira keys named in GitHub titles all point at existing items."""
    fx = demo_fixture()
    jira_keys = {i["key"] for i in fx["jira"]["issues"]}
    gh_keys = {f"acme/{i['repo']}#{i['number']}" for i in fx["github"]["issues"]}
    assert len(jira_keys) == len(fx["jira"]["issues"]) and len(gh_keys) == len(fx["github"]["issues"])
    assert all(i["parent"] in jira_keys for i in fx["jira"]["issues"] if i.get("parent"))
    for issue in fx["github"]["issues"]:
        if issue.get("parent"):
            assert f"acme/{issue['repo']}#{issue['parent']}" in gh_keys
    board = fx["github"]["project"]
    assert board is not None and board["number"] == 1 and board["title"] == "Roadmap"
    assert {f["name"] for f in board["fields"]} == {"Priority", "Alignment", "Estimate"}
    assert all(item["issue"] in gh_keys for item in board["items"])
    links = [u for i in fx["jira"]["issues"] for u in i.get("remote_links", [])]
    assert links and all(
        f"acme/{m[0]}#{m[1]}" in gh_keys
        for u in links
        for m in re.findall(r"github\.com/acme/(\w+)/issues/(\d+)", u)
    )
    named = [
        k
        for i in fx["github"]["issues"]
        for k in re.findall(r"\b[A-Z]+-\d+\b", i["title"] + i.get("body", ""))
    ]
    assert len(named) >= 4 and set(named) <= jira_keys


def test_demo_plants_drift_signals() -> None:
    """The data carries what each drift kind needs: a typo'd theme tag, open retired and paused work,
    nothing open for passkeys, hand-set priorities that contradict the roadmap."""
    fx = demo_fixture()
    jira = fx["jira"]["issues"]
    open_jira = [i for i in jira if i.get("status") != "Done"]
    assert any("theme:chekout" in i.get("labels", []) for i in jira)
    assert any("theme/wishlist" in i.get("labels", []) for i in fx["github"]["issues"])
    assert any("billing-v1" in i.get("components", []) for i in open_jira)
    assert any("marketplace" in i.get("labels", []) for i in open_jira)
    assert not any("passkeys" in i.get("labels", []) for i in open_jira)
    assert any("passkeys" in i.get("labels", []) for i in jira)
    checkout_wrong = [i for i in open_jira if "theme:checkout" in i["labels"] and i["priority"] != "Highest"]
    assert checkout_wrong


def test_demo_roadmap_validates_and_fits() -> None:
    """The roadmap has eight themes (P0..P3, now/next/later, one paused, one retired) that pass the schema."""
    roadmap = RoadmapFile.model_validate(tomllib.loads(demo_roadmap_toml()))
    assert len(roadmap.themes) == 8
    assert {t.priority for t in roadmap.themes} == {"P0", "P1", "P2", "P3"}
    assert {t.horizon for t in roadmap.themes} == {"now", "next", "later"}
    assert Counter(t.status for t in roadmap.themes) == {"active": 6, "paused": 1, "retired": 1}
    assert any(t.retire_after for t in roadmap.themes if t.status == "retired")
    assert sum(t.target_share or 0 for t in roadmap.themes if t.status != "retired") <= 1.0


def test_load_fixture_round_trip_and_errors(tmp_path: Path) -> None:
    """A fixture written as JSON loads back equal; missing, malformed and shapeless files are ConfigErrors."""
    good = tmp_path / "seed.json"
    good.write_text(json.dumps(demo_fixture()))
    assert load_fixture(good) == demo_fixture()
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "shape.json").write_text('{"jira": {"issues": [{"key": "A-1"}]}, "extra": 1}')
    for name, words in (
        ("missing.json", "does not exist"),
        ("broken.json", "not valid JSON"),
        ("shape.json", "lacks summary"),
    ):
        with pytest.raises(ConfigError, match=words):
            load_fixture(tmp_path / name)


def test_a_seed_file_may_name_people(tmp_path: Path) -> None:
    """``people`` is a documented top-level key of a seed file (``roadsync sandbox --seed``): a
    read-only GitHub person loads and serves; a person without a name is a ConfigError."""
    seed = {**demo_fixture(), "people": [{"name": "Rita Reader", "github": {"login": "rita", "role": "read"},
                                          "jira": {"email": "rita@example.com"}}]}  # fmt: skip
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    loaded = load_fixture(path)
    assert loaded["people"] == seed["people"]
    with start_sandbox(dict(loaded)) as sandbox:
        assert [p.name for p in sandbox.people] == ["Rita Reader"]
    path.write_text(json.dumps({**demo_fixture(), "people": [{"github": {"login": "x"}}]}))
    with pytest.raises(ConfigError, match="people\\[0\\] lacks name"):
        load_fixture(path)


@pytest.mark.timeout(120)
def test_generate_fixture_is_deterministic_at_scale() -> None:
    """100k items build deterministically, with unique keys and the asked share of stale values.

    How long it takes is the benchmark's business (bench/), not a test's: a shared CI machine
    makes wall-clock bounds flaky; the timeout only catches a hang."""
    big = generate_fixture(50_000, 50_000, seed=3, repos=5, projects=4, change_share=0.2)
    assert len(big["jira"]["issues"]) == 50_000 and len(big["github"]["issues"]) == 50_000
    assert len({i["key"] for i in big["jira"]["issues"]}) == 50_000
    small = generate_fixture(100, 90, seed=3, repos=3, projects=2, change_share=0.2)
    assert small == generate_fixture(100, 90, seed=3, repos=3, projects=2, change_share=0.2)
    board = small["github"].get("project") or {}
    stale = sum(1 for i in board.get("items", []) if i.get("values", {}).get("Alignment") is None)
    assert 0 < stale < 30
