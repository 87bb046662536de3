"""Who each sandbox token is: the grants of the people's tokens and of the restricted tokens a
caller passes, sorted to the emulator (Jira or GitHub) whose grant type they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roadsync.errors import register_secret
from roadsync.sandbox.people import Person

__all__ = ["github_people_grants", "jira_people_grants", "split_grants"]


def jira_people_grants(people: list[Person]) -> dict[str, Any]:
    """Jira grants of the people's tokens: edit every project, administer none, as themselves."""
    from roadsync.sandbox.jira import TokenGrant

    grants = {}
    for person in people:
        if person.jira_email and person.jira_token:
            register_secret(person.jira_token)
            grants[person.jira_token] = TokenGrant(display_name=person.name, email=person.jira_email)
    return grants


def github_people_grants(people: list[Person], store: Any) -> dict[str, Any]:
    """GitHub grants of the people's tokens: their role everywhere, acting as their login."""
    from roadsync.sandbox.github import TokenGrant

    grants = {}
    for person in people:
        if person.github_login and person.github_token:
            store.people[person.github_login] = person.name
            grants[person.github_token] = TokenGrant(role=person.github_role, login=person.github_login)
    return grants


def split_grants(grants: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Route each restricted token to the emulator its grant type belongs to."""
    from roadsync.sandbox.github import TokenGrant as GithubGrant
    from roadsync.sandbox.jira import TokenGrant as JiraGrant

    jira = {t: g for t, g in grants.items() if isinstance(g, JiraGrant)}
    github = {t: g for t, g in grants.items() if isinstance(g, GithubGrant)}
    odd = set(grants) - set(jira) - set(github)
    if odd:
        raise ValueError("restricted_tokens values must be Jira or GitHub sandbox TokenGrant objects")
    return jira, github
