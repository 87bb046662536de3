"""Run the real CLI on a pseudo-terminal, as a person at a terminal would, answering its questions."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Mapping

__all__ = ["run_on_a_terminal"]


def run_on_a_terminal(
    args: list[str], env: Mapping[str, str], *, answers: Mapping[str, str] | None = None, timeout: float = 120
) -> tuple[int, str]:
    """Run ``python -m roadsync ARGS`` with stdout and stderr on a pseudo-terminal; returns
    (exit code, what it showed). With ``answers`` (question text -> answer line), stdin is the
    terminal too and each answer is typed once its question appears; without, stdin is empty."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "roadsync", *args],
        stdin=follower if answers is not None else subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=dict(env),
    )
    os.close(follower)
    pending = dict(answers or {})
    shown = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            shown.extend(chunk)
            text = shown.decode("utf-8", "replace")
            for question in [q for q in pending if q in text]:
                os.write(leader, (pending.pop(question) + "\n").encode())
        elif proc.poll() is not None:
            break
    os.close(leader)
    return proc.wait(timeout=10), shown.decode("utf-8", "replace")
