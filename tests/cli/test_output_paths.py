"""An --output or --out path that cannot take the document ends in one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsync.cli import main

CONFIG = '[github]\nrepos = ["acme/web"]\n[[themes]]\nid = "a"\nname = "A"\npriority = "P1"\n'


@pytest.mark.parametrize(
    ("where", "says"),
    [("folder", "is a directory"), ("under-file", "is a file, not a folder")],
)
def test_an_unwritable_output_is_a_usage_error(
    where: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output at a folder or under a file exits 64 with one line naming the path."""
    config = tmp_path / "roadsync.toml"
    config.write_text(CONFIG)
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "out.md"
    if where == "folder":
        target = tmp_path / "folder"
        target.mkdir()
    with pytest.raises(SystemExit) as stopped:
        main(["roadmap", "--config", str(config), "--format", "markdown", "--output", str(target)])
    err = capsys.readouterr().err
    assert stopped.value.code == 64, err
    assert err.startswith("roadsync: ") and str(target) in err and says in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
