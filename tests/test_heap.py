"""The cyclic collector pause that mapping, the mirror and kept outcomes build under."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from roadsync.heap import acyclic


def test_acyclic_pauses_the_collector_and_leaves_it_as_found() -> None:
    """Inside acyclic() the collector is off; after it, on or off as before, even after an error."""
    assert gc.isenabled()
    with acyclic():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), acyclic():
        raise KeyError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with acyclic():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_quick_exit_freezes_the_heap_when_the_process_exits_and_not_before() -> None:
    """quick_exit() leaves the collector alone while the process runs and freezes every object at
    exit, before the hooks registered earlier run (logging's shutdown among them)."""
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('at exit', gc.get_freeze_count() > 0, flush=True))\n"
        "from roadsync.heap import quick_exit\n"
        "quick_exit(); quick_exit()\n"
        "print('running', gc.get_freeze_count() > 0, flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["running False", "at exit True"]
