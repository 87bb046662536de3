"""``--format`` is never silently ignored: a verb renders the format asked for, or refuses it (exit 64)
naming the formats it has. Runs the real CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsync.cli import main
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
