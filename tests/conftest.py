"""Shared pytest fixtures: sandbox trackers started per test and stopped at teardown.

``sandbox_factory(seed="demo", **start_sandbox_options)`` starts a :class:`Sandbox` (real
uvicorn servers on ephemeral loopback ports); ``demo_sandbox`` is the demo company on Jira
Cloud. Both stop every sandbox they started when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
