"""The ``doctor`` fixture: ``roadsync doctor`` in-process against a sandbox's (edited) config."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadsync.cli import main

Doctor = Callable[..., tuple[int, Any]]


@pytest.fixture
def doctor(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Doctor:
    """Run ``roadsync doctor`` in-process on a sandbox's (edited) config; returns (exit, output)."""

    def run(sandbox: Any, tmp: Path, *, edit: Callable[[str], str] = lambda t: t,
            env: dict[str, str] | None = None, fmt: str = "json") -> tuple[int, Any]:
        path = sandbox.write_config(tmp / "roadsync.toml")
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        for name, value in {**sandbox.env(), **(env or {})}.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        with pytest.raises(SystemExit) as stopped:
            main(["doctor", "--config", str(path), "--format", fmt])
        out = capsys.readouterr().out
        return int(stopped.value.code or 0), json.loads(out) if fmt == "json" and out else out

    return run
