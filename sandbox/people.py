"""The sandbox's people: accounts other than roadsync's, so scripts and tests can play "a person".

Each person has a display name and an account on each tracker with its own token. Their edits over
the real REST and GraphQL endpoints are attributed to them in every history the emulators keep
(GitHub: issue events' ``actor``, board values' ``creator``; Jira: the changelog's ``author``),
exactly as roadsync's own edits are attributed to roadsync's account. ``roadsync sandbox --json``
lists them as ``"people": [{"name", "jira": {"email", "token"}, "github": {"login", "token"}}]``
(the Jira half where the Jira emulator knows the person).

Without ``people`` in the fixture there is one person, Pat Person, with write access to every
repository and the board.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from roadsync.sandbox.fixture import PersonFixture

__all__ = ["DEFAULT_PEOPLE", "Person", "people_from_fixture"]

DEFAULT_PEOPLE: list[PersonFixture] = [
    {"name": "Pat Person", "github": {"login": "pat-person"}, "jira": {"email": "pat.person@example.com"}},
]


@dataclass(frozen=True)
class Person:
    """A person's accounts. ``github_role`` is their repository role (``write`` unless the fixture says)."""

    name: str
    github_login: str | None = None
    github_token: str | None = None
    github_role: str = "write"
    jira_email: str | None = None
    jira_token: str | None = None
    jira_account_id: str | None = None

    def info(self, *, jira: bool) -> dict[str, Any]:
        """This person's entry of the ``--json`` document (``jira``: whether to list the Jira half)."""
        out: dict[str, Any] = {"name": self.name}
        if jira and self.jira_email:
            out["jira"] = {"email": self.jira_email, "token": self.jira_token}
        if self.github_login:
            out["github"] = {"login": self.github_login, "token": self.github_token}
        return out


def people_from_fixture(fixture: list[PersonFixture] | None) -> list[Person]:
    """The fixture's people (default :data:`DEFAULT_PEOPLE`), with a random token where none is given."""
    people = []
    for fx in fixture if fixture is not None else DEFAULT_PEOPLE:
        github = fx.get("github") or {}
        jira = fx.get("jira") or {}
        people.append(Person(
            name=fx["name"],
            github_login=github.get("login"),
            github_token=(github.get("token") or f"ghp_{secrets.token_hex(18)}") if github else None,
            github_role=github.get("role", "write"),
            jira_email=jira.get("email"),
            jira_token=(jira.get("token") or secrets.token_hex(16)) if jira else None,
            jira_account_id=jira.get("account_id"),
        ))
    return people
