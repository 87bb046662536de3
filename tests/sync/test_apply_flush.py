"""Apply sends the held writes of both trackers at once: Jira's bulk edit tasks do not wait for
GitHub's batched documents (nor these for those), since the trackers are independent.

Seen from the trackers (the sandbox records every request in arrival order over both): with a
latency on each request, a GitHub mutation document sent by the flush arrives while Jira's bulk
flush (submit, poll, markers: several round trips) is still under way.
"""

from __future__ import annotations

from pathlib import Path

from roadsync.sandbox.recorder import RecordedRequest
from roadsync.sandbox.server import start_sandbox
from tests.reliability.harness import cli_env, run_cli, small_fixture, write_config


def _jira_flush(request: RecordedRequest) -> bool:
    """A request only Jira's flush sends: bulk edit submit and progress, bulk property markers."""
    return "/bulk/" in request.path or request.path.endswith("/properties/multi")


def _github_flush(request: RecordedRequest) -> bool:
    """A GraphQL mutation document (label changes, board values): sent only by GitHub's flush."""
    return request.path.endswith("/graphql") and b"mutation" in request.body


def test_both_trackers_flush_at_once(tmp_path: Path) -> None:
    """A GitHub flush document reaches GitHub before Jira's bulk flush has sent its last request."""
    with start_sandbox(small_fixture(), record_requests=True) as sb:
        config = write_config(sb, tmp_path / "roadsync.toml")
        sb.set_faults(latency_ms=150)
        code, report, err = run_cli(config, "sync", env=cli_env(sb))
        assert code == 0, err
        assert report["applied"]["failed"] == 0
        jira = [r.order for r in sb.recorded("jira") if _jira_flush(r)]
        github = [r.order for r in sb.recorded("github") if _github_flush(r)]
        assert len(jira) >= 3 and github, (len(jira), len(github))
        assert min(github) < max(jira), "GitHub's flush waited for Jira's bulk tasks to end"
