"""No token ever leaves roadsync: every verb, under faults and --debug, with canary tokens.

The sandbox trackers accept two distinctive random tokens; every verb runs as a real process
with JSON logs and --debug, reports in every format, plan files, the journal and the state
file are written, and none of them holds a canary (nor a third, wrong token that Jira rejects,
whose 401 error text from the jira library would print request headers). The Jira token comes
from a token file with a comment on its second line; canaries also sit where they do not belong
(pasted as a variable's name, in a URL's credentials, in a broken ``ROADSYNC_*`` override) and
must not be echoed either. Every file and folder roadsync creates is private to its user.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from roadsync.sandbox.server import start_sandbox
from tests.reliability.harness import cli_env, small_fixture, write_config


def _canary(kind: str) -> str:
    return f"canary{kind}{secrets.token_hex(12)}"


def _run(config: Path, env: dict[str, str], *args: str, debug: bool = True) -> tuple[int, str]:
    flags = ["--debug", "--log-format", "json"] if debug else []
    done = subprocess.run(
        [sys.executable, "-m", "roadsync", *args, "--config", str(config), *flags],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def _misplaced(config: Path, env: dict[str, str], canaries: dict[str, str]) -> list[tuple[int, str]]:
    """Runs with a canary where no token belongs: each must be refused (78) without echoing it."""
    text = config.read_text(encoding="utf-8")
    runs = []
    misplaced = [
        text.replace('token_env = "ROADSYNC_SANDBOX_GITHUB_TOKEN"', f'token_env = "{canaries["named"]}"'),
        text.replace('url = "http://', f'url = "http://roadsync-bot:{canaries["url"]}@', 1),
    ]
    bad_json = {**env, "ROADSYNC_JIRA__PROJECTS": f'["PAY", "{canaries["json"]}'}
    for broken, environ in ((misplaced[0], env), (misplaced[1], env), (text, bad_json)):
        config.write_text(broken, encoding="utf-8")
        for verb in ("validate", "sync"):
            runs.append(_run(config, environ, verb, debug=False))
            runs.append(_run(config, environ, verb))  # --debug shows a traceback, never a canary
    config.write_text(text, encoding="utf-8")
    return runs


def test_no_verb_leaks_a_token_anywhere(tmp_path: Path) -> None:
    """stdout, stderr, logs, reports, plans, journal and state file hold no canary token after every verb."""
    jira_token, github_token, wrong = _canary("jira"), _canary("github"), _canary("wrong")
    misplaced = {"named": "ghp_" + secrets.token_hex(18), "url": _canary("url"), "json": _canary("json")}
    with start_sandbox(small_fixture(), jira_token=jira_token, github_token=github_token,
                       fault_rate=0.2, fault_seed=3) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        (tmp_path / "jira-token").write_text(f"{jira_token}  \n# the bot's token, rotated in May\n")
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace('token_env = "ROADSYNC_SANDBOX_JIRA_TOKEN"',
                                       'token_file = "jira-token"'))
        env = cli_env(sb)
        env.pop("ROADSYNC_SANDBOX_JIRA_TOKEN", None)
        out = tmp_path / "out"
        runs = [
            ("validate",), ("doctor",), ("pull", "--full"),
            ("plan", "--out", str(out / "plan.json")), ("apply", str(out / "plan.json")),
            ("sync",), ("sync", "--format", "json"),
            ("report", "--format", "markdown", "--output", str(out / "report.md")),
            ("report", "--format", "html", "--output", str(out / "report.html")),
            ("report", "--format", "json", "--output", str(out / "report.json")),
            ("report", "--offline"), ("explain", "PAY-1"), ("roadmap", "--format", "json"),
        ]
        texts: list[str] = []
        codes = []
        for args in runs:
            code, text = _run(config, env, *args)
            codes.append(code)
            texts.append(text)
        (tmp_path / "jira-token").write_text(f"{wrong}\n")
        code, text = _run(config, env, "pull", "--full")
        texts.append(text)
        assert code != 0 and "401" in text
        assert sb.stats()["jira"]["writes"] > 0, "the runs did write"
        refused = _misplaced(config, env, misplaced)
        assert [code for code, _ in refused[::2]] == [78] * (len(refused) // 2), refused
        texts += [text for _, text in refused]
    first_line_works = not any("HTTP 401" in text for text in texts[: len(runs)])
    assert first_line_works, "the token file's first line is the token"
    assert sum(sb.faults.injected.values()) > 0
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name not in ("roadsync.toml", "jira-token")]
    assert any(p.name == "state.sqlite" for p in files) and any(p.name == "journal.jsonl" for p in files)
    blobs = [t.encode() for t in texts] + [p.read_bytes() for p in files]
    basic = base64.b64encode(f"{sb.jira_email}:{jira_token}".encode()).decode()
    for canary in (jira_token, github_token, wrong, basic, *misplaced.values()):
        hits = [i for i, blob in enumerate(blobs) if canary.encode() in blob]
        where = [str(files[i - len(texts)]) if i >= len(texts) else "output" for i in hits]
        assert hits == [], f"canary found in {where}"


@dataclass(frozen=True)
class TokenFile:
    name: str
    content: bytes | None  # None: make a folder there
    says: str


TOKEN_FILES = [
    TokenFile("binary", b"\xff\xfe\x00\x01" + b"CANARYtok" * 4, "is not a text file"),
    TokenFile("NUL bytes", b"CANARYtok\x00CANARYtok\n", "NUL bytes"),
    TokenFile("empty", b"", "is empty"),
    TokenFile("only blank lines", b"\n  \n\t\n", "is empty"),
    TokenFile("blank first line", b"\nCANARYtokCANARYtok\n", "has an empty first line"),
    TokenFile("a space inside", b"CANARYtok CANARYtok\n", "holds characters no token has"),
    TokenFile("a control character inside", b"CANARYtok\x1b[31mCANARYtok\n", "holds characters no token has"),
    TokenFile("a folder", None, "is a folder, not a file"),
]


@pytest.mark.parametrize("case", TOKEN_FILES, ids=[c.name for c in TOKEN_FILES])
def test_a_bad_token_file_is_named_never_shown(case: TokenFile, tmp_path: Path) -> None:
    """doctor and sync refuse an unusable token file with exit 78, naming the key and the file but
    never showing its content, and send nothing to the tracker."""
    with start_sandbox(small_fixture()) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        token = tmp_path / "token"
        if case.content is None:
            token.mkdir()
        else:
            token.write_bytes(case.content)
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace('token_env = "ROADSYNC_SANDBOX_JIRA_TOKEN"', 'token_file = "token"'))
        for verb in ("doctor", "sync"):
            code, out = _run(config, cli_env(sb), verb, debug=False)
            assert code == 78, out
            assert "jira.token_file" in out and str(token) in out and case.says in out, out
            assert "CANARY" not in out and "Traceback" not in out, out
        assert sb.stats()["jira"]["writes"] == 0


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_everything_roadsync_creates_is_private(tmp_path: Path) -> None:
    """The state folder is 0700; state file (and -wal/-shm), journal, lock, plan and report
    outputs are 0600 whatever the umask; a state file an older roadsync left 0644 is tightened."""
    old = os.umask(0o022)
    try:
        with start_sandbox(small_fixture()) as sb:
            config = write_config(sb, tmp_path / "roadsync.toml")
            env = cli_env(sb)
            out = tmp_path / "out"
            for args in (("sync",), ("plan", "--out", str(out / "plan.json")),
                         ("report", "--format", "html", "--output", str(out / "report.html"))):
                code, text = _run(config, env, *args)
                assert code == 0, text
            state = tmp_path / ".roadsync"
            assert _mode(state) == 0o700
            created = [state / "state.sqlite", state / "journal.jsonl", state / "roadsync.lock",
                       out / "plan.json", out / "report.html"]
            assert {p.name: oct(_mode(p)) for p in created} == {p.name: "0o600" for p in created}
            (state / "state.sqlite").chmod(0o644)
            code, text = _run(config, env, "plan")
            assert code == 0, text
            for path in state.glob("state.sqlite*"):
                assert _mode(path) == 0o600, path
    finally:
        os.umask(old)
