"""Sync: plan field changes from the roadmap, apply them without clobbering, report drift.

The planner (:mod:`sync.plan`, :mod:`sync.drift`, :mod:`sync.pipeline`) is pure; pulling,
applying and keeping state are thin I/O around it. The CLI lives in :mod:`sync.cli`.
"""
