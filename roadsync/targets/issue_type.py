"""A GitHub issue type: ``PATCH /repos/o/r/issues/n`` with ``{"type": name}`` (PyGithub's
``Issue.edit`` has no ``type``). Source: "Update an issue",
https://docs.github.com/en/rest/issues/issues#update-an-issue
"""

from __future__ import annotations

from collections.abc import Sequence

from roadsync.changes import FieldChange, OutcomeStatus, WriteOutcome
from roadsync.config.model import FieldTarget
from roadsync.connectors.model import Item
from roadsync.targets.base import Current, GithubDoctor, GithubSite, TargetKind, missing

__all__ = ["IssueType"]


class IssueType(TargetKind):
    name = "issue_type"
    trackers = frozenset({"github"})
    github_budget = "core"

    def current(self, item: Item, target: FieldTarget) -> Current:
        return Current(item.issue_type)

    def github_write(self, item: Item, changes: list[FieldChange], site: GithubSite) -> list[WriteOutcome]:
        """PATCH the type, then check the answer: GitHub answers 200 and keeps the old type when the
        token has no push access ("Without push access to the repository, type changes are silently
        dropped", the ``type`` parameter of "Update an issue"); that change is ``unwritable``."""
        wanted = changes[-1].new
        before = site.client.requests
        dropped: str | None = None
        if wanted != item.issue_type:
            path = f"/repos/{item.scope}/issues/{item.key.rsplit('#', 1)[1]}"
            answer = site.client.rest("PATCH", path, body={"type": wanted}, item=item.key)
            dropped = _dropped(answer.data, wanted)
        requests = site.client.requests - before
        statuses: list[OutcomeStatus] = [
            "skipped" if c.new == item.issue_type else "unwritable" if dropped else "applied" for c in changes
        ]
        return [WriteOutcome(c, s, dropped if s == "unwritable" else None, requests=requests if n == 0 else 0)
                for n, (c, s) in enumerate(zip(changes, statuses, strict=True))]  # fmt: skip

    def doctor_github(self, doctor: GithubDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Every type the plan may write exists (``/repos/{first repo}/issue-types``)."""
        repos = doctor.repos
        for name, target in targets:
            if not repos:
                continue
            check = f"{name}: issue types"
            answer = doctor.get(check, f"/repos/{repos[0].name}/issue-types")
            if answer is None:
                continue
            have = [str(t.get("name")) for t in answer.data or () if isinstance(t, dict)]
            absent = missing(doctor.needed(name, target), have)
            if absent:
                doctor.probe.add(check, "fail",
                                 f"no issue type named {', '.join(absent)} (types: {', '.join(have)})",
                                 f"create the types in the organization, or map values in "
                                 f"fields.{name}.github.values")  # fmt: skip
            else:
                doctor.probe.add(check, "ok", f"issue types present ({repos[0].name})")


def _dropped(answer: object, wanted: str | None) -> str | None:
    """Why the PATCH answer shows the type was not set (``None``: it holds ``wanted``)."""
    held = (answer.get("type") or {}) if isinstance(answer, dict) else {}
    name = held.get("name") if isinstance(held, dict) else None
    if (name or None) == wanted or (name and wanted and name.lower() == wanted.lower()):
        return None
    kept = f"kept type {name!r}" if name else "kept no type"
    return (f"GitHub answered 200 but {kept}: it drops type changes from a token without push access "
            "(triage) and on repositories whose owner has no issue types; give the token write access "
            "[source github]")
