"""GitHub label names over 50 characters are refused by GitHub (422), so ``validate`` refuses them first.

Source: github/docs#32156 (``POST /labels`` with a longer name: 422 "name is too long (maximum is 50
characters)"); research github.md §4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsync.cli import main

LONG_ID = "checkout-and-payments-for-every-market-we-serve"  # 47 characters


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str) -> tuple[int, str]:
    path = tmp_path / "c.toml"
    path.write_text(config, encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main(["validate", "--config", str(path)])
    return int(stopped.value.code or 0), capsys.readouterr().err


def _config(tid: str, prefix: str, tracker: str = "github") -> str:
    return (f'[[themes]]\nid = "{tid}"\nname = "Long"\npriority = "P1"\n\n'
            f'[fields.theme.{tracker}]\ntarget = "label"\nprefix = "{prefix}"\n')


def test_a_theme_id_making_a_github_label_over_50_characters_exits_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``theme/`` + a 47-character id is 53 characters: one line naming theme, prefix and length."""
    code, err = _validate(tmp_path, capsys, _config(LONG_ID, "theme/"))
    assert code == 78
    line = next(x for x in err.splitlines() if "fields.theme.github.prefix" in x)
    assert f"theme `{LONG_ID}`" in line and "prefix `theme/`" in line and "53 characters" in line
    assert "at most 50" in line


def test_fifty_characters_pass_and_jira_labels_are_not_limited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 50-character GitHub label validates, and the same long id as a Jira label is no problem."""
    assert _validate(tmp_path, capsys, _config(LONG_ID, "th/"))[0] == 0
    assert _validate(tmp_path, capsys, _config(LONG_ID, "theme/", tracker="jira"))[0] == 0


def test_a_mapped_value_counts_instead_of_the_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With ``values`` mapping the long id to a short name, the label written is short and valid."""
    config = _config(LONG_ID, "theme/") + f'values = {{ "{LONG_ID}" = "checkout" }}\n'
    assert _validate(tmp_path, capsys, config)[0] == 0
