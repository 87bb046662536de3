"""Renamed repositories, transferred and deleted issues (a mixin of the GitHub store).

* **Repository rename** (``PATCH /repos/{o}/{r}`` with ``name``): the old name keeps answering,
  with a redirect to ``/repositories/{id}/…`` [docs: "receive either a 301 or 307 HTTP redirect,
  depending on the type of request", github/developer.github.com
  ``content/changes/2015-04-17-preview-repository-redirects.md``; recorded answers:
  octokit/fixtures ``scenarios/api.github.com/rename-repository``]. A repository later created under
  the old name stops the redirect.
* **Issue transfer** (GraphQL ``transferIssue``): the issue gets a new number in the target *and a
  new database id and node id* [community: GoogleCloudPlatform/repo-automation-playground#85, id
  979486533 became 979489936; the node id encodes it]; it keeps its events, assignees, type and board
  item (org projects keep transferred issues), and only the labels the target already has (matched
  by name, any case) unless ``createLabelsIfMissing`` [docs: github/docs
  ``…/administering-issues/transferring-an-issue-to-another-repository.md``@02ac71cd]. Its sub-issue
  links are dropped. The old number answers ``301`` to the new URL for every verb [research
  github.md §2], the old node id ``NOT_FOUND``; a ``transferred`` event (common keys only) is added.
* **Issue delete** (GraphQL ``deleteIssue``, admin only): the issue leaves every list and board;
  its number answers ``410`` "This issue was deleted" [spec: ``issues/get`` description; research
  github.md §3].
"""

from __future__ import annotations

import bisect
import threading
from typing import TYPE_CHECKING, Any

from roadsync.sandbox.github.labels import StoreError
from roadsync.sandbox.github.model import Issue, Label, Repo, node_id, now_iso

__all__ = ["IssueMoves", "Located"]

Located = Issue | tuple[str, Repo, int] | None  # the issue, ("gone"|"moved", repo, number), or None


class IssueMoves:
    """Renames, transfers and deletions (mixed into the store; every method runs under its lock)."""

    lock: threading.RLock
    repos: dict[str, Repo]
    renamed: dict[str, int]
    _by_id: dict[int, Issue]
    _by_node: dict[str, Issue]

    if TYPE_CHECKING:  # provided by the store and its other mixins
        def get(self, full_key: str) -> Issue | None: ...

        def repo(self, name: str) -> Repo | None: ...

        def new_issue_id(self) -> int: ...

        def next_number(self, repo: Repo) -> int: ...

        def event(self, issue: Issue, kind: str, actor: str, label: Label | None = None,
                  **extra: Any) -> None: ...

        def touch(self, issue: Issue) -> None: ...

        def find_label(self, repo: Repo, name: str) -> Label | None: ...

        def create_label(self, repo: Repo, name: str, color: str = "ededed",
                         description: str | None = None) -> Label: ...

        def forget_item(self, issue: Issue) -> None: ...

        def rekey_item(self, old_node_id: str, issue: Issue) -> None: ...

    # -- repositories -----------------------------------------------------------------------------

    def repo_by_id(self, rid: int) -> Repo | None:
        return next((r for r in self.repos.values() if r.id == rid), None)

    def renamed_repo(self, name: str) -> Repo | None:
        """The repository that was once called ``name`` (``owner/name`` or ``name``), if it was renamed."""
        short = name.rpartition("/")[2].lower()
        rid = self.renamed.get(short)
        return self.repo_by_id(rid) if rid is not None and self.repo(name) is None else None

    def rename_repo(self, repo: Repo, new_name: str) -> None:
        """Rename ``repo``; the old name redirects from now on. 422 when the new name is taken."""
        with self.lock:
            other = self.repo(new_name)
            if other is not None and other is not repo:
                raise StoreError(422, "Repository creation failed.", errors=[
                    {"resource": "Repository", "code": "custom", "field": "name",
                     "message": "name already exists on this account"}])
            if new_name == repo.name:
                return
            del self.repos[repo.name]
            self.renamed[repo.name.lower()] = repo.id
            self.renamed.pop(new_name.lower(), None)
            repo.name = new_name
            self.repos[new_name] = repo
            for issue in repo.issues.values():
                issue.repo = new_name
            repo.version += 1

    # -- issues -----------------------------------------------------------------------------------

    def locate(self, repo: Repo, number: int) -> Located:
        """What ``repo``'s issue ``number`` is now: the issue, ``("gone", repo, n)`` or ``("moved", repo, n)``
        (the end of its transfers), or None."""
        issue = repo.issues.get(number)
        if issue is not None:
            return issue
        if number in repo.deleted:
            return ("gone", repo, number)
        hops = 0
        while number in repo.moved and hops < 100:  # follow transfer after transfer to the end
            target = self.repo_by_id(repo.moved[number][0])
            if target is None:
                return None
            repo, number, hops = target, repo.moved[number][1], hops + 1
        return ("moved", repo, number) if hops else None

    def transfer(self, full_key: str, new_repo: str, *, actor: str = "roadsync-bot",
                 create_labels: bool = False) -> Issue:
        """Transfer an issue to another repository of the owner (see the module docstring)."""
        with self.lock:
            issue = self.get(full_key)
            target = self.repo(new_repo)
            if issue is None or target is None:
                raise KeyError(full_key if issue is None else new_repo)
            source = self.repos[issue.repo]
            if target is source:
                raise StoreError(422, "Validation Failed")
            old_number, old_node = issue.number, issue.node_id
            self._detach(issue)
            issue.id = self.new_issue_id()
            issue.node_id = node_id("I", issue.id)
            issue.repo, issue.number = target.name, self.next_number(target)
            issue.parent, issue.sub_issues = None, []
            issue.labels = self._labels_in(target, issue.labels, create_labels)
            target.issues[issue.number] = issue
            self._by_id[issue.id] = issue
            self._by_node[issue.node_id] = issue
            source.moved[old_number] = (target.id, issue.number)
            self.rekey_item(old_node, issue)
            issue.updated_at = now_iso()
            bisect.insort(target.by_updated, (issue.updated_at, issue.number))
            self.event(issue, "transferred", actor, from_repository_id=source.id)
            target.version += 1
            return issue

    def _labels_in(self, target: Repo, names: list[str], create: bool) -> list[str]:
        kept = []
        for name in names:
            label = self.find_label(target, name) or (self.create_label(target, name) if create else None)
            if label is not None and label.name not in kept:
                kept.append(label.name)
        return kept

    def delete(self, full_key: str) -> None:
        """Delete an issue (as an admin does): gone from lists and boards; its number answers 410."""
        with self.lock:
            issue = self.get(full_key)
            if issue is None:
                raise KeyError(full_key)
            self._detach(issue)
            self.repos[issue.repo].deleted.add(issue.number)
            self.forget_item(issue)

    def _detach(self, issue: Issue) -> None:
        repo = self.repos[issue.repo]
        del repo.issues[issue.number]
        repo.by_updated.remove((issue.updated_at, issue.number))
        repo.version += 1
        if issue.parent is not None and issue.parent in repo.issues:
            repo.issues[issue.parent].sub_issues.remove(issue.number)
        for number in issue.sub_issues:
            if number in repo.issues:
                repo.issues[number].parent = None
        self._by_id.pop(issue.id, None)
        self._by_node.pop(issue.node_id, None)
