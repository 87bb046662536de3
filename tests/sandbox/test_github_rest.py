"""The sandbox GitHub REST API through the real PyGithub 2.10 client over real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import github
import httpx
import pytest
from github import Auth, Github

from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.fixture import GithubFixture
from roadsync.sandbox.github import GithubStore, TokenGrant, create_github_app

TOKEN = "ghp_sandboxTestToken0001"
READER = "ghp_readOnlyWebToken0002"
ACTIONS = "ghs_actionsTokenNoProjects3"
ODD_LABELS = ["theme: checkout 🚀", "a, b", "prio:P1", "with space", "x/y"]


def fixture(issues: int = 3, prs: int = 1) -> GithubFixture:
    """A small organization: public ``web`` (``issues`` issues then ``prs`` PRs), private ``api``, a board."""
    rows: list[Any] = [
        {"repo": "web", "number": n, "title": f"Issue {n}", "labels": ["ui"] if n % 2 else [],
         "created_at": f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}Z",
         "updated_at": f"2026-01-02T00:{n // 60 % 60:02d}:{n % 60:02d}Z", "type": "Bug" if n == 1 else None}
        for n in range(1, issues + 1)
    ]
    rows += [{"repo": "web", "number": issues + k, "title": f"PR {k}", "pull_request": True}
             for k in range(1, prs + 1)]
    rows += [{"repo": "api", "number": 1, "title": "Private issue"}]
    return {
        "owner": "acme",
        "repos": [{"name": "web", "labels": [{"name": "ui", "color": "00ff00"}]},
                  {"name": "api", "private": True}],
        "issue_types": ["Bug", "Feature", "Task"],
        "issues": rows,
        "project": {"number": 1, "title": "Roadmap",
                    "fields": [{"name": "Priority", "type": "single_select", "options": ["P0", "P1", "P2"]},
                               {"name": "Estimate", "type": "number"}, {"name": "Notes", "type": "text"},
                               {"name": "Due", "type": "date"}],
                    "items": [{"issue": "acme/web#1", "values": {"Priority": "P1", "Estimate": 3}}]
                    if issues else []},
    }


@dataclass
class Sandbox:
    store: GithubStore
    stats: Stats
    server: RunningServer
    app: Any

    @property
    def url(self) -> str:
        return self.server.url

    def gh(self, token: str = TOKEN) -> Github:
        return Github(auth=Auth.Token(token), base_url=self.url, per_page=100, retry=None,
                      seconds_between_requests=None, seconds_between_writes=None)

    def http(self, token: str = TOKEN) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"token {token}"})


def start(fx: GithubFixture, budget: int = 5000) -> Sandbox:
    store = GithubStore.from_fixture(fx)
    stats = Stats()
    grants = {READER: TokenGrant(readable=frozenset({"acme/web"}), writable=frozenset(), projects=False,
                              scopes="read:org"),
              ACTIONS: TokenGrant(readable=frozenset({"acme/web"}), projects=False, scopes=None)}
    app = create_github_app(store, stats=stats, token=TOKEN, budget=budget, restricted_tokens=grants)
    return Sandbox(store, stats, serve_app(app), app)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = start(fixture())
    yield sb
    sb.server.stop()


@pytest.mark.parametrize("count", [0, 1, 100, 101])
def test_issue_list_pages_through_every_issue(count: int) -> None:
    """Listing a repository yields every issue exactly once at 0, 1, page size and page size + 1 items."""
    sb = start(fixture(issues=count, prs=0))
    try:
        issues = list(sb.gh().get_repo("acme/web").get_issues(state="all"))
        assert sorted(i.number for i in issues) == list(range(1, count + 1))
        with sb.http() as http:
            first = http.get("/repos/acme/web/issues", params={"per_page": 100, "state": "all"})
        assert ("link" in first.headers) == (count > 100)
    finally:
        sb.server.stop()


def test_link_header_names_prev_next_last_first_on_the_clients_host() -> None:
    """A middle page links prev, next, last and first on exactly the host:port the client used."""
    sb = start(fixture(issues=7, prs=0))
    try:
        host = f"localhost:{sb.server.port}"
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            page = http.get(f"http://{host}/repos/acme/web/issues?per_page=3&page=2")
        base = f"http://{host}/repos/acme/web/issues?per_page=3&page="
        assert page.headers["link"] == (f'<{base}1>; rel="prev", <{base}3>; rel="next", '
                                        f'<{base}3>; rel="last", <{base}1>; rel="first"')
        assert [i["number"] for i in page.json()] == [4, 3, 2]
    finally:
        sb.server.stop()


def test_pull_requests_are_mixed_in_with_a_pull_request_key(sandbox: Sandbox) -> None:
    """The issue list carries pull requests marked by ``pull_request``; the store count leaves them out."""
    issues = list(sandbox.gh().get_repo("acme/web").get_issues())
    assert sorted((i.number, i.pull_request is not None) for i in issues) == [
        (1, False), (2, False), (3, False), (4, True)]
    assert sandbox.store.issue_count() == 4  # 3 in web + 1 private in api


def test_a_listed_pull_request_links_to_its_pull_page(sandbox: Sandbox) -> None:
    """A pull request in the issue list has an ``html_url`` under /pull/, an issue under /issues/."""
    issues = {i.number: i.html_url for i in sandbox.gh().get_repo("acme/web").get_issues()}
    assert issues[4].endswith("/acme/web/pull/4") and issues[1].endswith("/acme/web/issues/1")


def test_since_returns_only_issues_updated_at_or_after_it(sandbox: Sandbox) -> None:
    """``since`` keeps issues updated at or after the instant, including one a person just edited."""
    sandbox.store.edit_as_person("acme/web#2", labels_add=["person-touched"])
    repo = sandbox.gh().get_repo("acme/web")
    moment = sandbox.store.get("acme/web#2").updated_at  # type: ignore[union-attr]
    import datetime as dt

    since = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    assert [i.number for i in repo.get_issues(since=since, state="all")] == [2]
    assert [i.number for i in repo.get_issues(labels=["ui"])] == [1, 3][::-1]


def test_odd_label_names_round_trip_through_add_remove_and_replace(sandbox: Sandbox) -> None:
    """Labels with emoji, commas, colons, spaces and slashes survive add, remove and replace exactly."""
    issue = sandbox.gh().get_repo("acme/web").get_issue(2)
    issue.add_to_labels(*ODD_LABELS)
    assert sandbox.store.get("acme/web#2").labels == ODD_LABELS  # type: ignore[union-attr]
    for name in ODD_LABELS[:3]:
        issue.remove_from_labels(name)
    assert [lab.name for lab in issue.get_labels()] == ODD_LABELS[3:]
    issue.set_labels("ui", ODD_LABELS[0])
    assert sandbox.store.get("acme/web#2").labels == ["ui", ODD_LABELS[0]]  # type: ignore[union-attr]
    assert {lab.name for lab in sandbox.gh().get_repo("acme/web").get_labels()} >= set(ODD_LABELS)


def test_label_add_accepts_an_object_a_bare_array_and_a_string(sandbox: Sandbox) -> None:
    """POST labels takes ``{"labels": [...]}``, a bare array or a string; answers all labels."""
    with sandbox.http() as http:
        for body, expected in (({"labels": ["a"]}, ["a"]), (["b"], ["a", "b"]), ("c", ["a", "b", "c"])):
            answer = http.post("/repos/acme/web/issues/2/labels", json=body)
            assert answer.status_code == 200
            assert [lab["name"] for lab in answer.json()] == expected
        assert http.delete("/repos/acme/web/issues/2/labels").status_code == 204
    assert sandbox.store.get("acme/web#2").labels == []  # type: ignore[union-attr]


def test_removing_a_label_not_on_the_issue_is_a_404(sandbox: Sandbox) -> None:
    """DELETE of a label the issue lacks answers 404 ``Label does not exist``."""
    issue = sandbox.gh().get_repo("acme/web").get_issue(2)
    with pytest.raises(github.GithubException) as caught:
        issue.remove_from_labels("ui")
    assert caught.value.status == 404
    assert caught.value.data["message"] == "Label does not exist"  # type: ignore[index]


def test_repository_label_crud_and_duplicate_name_is_422(sandbox: Sandbox) -> None:
    """Repository labels can be created, read, renamed and deleted; creating an existing name is a 422."""
    repo = sandbox.gh().get_repo("acme/web")
    label = repo.create_label("prio: P0 🔥", "ff0000", "urgent")
    assert repo.get_label("prio: P0 🔥").color == "ff0000"
    with pytest.raises(github.GithubException) as caught:
        repo.create_label("PRIO: p0 🔥", "00ff00")
    assert caught.value.status == 422
    assert caught.value.data["errors"][0]["code"] == "already_exists"  # type: ignore[index]
    label.edit("prio: P1", "00ff00", "less urgent")
    assert repo.get_label("prio: P1").description == "less urgent"
    repo.get_label("prio: P1").delete()
    assert "prio: P1" not in {lab.name for lab in repo.get_labels()}


def test_label_events_carry_the_actor_who_changed_them(sandbox: Sandbox) -> None:
    """Events and timeline tell a person's label change from the bot's by ``actor``."""
    sandbox.gh().get_repo("acme/web").get_issue(2).add_to_labels("bot-label")
    sandbox.store.edit_as_person("acme/web#2", labels_add=["human-label"], labels_remove=["bot-label"])
    events = list(sandbox.gh().get_repo("acme/web").get_issue(2).get_events())
    assert [(e.event, e.actor.login, e.label.name) for e in events] == [
        ("labeled", "roadsync-bot", "bot-label"), ("labeled", "pat-person", "human-label"),
        ("unlabeled", "pat-person", "bot-label")]
    with sandbox.http() as http:
        timeline = http.get("/repos/acme/web/issues/2/timeline").json()
    assert timeline[1]["label"] == {"name": "human-label", "color": "ededed"}


def test_issue_type_is_set_by_name_and_unknown_types_are_422(sandbox: Sandbox) -> None:
    """PATCH ``{"type": name}`` sets the issue type object; an unknown type name answers 422."""
    gh = sandbox.gh()
    issue = gh.get_repo("acme/web").get_issue(2)
    gh.requester.requestJsonAndCheck("PATCH", issue.url, input={"type": "Feature"})
    assert gh.get_repo("acme/web").get_issue(2).raw_data["type"]["name"] == "Feature"
    with pytest.raises(github.GithubException) as caught:
        gh.requester.requestJsonAndCheck("PATCH", issue.url, input={"type": "Nope"})
    assert caught.value.status == 422
    types = gh.requester.requestJsonAndCheck("GET", f"{sandbox.url}/orgs/acme/issue-types")[1]
    assert [t["name"] for t in types] == ["Bug", "Feature", "Task"]  # type: ignore[union-attr]


def test_created_issue_gets_the_next_number_and_its_type(sandbox: Sandbox) -> None:
    """POST issues creates the next number with labels; a PATCH that changes nothing is not a write."""
    gh = sandbox.gh()
    created = gh.get_repo("acme/web").create_issue("New", body="b", labels=["ui"])
    assert created.number == 5 and [lab.name for lab in created.labels] == ["ui"]
    before = sandbox.stats.github.writes
    created.edit(title="New")
    assert sandbox.stats.github.writes == before


def test_sub_issues_are_added_listed_and_removed_by_integer_id(sandbox: Sandbox) -> None:
    """Sub-issues attach by issue id; the parent summary, the child's parent and removal all follow."""
    repo = sandbox.gh().get_repo("acme/web")
    parent, child = repo.get_issue(1), repo.get_issue(2)
    parent.add_sub_issue(child.id)
    assert [s.number for s in parent.get_sub_issues()] == [2]
    assert repo.get_issue(1).raw_data["sub_issues_summary"] == {"total": 1, "completed": 0,
                                                                "percent_completed": 0}
    with sandbox.http() as http:
        assert http.get("/repos/acme/web/issues/2/parent").json()["number"] == 1
        assert http.post("/repos/acme/web/issues/1/sub_issues",
                         json={"sub_issue_id": str(child.id)}).status_code == 422
    parent.remove_sub_issue(child.id)
    assert list(parent.get_sub_issues()) == []


