"""explain (from the mirror) and the plan's assignments agree on every item of the demo company."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roadsync.cli import main
from roadsync.config.load import load_settings
from roadsync.mappings.explain import explain
from roadsync.sync.run import read_backlog


def _cli_json(*args: str, capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--format", "json"])
    assert exit_info.value.code == 0
    return json.loads(capsys.readouterr().out)


def test_explain_agrees_with_plan_for_every_demo_item(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """For every item, explain gives the theme, alignment, step and rule the plan assigned."""
    config = demo_sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in demo_sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    plan = _cli_json("plan", "--config", str(config), capsys=capsys)
    settings = load_settings(config)
    backlog = read_backlog(settings)
    items, pins = backlog.items, backlog.pins
    assert len(plan["assignments"]) == len(items) > 300
    for assigned in plan["assignments"]:
        told = explain(assigned["item"], items, settings.roadmap, pins).to_dict()
        assert {k: told[k] for k in ("theme", "alignment", "step", "rule")} == {
            k: assigned[k] for k in ("theme", "alignment", "step", "rule")
        }, assigned["item"]
    sample = [a for a in plan["assignments"] if a["step"] in ("parent", "link")][:3]
    for assigned in sample:
        told = _cli_json("explain", assigned["item"], "--config", str(config), capsys=capsys)
        assert told["item"] == assigned["item"] and told["theme"] == assigned["theme"]
        assert len(told["chain"]) > 1


def test_explain_unknown_key_is_one_clear_line(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """explain of a key that is not in the mirror exits 1 with one line that says what to do."""
    config = demo_sandbox.write_config(tmp_path / "roadsync.toml")
    for name, value in demo_sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    _cli_json("pull", "--config", str(config), capsys=capsys)
    with pytest.raises(SystemExit) as exit_info:
        main(["explain", "NOPE-1", "--config", str(config)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err.count("\n") == 1 and "NOPE-1" in err and "roadsync pull" in err
