"""Who a GitHub emulator token is and what it may do: :class:`TokenGrant`.

A token acts as one account (``login``; ``None`` is the store's own bot account, roadsync's), holds
a repository role on the repositories it may write, and may belong to a GitHub App installation
(``app``: events then carry ``performed_via_github_app`` and the actor is ``<slug>[bot]``).

Roles are GitHub's five repository roles, weakest first [docs: "Repository roles for an
organization", https://docs.github.com/en/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization]:
``read`` < ``triage`` < ``write`` < ``maintain`` < ``admin``. What they change in the emulator:

* ``triage`` may apply and remove labels (``POST``/``DELETE`` ``…/issues/{n}/labels``), close and
  reopen, and ``PATCH`` an issue, but the collaborator-only keys of that ``PATCH`` are **silently
  dropped** with ``200`` [spec: ``issues/update`` in GitHub's OpenAPI: "Only users with push access
  can set the type for issues. Without push access to the repository, type changes are silently
  dropped." and the same words for labels, assignees and milestone];
* ``write`` and up may set every field; ``admin`` may rename the repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadsync.sandbox.github.model import Repo

__all__ = ["COLLAB_ONLY_FIELDS", "ROLES", "TokenGrant"]

ROLES = ("read", "triage", "write", "maintain", "admin")

# Keys of an issue PATCH/POST that need push access; below it GitHub drops them and answers 200.
COLLAB_ONLY_FIELDS = ("labels", "assignees", "assignee", "milestone", "type", "issue_field_values")


@dataclass(frozen=True)
class TokenGrant:
    """What a token may do. Repositories are ``owner/repo`` (case-insensitive).

    ``readable``: private repositories it may read (None: all; public ones are always readable).
    ``writable``: repositories where it holds ``role`` (None: every one it may read); on the other
    readable ones it holds ``read``.
    ``role``: one of :data:`ROLES`.
    ``projects``: whether it reaches Projects v2 (``GITHUB_TOKEN`` does not).
    ``scopes``: the ``x-oauth-scopes`` header of a classic token; None for fine-grained or
    installation tokens, which send no such header.
    ``login``: the account the token acts as (None: the store's bot account).
    ``app``: the slug of the GitHub App whose installation token this is (None: a user token).
    ``expires_at``: epoch seconds after which the token answers 401 (installation tokens).
    """

    readable: frozenset[str] | None = None
    writable: frozenset[str] | None = None
    projects: bool = True
    scopes: str | None = "project, read:org, repo"
    role: str = "write"
    login: str | None = None
    app: str | None = None
    expires_at: float | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {self.role!r}")

    def can_read(self, repo: Repo) -> bool:
        return not repo.private or self.readable is None or repo.full_name.lower() in _lower(self.readable)

    def role_on(self, repo: Repo) -> str | None:
        """The role this token holds on ``repo`` (None: it cannot even read it)."""
        if not self.can_read(repo):
            return None
        allowed = self.writable if self.writable is not None else self.readable
        return self.role if allowed is None or repo.full_name.lower() in _lower(allowed) else "read"

    def at_least(self, repo: Repo, role: str) -> bool:
        held = self.role_on(repo)
        return held is not None and ROLES.index(held) >= ROLES.index(role)

    def can_write(self, repo: Repo) -> bool:
        return self.at_least(repo, "write")

    def can_triage(self, repo: Repo) -> bool:
        return self.at_least(repo, "triage")

    def permissions(self, repo: Repo) -> dict[str, bool]:
        """``permissions`` of ``GET /repos/{o}/{r}``: one flag per role, each implied by the stronger."""
        return {"admin": self.at_least(repo, "admin"), "maintain": self.at_least(repo, "maintain"),
                "push": self.at_least(repo, "write"), "triage": self.at_least(repo, "triage"),
                "pull": self.can_read(repo)}


def _lower(names: frozenset[str]) -> set[str]:
    return {n.lower() for n in names}
