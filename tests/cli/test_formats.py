"""``--format`` is never silently ignored: a verb renders the format asked for, or refuses it (exit 64)
naming the formats it has. Runs the real CLI in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadsync.cli import main
from roadsync.cli.common import FORMATS
from tests.paths import REPO

TABLE_OR_JSON = ("demo", "init", "validate", "sandbox")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(args)
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


@pytest.mark.parametrize("verb", TABLE_OR_JSON)
@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("before", [False, True])
def test_a_format_a_verb_does_not_render_is_refused_naming_those_it_has(
    verb: str, fmt: str, before: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--format markdown|html` on a table-or-JSON verb is exit 64 naming both, and does nothing."""
    monkeypatch.chdir(tmp_path)  # demo and init would write here
    config = ["--config", str(REPO / "config.example.toml")] if verb == "validate" else []
    args = ["--format", fmt, verb, *config] if before else [verb, *config, "--format", fmt]
    code, out, err = _run(args, capsys)
    assert code == 64, err
    assert f"roadsync {verb} has no {fmt} output" in err and "--format table or json" in err
    assert out == "" and list(tmp_path.iterdir()) == []


def _looks_like(fmt: str, out: str, table: str) -> bool:
    """Whether ``out`` is a document in ``fmt`` (and not the table printed instead)."""
    if fmt == "json":
        import json

        return isinstance(json.loads(out), dict)
    if fmt == "html":
        return out.lstrip().lower().startswith("<!doctype html") and out != table
    if fmt == "markdown":
        return out != table and ("|---" in out.replace(" ", "") or out.lstrip().startswith("#"))
    return True


@pytest.mark.parametrize(
    "verb", [["roadmap"], ["explain", "PAY-1"], ["doctor"], ["validate"], ["report", "--offline"], ["pull"]]
)
def test_every_format_a_verb_accepts_is_rendered_as_that_format(
    verb: list[str], demo_sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """roadmap, explain, doctor, validate, report and pull print each --format as asked, or refuse it (64)."""
    config = str(demo_sandbox.write_config(tmp_path / "roadsync.toml"))
    for name, value in demo_sandbox.info()["env"].items():
        monkeypatch.setenv(name, value)
    assert _run(["pull", "--config", config], capsys)[0] == 0
    outputs = {fmt: _run([*verb, "--config", config, "--format", fmt], capsys) for fmt in FORMATS}
    code, table, err = outputs["table"]
    assert code == 0, err
    for fmt, (code, out, err) in outputs.items():
        if code == 64:
            assert f"no {fmt} output" in err and "--format table" in err, err
        else:
            assert code == 0 and _looks_like(fmt, out, table), (fmt, out[:300], err)
