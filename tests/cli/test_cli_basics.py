"""The CLI skeleton: help, version, every verb, shared options after the verb, usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from roadsync import __version__
from roadsync.cli import VERBS, main
from tests.paths import REPO

DESIGN_VERBS = ("demo", "validate", "doctor", "pull", "plan", "apply", "sync", "report", "explain",
                "roadmap", "sandbox")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


def test_help_lists_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    """``roadsync --help`` exits 0 and lists every verb of the design."""
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()}
    assert set(DESIGN_VERBS) <= listed
    assert set(VERBS) <= listed


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``roadsync --version`` prints the package version."""
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"roadsync, version {__version__}"


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help_with_an_example(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each verb's --help exits 0, shows an example invocation, and offers the shared options."""
    code, out, _ = run([verb, "--help"], capsys)
    assert code == 0
    assert "Example" in out and f"roadsync {verb}" in out
    for option in ("--config", "--format", "--debug", "--log-format", "--output"):
        assert option in out


def test_shared_options_after_the_verb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--config and --format work after the verb as well as before it, with the same result."""
    config = tmp_path / "c.toml"
    config.write_text('[[themes]]\nid = "a"\nname = "A"\npriority = "P0"\n\n[github]\nrepos = ["acme/web"]\n')
    after = run(["validate", "--config", str(config), "--format", "json"], capsys)
    before = run(["--config", str(config), "--format", "json", "validate"], capsys)
    assert after == before
    assert after[0] == 0 and '"ok": true' in after[1]


@pytest.mark.parametrize(
    "argv", [["no-such-verb"], ["validate", "--no-such-option"], ["--format", "yaml", "validate"]]
)
def test_usage_errors_exit_64(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown verb, option or choice is a usage error: one line on stderr, exit 64, that says
    where to read what is accepted (the verb's help, or the top-level help for an unknown verb)."""
    code, out, err = run(argv, capsys)
    assert code == 64 and out == ""
    assert err.startswith("roadsync: usage error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    verb = "validate " if argv[0] == "validate" else ""  # options before the verb are the top level's
    assert err.rstrip().endswith(f"(see 'roadsync {verb}--help')"), err


def test_console_entry_via_python_m() -> None:
    """``python -m roadsync --help`` runs the same CLI in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-m", "roadsync", "--help"], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 0 and "validate" in done.stdout