def test_if_none_match_gets_304_without_charging_the_budget(sandbox: Sandbox) -> None:
    """A matching ``If-None-Match`` answers 304 with no body and leaves the rate-limit budget untouched."""
    with sandbox.http() as http:
        first = http.get("/repos/acme/web/issues/1")
        again = http.get("/repos/acme/web/issues/1", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
        sandbox.store.edit_as_person("acme/web#1", title="Changed")
        changed = http.get("/repos/acme/web/issues/1", headers={"If-None-Match": first.headers["etag"]})
        assert changed.status_code == 200
        left = int(first.headers["x-ratelimit-remaining"])
        assert int(changed.headers["x-ratelimit-remaining"]) == left - 1


def test_rate_limit_headers_count_down_and_rate_limit_endpoint_is_free(sandbox: Sandbox) -> None:
    """Each charged request lowers ``x-ratelimit-remaining``; ``/rate_limit`` reports without charging."""
    with sandbox.http() as http:
        a = http.get("/repos/acme/web")
        b = http.get("/repos/acme/web")
        limits = http.get("/rate_limit")
    assert int(a.headers["x-ratelimit-remaining"]) - 1 == int(b.headers["x-ratelimit-remaining"])
    assert b.headers["x-ratelimit-used"] == "2" and b.headers["x-ratelimit-resource"] == "core"
    assert limits.json()["resources"]["core"]["remaining"] == 4998
    assert sandbox.gh().get_rate_limit().resources.core.remaining == 4998


def test_exhausted_primary_budget_answers_403_rate_limit(sandbox: Sandbox) -> None:
    """With the budget spent, requests get 403 ``API rate limit exceeded`` and ``x-ratelimit-remaining: 0``.

    The issue read is refused before it runs, so nothing is served past the budget."""
    sandbox.app.state.ratelimit.set_budget(5000, remaining=1)
    repo = sandbox.gh().get_repo("acme/web")
    with pytest.raises(github.RateLimitExceededException) as caught:
        repo.get_issue(1)
    assert caught.value.status == 403
    assert caught.value.headers["x-ratelimit-remaining"] == "0"  # type: ignore[index]
    assert sandbox.store.get("acme/web#1").labels == ["ui"]  # type: ignore[union-attr]


def test_secondary_limits_answer_403_or_429_with_optional_retry_after(sandbox: Sandbox) -> None:
    """Queued secondary limits answer 403 with ``retry-after``, then 429 without it, then normally."""
    sandbox.app.state.ratelimit.secondary_next(1, status=403, retry_after=30)
    sandbox.app.state.ratelimit.secondary_next(1, status=429, retry_after=None)
    with sandbox.http() as http:
        first, second, third = (http.get("/repos/acme/web") for _ in range(3))
    assert (first.status_code, first.headers["retry-after"]) == (403, "30")
    assert first.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert second.status_code == 429 and "retry-after" not in second.headers
    assert third.status_code == 200


def test_bad_or_missing_token_is_401_bad_credentials(sandbox: Sandbox) -> None:
    """A wrong token gives 401 ``Bad credentials``; ``Bearer`` and ``bearer`` schemes are accepted."""
    with pytest.raises(github.BadCredentialsException):
        sandbox.gh("ghp_wrong").get_user().login  # noqa: B018
    with httpx.Client(base_url=sandbox.url) as http:
        missing = http.get("/user")
        lower = http.get("/user", headers={"Authorization": f"bearer {TOKEN}"})
    assert missing.status_code == 401
    assert missing.json() == {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
                              "status": "401"}
    assert lower.json()["login"] == "roadsync-bot"


def test_restricted_tokens_see_what_github_shows_them(sandbox: Sandbox) -> None:
    """A read-only token reads public repos, gets 404 on private ones, 403 on writes, and reports scopes."""
    gh = sandbox.gh(READER)
    repo = gh.get_repo("acme/web")
    assert repo.permissions.push is False and repo.permissions.pull is True
    assert sandbox.gh().get_repo("acme/web").permissions.push is True
    with pytest.raises(github.UnknownObjectException):
        gh.get_repo("acme/api")
    with pytest.raises(github.GithubException) as caught:
        repo.get_issue(2).add_to_labels("x")
    assert caught.value.status == 403
    with sandbox.http(READER) as http:
        assert http.get("/user").headers["x-oauth-scopes"] == "read:org"
    with sandbox.http(ACTIONS) as http:
        assert "x-oauth-scopes" not in http.get("/user").headers


def test_stats_count_reads_and_state_changing_writes(sandbox: Sandbox) -> None:
    """Each request counts once; a label add that changes nothing counts as a read, not a write."""
    repo = sandbox.gh().get_repo("acme/web")
    issue = repo.get_issue(2)
    issue.add_to_labels("ui")
    issue.add_to_labels("ui")
    assert (sandbox.stats.github.reads, sandbox.stats.github.writes) == (3, 1)


def test_org_repositories_list_only_what_the_token_can_see(sandbox: Sandbox) -> None:
    """The organization repository list hides private repositories from tokens without access."""
    assert [r.name for r in sandbox.gh().get_organization("acme").get_repos()] == ["web", "api"]
    with sandbox.http(READER) as http:
        assert [r["name"] for r in http.get("/orgs/acme/repos").json()] == ["web"]
