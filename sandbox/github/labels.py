"""Repository labels and labels on issues, as GitHub keeps them (a mixin of the GitHub store).

* **Names are case-insensitive and unique per repository.** Looking a name up, adding it to an
  issue, removing it from one and renaming it all match ``name.lower()``; adding ``theme/checkout``
  where ``Theme/Checkout`` exists attaches the existing label, and every answer shows the stored case
  [research github.md §4: GitHub's API server matches ``name.downcase`` and attaches the existing
  record; community: git-bug#176, intuit/auto#548 ("Name has already been taken")].
* **A rename keeps the label** (same id), so a label renamed to another case keeps its issues
  [research github.md §4, ``PATCH /repos/{o}/{r}/labels/{name}`` with ``new_name``].
* **At most 50 characters per name, 100 per description.** Creating a longer one answers 422 with
  ``code: custom`` and "name is too long (maximum is 50 characters)" [community: github/docs#32156,
  a real curl]; adding an unknown longer name to an issue (which would create it) answers 422 with
  ``code: invalid`` and the ``value`` [community: semantic-release/github#518]. Nothing changes
  when any name of a request is refused.
* Adding a name the repository lacks creates the label (colour ``ededed``) [research github.md §4].
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from roadsync.sandbox.github.model import Issue, Label, Repo, node_id

__all__ = ["DESCRIPTION_MAX", "LABEL_DOCS", "LABEL_NAME_MAX", "LabelBook", "StoreError"]

LABEL_NAME_MAX = 50
DESCRIPTION_MAX = 100
LABEL_DOCS = "https://docs.github.com/rest/issues/labels"


class StoreError(Exception):
    """A request the store refuses; ``status``, ``message`` (and ``errors``, ``docs``) are GitHub's answer."""

    def __init__(self, status: int, message: str, *, errors: list[dict[str, Any]] | None = None,
                 docs: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.docs = docs


def too_long(field: str, limit: int, docs_anchor: str) -> StoreError:
    """GitHub's 422 for a label name or description over its limit (``code: custom``)."""
    return StoreError(422, "Validation Failed", docs=f"{LABEL_DOCS}#{docs_anchor}", errors=[
        {"resource": "Label", "code": "custom", "field": field,
         "message": f"{field} is too long (maximum is {limit} characters)"}])


def check_label_text(name: str, description: str | None, docs_anchor: str) -> None:
    if len(name) > LABEL_NAME_MAX:
        raise too_long("name", LABEL_NAME_MAX, docs_anchor)
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise too_long("description", DESCRIPTION_MAX, docs_anchor)


class LabelBook:
    """Label state and operations (mixed into the store; every method runs under its lock)."""

    lock: threading.RLock
    repos: dict[str, Repo]

    if TYPE_CHECKING:  # provided by the store
        def _next(self) -> int: ...

        def event(self, issue: Issue, kind: str, actor: str, label: Label | None = None,
                  **extra: Any) -> None: ...

        def touch(self, issue: Issue) -> None: ...

    def create_label(
        self, repo: Repo, name: str, color: str = "ededed", description: str | None = None
    ) -> Label:
        """A new repository label; 422 when the name exists (any case) or is too long."""
        with self.lock:
            check_label_text(name, description, "create-a-label")
            if self.find_label(repo, name):
                raise StoreError(422, "Validation Failed", docs=f"{LABEL_DOCS}#create-a-label",
                                 errors=[{"resource": "Label", "code": "already_exists", "field": "name"}])
            lid = 9_000_000 + self._next()
            label = Label(lid, node_id("LA", lid), name, color.lstrip("#").lower(), description)
            repo.labels[name] = label
            return label

    def find_label(self, repo: Repo, name: str) -> Label | None:
        """The label named ``name`` in any case, or None."""
        return repo.labels.get(name) or next(
            (lab for lab in repo.labels.values() if lab.name.lower() == name.lower()), None
        )

    def ensure_label(self, repo: Repo, name: str) -> Label:
        """The label named ``name``, created (grey) when missing, as adding it to an issue does."""
        found = self.find_label(repo, name)
        if found is not None:
            return found
        if len(name) > LABEL_NAME_MAX:
            raise StoreError(422, "Validation Failed", docs=f"{LABEL_DOCS}#add-labels-to-an-issue", errors=[
                {"value": name, "resource": "Label", "field": "name", "code": "invalid"}])
        return self.create_label(repo, name)

    def check_addable(self, repo: Repo, names: Iterable[str]) -> None:
        """Refuse (422, nothing changed) when any unknown name of a request is too long."""
        for name in names:
            if self.find_label(repo, name) is None and len(name) > LABEL_NAME_MAX:
                self.ensure_label(repo, name)

    def add_labels(self, issue: Issue, names: Iterable[str], actor: str, *, touch: bool = True) -> bool:
        with self.lock:
            repo = self.repos[issue.repo]
            names = list(names)
            self.check_addable(repo, names)
            changed = False
            for name in names:
                label = self.ensure_label(repo, name)
                if label.name not in issue.labels:
                    issue.labels.append(label.name)
                    self.event(issue, "labeled", actor, label)
                    changed = True
            if changed and touch:
                self.touch(issue)
            return changed

    def remove_label(self, issue: Issue, name: str, actor: str, *, touch: bool = True) -> bool:
        """Take one label off (any case); False when it was not on the issue."""
        with self.lock:
            repo = self.repos[issue.repo]
            label = self.find_label(repo, name)
            if label is None or label.name not in issue.labels:
                return False
            issue.labels.remove(label.name)
            self.event(issue, "unlabeled", actor, label)
            if touch:
                self.touch(issue)
            return True

    def set_labels(self, issue: Issue, names: Sequence[str], actor: str, *, touch: bool = True) -> bool:
        with self.lock:
            repo = self.repos[issue.repo]
            self.check_addable(repo, names)
            keep = {self.ensure_label(repo, n).name for n in names}
            changed = False
            for name in [n for n in issue.labels if n not in keep]:
                changed |= self.remove_label(issue, name, actor, touch=False)
            changed |= self.add_labels(issue, names, actor, touch=False)
            if changed and touch:
                self.touch(issue)
            return changed

    def delete_label(self, repo: Repo, label: Label) -> None:
        with self.lock:
            del repo.labels[label.name]
            for issue in repo.issues.values():
                if label.name in issue.labels:
                    issue.labels.remove(label.name)
            repo.version += 1

    def rename_label(self, repo: Repo, label: Label, new_name: str) -> None:
        """Rename in place (same id): every issue carrying it shows the new name."""
        with self.lock:
            check_label_text(new_name, None, "update-a-label")
            del repo.labels[label.name]
            for issue in repo.issues.values():
                issue.labels = [new_name if n == label.name else n for n in issue.labels]
            label.name = new_name
            repo.labels[new_name] = label
            repo.version += 1
