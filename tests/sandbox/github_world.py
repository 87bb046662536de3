"""A small GitHub organization on a full sandbox (fault middleware, control API, people) for tests.

``world(sandbox_factory)`` starts it; :class:`World` gives real clients: PyGithub (``gh``), httpx
(``http``, never following redirects) and GraphQL over httpx (``gql``), each with any token.
People: ``pat-person`` (write), ``tess-triage`` (triage), ``ada-admin`` (admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from github import Auth, Github

from roadsync.sandbox.fixture import Fixture
from roadsync.sandbox.server import Sandbox
from tests.conftest import SandboxFactory

PEOPLE = {"pat": "pat-person", "tess": "tess-triage", "ada": "ada-admin"}


def fixture() -> Fixture:
    """Repositories ``web`` (issues 1-4; 2 is 1's sub-issue) and ``api`` (issue 1), issue types, a board."""
    return {
        "github": {
            "owner": "acme",
            "repos": [{"name": "web", "labels": [{"name": "Theme/Checkout", "color": "00ff00"},
                                                 {"name": "ui", "color": "0000ff"}]},
                      {"name": "api", "labels": [{"name": "ui", "color": "0000ff"}]}],
            "issue_types": ["Bug", "Feature", "Task"],
            "issues": [{"repo": "web", "number": 1, "title": "Checkout epic", "labels": ["Theme/Checkout"]},
                       {"repo": "web", "number": 2, "title": "Pay button", "parent": 1,
                        "labels": ["ui", "Theme/Checkout"], "type": "Feature"},
                       {"repo": "web", "number": 3, "title": "Refunds"},
                       {"repo": "web", "number": 4, "title": "Receipts", "type": "Task"},
                       {"repo": "api", "number": 1, "title": "Rate limits"}],
            "project": {"number": 1, "title": "Roadmap",
                        "fields": [{"name": "Priority", "type": "single_select",
                                    "options": ["P0", "P1", "P2"]}],
                        "items": [{"issue": "acme/web#1", "values": {"Priority": "P1"}},
                                  {"issue": "acme/web#2"}, {"issue": "acme/web#3"}]},
        },
        "people": [
            {"name": "Pat Person", "github": {"login": "pat-person", "token": "ghp_pat_person_token_0001"}},
            {"name": "Tess Triage", "github": {"login": "tess-triage", "token": "ghp_tess_triage_token_02",
                                               "role": "triage"}},
            {"name": "Ada Admin", "github": {"login": "ada-admin", "token": "ghp_ada_admin_token_00003",
                                             "role": "admin"}},
        ],
    }


@dataclass
class World:
    sb: Sandbox

    @property
    def url(self) -> str:
        return self.sb.github_url

    def token(self, who: str = "bot") -> str:
        """roadsync's token (``bot``) or a person's (``pat``, ``tess``, ``ada``)."""
        if who == "bot":
            return self.sb.github_token
        login = PEOPLE[who]
        return next(p.github_token for p in self.sb.people if p.github_login == login)  # type: ignore[misc]

    def gh(self, who: str = "bot") -> Github:
        return Github(auth=Auth.Token(self.token(who)), base_url=self.url, per_page=100, retry=None,
                      seconds_between_requests=None, seconds_between_writes=None)

    def http(self, who: str = "bot") -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"token {self.token(who)}"},
                            follow_redirects=False, timeout=10)

    def gql(self, query: str, variables: dict[str, Any] | None = None, who: str = "bot",
            token: str | None = None) -> httpx.Response:
        with httpx.Client(timeout=10) as client:
            return client.post(self.sb.graphql_url, json={"query": query, "variables": variables or {}},
                               headers={"Authorization": f"bearer {token or self.token(who)}"})

    def node(self, key: str) -> str:
        issue = self.sb.github_store.get(key)
        assert issue is not None
        return issue.node_id


def world(factory: SandboxFactory, fx: Fixture | None = None, **options: Any) -> World:
    return World(factory(fx or fixture(), **options))
