"""The cyclic collector pause that mapping, the mirror and kept outcomes build under."""

from __future__ import annotations

import gc

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
