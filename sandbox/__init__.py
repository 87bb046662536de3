"""The sandbox trackers: loopback emulators of Jira (Cloud and Data Center) and GitHub.

They serve ``roadsync demo``, the test suite and the benchmarks. Real HTTP (starlette on
uvicorn), faithful to the official API descriptions at the wire level, with fault injection
and a control API under ``/_sandbox``. Never exposed beyond loopback.
"""
