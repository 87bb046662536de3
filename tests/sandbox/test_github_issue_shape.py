"""The issue object as github.com serves it: ``parent_issue_url`` only on sub-issues.

Source: kamp-us/phoenix#4171 (a live check: an issue without a parent has "neither key"); GitHub's
OpenAPI lists ``parent_issue_url`` as optional and nullable; research github.md §7.
"""

from __future__ import annotations

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import fixture, world


def test_parent_issue_url_is_left_out_without_a_parent(sandbox_factory: SandboxFactory) -> None:
    """As on github.com, only the sub-issue has the key: its parent's URL."""
    w = world(sandbox_factory)
    with w.http() as http:
        issues = {i["number"]: i for i in http.get("/repos/acme/web/issues").json()}
        parent = http.get("/repos/acme/web/issues/1/parent")
    assert ["parent_issue_url" in issues[n] for n in (1, 2, 3, 4)] == [False, True, False, False]
    assert issues[2]["parent_issue_url"] == f"{w.url}/repos/acme/web/issues/1"
    assert parent.status_code == 404


def test_parent_issue_url_is_null_without_a_parent_when_the_fixture_says_so(
    sandbox_factory: SandboxFactory,
) -> None:
    """With ``parent_issue_url: "null"`` issues without a parent carry the key with ``null``."""
    fx = fixture()
    fx["github"]["parent_issue_url"] = "null"
    w = world(sandbox_factory, fx)
    with w.http() as http:
        issue = http.get("/repos/acme/web/issues/3").json()
    assert "parent_issue_url" in issue and issue["parent_issue_url"] is None
