"""Sync: plan field changes from the roadmap, apply them without clobbering, report drift.

The planner (:mod:`roadsync.sync.plan`, :mod:`roadsync.sync.drift`, :mod:`roadsync.sync.pipeline`)
is pure; pulling, applying and keeping state are thin I/O around it. The CLI that drives it lives
in :mod:`roadsync.cli`.
"""
