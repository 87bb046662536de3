"""Shared pytest fixtures: sandbox trackers started per test and stopped at teardown.

``sandbox_factory(seed="demo", **start_sandbox_options)`` starts a :class:`Sandbox` (real
uvicorn servers on ephemeral loopback ports); ``demo_sandbox`` is the demo company on Jira
Cloud. Both stop every sandbox they started when the test ends. ``roadsync_wheel`` is the wheel,
built once per session (``tests/wheel.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from roadsync.sandbox.server import Sandbox

SandboxFactory = Callable[..., "Sandbox"]


@pytest.fixture
def sandbox_factory() -> Iterator[SandboxFactory]:
    """A callable ``(seed="demo", **options) -> Sandbox``; every sandbox stops at teardown."""
    from roadsync.sandbox.server import start_sandbox

    started: list[Sandbox] = []

    def start(seed: Any = "demo", **options: Any) -> Sandbox:
        sandbox = start_sandbox(seed, **options)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in reversed(started):
        sandbox.stop()


@pytest.fixture
def demo_sandbox(sandbox_factory: SandboxFactory) -> Sandbox:
    """The demo company on Jira Cloud and GitHub, no faults."""
    return sandbox_factory("demo", jira_flavor="cloud")


@pytest.fixture(scope="session")
def roadsync_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """roadsync's wheel, built once per session from a clean copy of the source (offline)."""
    from tests.wheel import build_roadsync_wheel

    return build_roadsync_wheel(tmp_path_factory.mktemp("roadsync-wheel"))
