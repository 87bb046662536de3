"""``roadsync doctor``: preflight checks of every configured source, reads only.

:mod:`roadsync.doctor.preflight` runs the checks and holds the report; the tracker-facing probes
live in :mod:`roadsync.doctor.jira` and :mod:`roadsync.doctor.github`.
"""
