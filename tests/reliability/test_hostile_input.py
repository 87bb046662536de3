"""Hostile input: broken configs never crash the loader, hostile tracker content never crashes a sync.

Configs and roadmaps come from hypothesis (random TOML structures, random bytes, deep nesting,
huge strings, wrong types): ``validate`` exits 0 or 78 with a ``roadsync:`` line, never a
traceback. Tracker content holds 1 MB bodies, any Unicode, labels with commas, colons, spaces
and emoji, hundreds of labels, and titles built to make a user regex backtrack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadsync.sandbox.server import start_sandbox
from tests.reliability.harness import cli_env, run_cli

KEYS = st.sampled_from(["jira", "github", "run", "themes", "fields", "match", "url", "projects",
                        "priority", "id", "name", "title", "labels", "policy", "roadmap", "x"])
SCALARS = st.one_of(st.integers(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=40),
                    st.just("a" * 100_000), st.dates())


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if not isinstance(value, float) or abs(value) < 1e300 else "1.0"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return str(value.isoformat())  # a date


NESTED = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)
DOCS = st.dictionaries(KEYS, NESTED, max_size=6)


def _validate(tmp: Path, text: str | bytes) -> tuple[int, str]:
    path = tmp / "roadsync.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    code, _, err = run_cli(path, "validate", env={}, fmt="json")
    return code, err


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(document=DOCS)
def test_random_toml_structures_exit_0_or_78(document: dict[str, Any], tmp_path_factory: Any) -> None:
    """A random TOML document validates (0) or is refused with one line per problem (78), no traceback."""
    text = "\n".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in document.items())
    code, err = _validate(tmp_path_factory.mktemp("cfg"), text)
    assert code in (0, 78), err
    assert "Traceback" not in err and (code == 0 or "roadsync:" in err)


@FUZZ
@given(blob=st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_random_bytes_exit_78(blob: bytes, tmp_path_factory: Any) -> None:
    """Random bytes as a config are refused with exit 78 (or accepted when they happen to be valid)."""
    code, err = _validate(tmp_path_factory.mktemp("cfg"), blob)
    assert code in (0, 78) and "Traceback" not in err, err


def test_deep_nesting_and_huge_values_exit_78(tmp_path: Path) -> None:
    """Nesting 5000 deep, a 5 MB string and a roadmap file of garbage are refused with 78."""
    deep = "x = " + "[" * 5000 + "]" * 5000
    huge = f'roadmap = "{"r" * 5_000_000}"'
    for text in (deep, huge, 'roadmap = "roadmap.toml"', "[run]\nmax_changes = 'many'"):
        (tmp_path / "roadmap.toml").write_bytes(b"\xff\xfe[[themes]\x00")
        code, err = _validate(tmp_path, text)
        assert code == 78 and "Traceback" not in err and "roadsync:" in err, err


LABELS = ["needs, comma", "area: payments", "two  spaces", "🔥 hot", "ünïcödé", "a/b:c,d", "日本語"]


def _hostile_fixture() -> dict[str, Any]:
    many = [f"tag-{n:03d}" for n in range(300)]
    jira_issues = [
        {"key": "PAY-1", "type": "Story", "summary": "a" * 50_000 + "!", "status": "To Do",
         "labels": LABELS, "priority": "Low", "description": "x" * 1_000_000},
        {"key": "PAY-2", "type": "Story", "summary": "\u202e\u0000 zero\u200bwidth 🎉", "status": "To Do",
         "labels": many, "priority": "Low"},
    ]
    github_issues = [
        {"repo": "web", "number": 1, "title": "a" * 50_000 + "!", "body": "🙂" * 250_000, "labels": LABELS},
        {"repo": "web", "number": 2, "title": "RTL \u202e text", "labels": many},
    ]
    return {
        "jira": {"projects": [{"key": "PAY", "name": "Payments"}], "issues": jira_issues},
        "github": {"owner": "acme", "repos": [{"name": "web"}], "issues": github_issues},
    }


ROADMAP = """
[[themes]]
id = "evil"
name = "Backtracking bait"
priority = "P1"
[[themes.match]]
title = "(a+)+$"

[[themes]]
id = "tags"
name = "Labels with punctuation"
priority = "P2"
[[themes.match]]
labels = ["area: payments"]

[fields.theme]
policy = "enforce"
jira = { target = "label", prefix = "theme:" }
github = { target = "label", prefix = "theme/" }
"""


@pytest.mark.timeout(300)
def test_hostile_tracker_content_syncs_and_labels_round_trip(tmp_path: Path) -> None:
    """1 MB bodies, odd Unicode, punctuated labels, 300 labels, regex bait: sync exits 0, labels intact."""
    with start_sandbox(_hostile_fixture()) as sb:
        config = tmp_path / "roadsync.toml"
        from roadsync.sandbox.sandbox_config import config_toml

        config.write_text(ROADMAP + config_toml(sb, roadmap=None), encoding="utf-8")
        env = cli_env(sb)
        before = {k: set(sb.jira_store.get(k).labels) for k in ("PAY-1", "PAY-2")}
        code, _, err = run_cli(config, "sync", env=env)
        assert code == 0 and "Traceback" not in err, err
        for key, labels in before.items():
            after = set(sb.jira_store.get(key).labels)
            assert labels <= after and {x for x in after - labels if not x.startswith("theme:")} == set()
        web1 = sb.github_store.get("acme/web#1")
        assert web1 is not None and set(LABELS) <= set(web1.labels)
        # The bait cannot match ("!" ends the title) and re2 says so in linear time.
        assert "theme:tags" in sb.jira_store.get("PAY-1").labels
        code, again, _ = run_cli(config, "plan", env=env)
        assert code == 0 and again["changes"] == []
