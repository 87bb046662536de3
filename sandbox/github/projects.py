"""Projects v2 boards of the GitHub emulator: fields, single-select options, items and their values.

A mixin of :class:`~roadsync.sandbox.github.store.GithubStore`; every method runs under the
store's lock. Values are kept per field id; single-select values are option ids, as GitHub keeps them.
Each value keeps its record (:class:`~roadsync.sandbox.github.model.ValueMeta`: ``createdAt``,
``updatedAt``, ``creator``) and each item its ``creator``, as the GraphQL schema exposes them; a
change moves the item's ``updatedAt`` [community: orgs/community discussion #209484, "The item's
Status value and its updatedAt still update"].
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from roadsync.sandbox.github.model import (
    Issue,
    Project,
    ProjectField,
    ProjectItem,
    ValueMeta,
    node_id,
    now_iso,
    option_id,
)

if TYPE_CHECKING:
    from roadsync.sandbox.fixture import ProjectFixture

__all__ = ["SEED_ACTOR", "ProjectBoard"]

SEED_ACTOR = "octocat"  # who made a fixture's board items and values
FIELD_TYPES = {"single_select": "SINGLE_SELECT", "text": "TEXT", "number": "NUMBER", "date": "DATE",
               "iteration": "ITERATION"}
FIELD_PREFIX = {"SINGLE_SELECT": "PVTSSF", "ITERATION": "PVTIF"}


class ProjectBoard:
    """Projects v2 state and operations (mixed into the store)."""

    lock: threading.RLock
    owner: str
    rest_project_items = True
    """Whether the REST list of board items is served; False plays GitHub Enterprise Server
    without the REST Projects API (the list answers 404)."""
    projects: list[Project]
    user_login: str

    def get(self, full_key: str) -> Issue | None:  # provided by the store
        raise NotImplementedError

    def _next(self) -> int:  # provided by the store
        raise NotImplementedError

    def seed_project(self, fx: ProjectFixture) -> Project:
        """A board from a fixture; a built-in ``Title`` field comes first, as on GitHub.

        Seeded items and values are the organization's own, made before the story starts: their
        ``creator`` is :data:`SEED_ACTOR` (neither roadsync nor a listed person) and they leave no
        change record.
        """
        with self.lock:
            pid = 400 + len(self.projects) + 1
            project = Project(node_id("PVT", pid), fx.get("number", 1), fx.get("title", "Roadmap"),
                              fx.get("owner", self.owner), pid)
            self.projects.append(project)
            self.add_field(project, "Title", "TITLE")
            for field_fx in fx.get("fields", []):
                self.add_field(project, field_fx["name"], FIELD_TYPES[field_fx.get("type", "text")],
                               field_fx.get("options", []))
            for item_fx in fx.get("items", []):
                issue = self.get(item_fx["issue"])
                if issue is None:
                    raise KeyError(item_fx["issue"])
                item, _ = self.add_item(project, issue, SEED_ACTOR)
                for name, value in item_fx.get("values", {}).items():
                    self._set_by_name(project, item, name, value, SEED_ACTOR)
                item.history.clear()
                if "updated_at" in item_fx:
                    self._date(item, item_fx["updated_at"])
            return project

    def _date(self, item: ProjectItem, stamp: str) -> None:
        """Date a seeded item and its values at ``stamp`` (a board left alone since then)."""
        item.created_at = item.updated_at = stamp
        for meta in item.meta.values():
            meta.created_at = meta.updated_at = stamp

    def add_field(
        self, project: Project, name: str, data_type: str, options: Sequence[str] = ()
    ) -> ProjectField:
        with self.lock:
            fid = node_id(FIELD_PREFIX.get(data_type, "PVTF"), 600 + self._next())
            field = ProjectField(fid, name, data_type)
            field.options = [(option_id(fid, o), o) for o in options]
            project.fields.append(field)
            return field

    def project(self, owner: str, number: int) -> Project | None:
        with self.lock:
            return next((p for p in self.projects
                         if p.owner.lower() == owner.lower() and p.number == number), None)

    def project_by_id(self, pid: str) -> Project | None:
        return next((p for p in self.projects if p.id == pid), None)

    def item_by_id(self, project: Project, item_id: str) -> ProjectItem | None:
        return next((i for i in project.items if i.id == item_id), None)

    def add_item(self, project: Project, issue: Issue, actor: str | None = None) -> tuple[ProjectItem, bool]:
        """The board item of ``issue``, added by ``actor`` when missing; the flag: whether it was added."""
        with self.lock:
            existing = project.by_issue.get(issue.node_id)
            if existing is not None:
                return existing, False
            dbid = 80_000 + self._next()
            now = now_iso()
            item = ProjectItem(node_id("PVTI", dbid), dbid, issue, created_at=now, updated_at=now,
                               creator=actor or self.user_login)
            project.items.append(item)
            project.by_issue[issue.node_id] = item
            return item, True

    def set_value(self, project: Project, item: ProjectItem, field: ProjectField, value: Any,
                  actor: str | None = None) -> bool:
        """Set (``value`` not None) or clear a field value as ``actor``; True when it changed."""
        with self.lock:
            if item.values.get(field.id) == value:
                return False
            now = now_iso()
            if value is None:
                item.values.pop(field.id, None)
                item.meta.pop(field.id, None)
            else:
                item.values[field.id] = value
                meta = item.meta.get(field.id)
                if meta is None:
                    item.meta[field.id] = ValueMeta(now, now, actor or self.user_login)
                else:
                    meta.updated_at = now
            item.updated_at = project.updated_at = now
            item.history.append((field.id, value, actor or self.user_login, now))
            return True

    def value_meta(self, item: ProjectItem, field_id: str) -> ValueMeta:
        """The record of an item's value (seeded values: the item's own times and creator)."""
        return item.meta.get(field_id) or ValueMeta(item.created_at, item.updated_at, item.creator)

    def _set_by_name(self, project: Project, item: ProjectItem, name: str, value: Any,
                     actor: str | None = None) -> bool:
        field = project.field_by_name(name)
        if field is None:
            raise KeyError(name)
        if field.data_type == "SINGLE_SELECT" and value is not None:
            oid = field.option_by_name(str(value))
            if oid is None:
                raise KeyError(f"{name}={value}")
            value = oid
        elif field.data_type == "NUMBER" and value is not None:
            value = float(value)
        return self.set_value(project, item, field, value, actor)

    def set_value_by_name(self, issue: Issue, name: str, value: Any, actor: str | None = None) -> bool:
        """Set a field of the issue's item on the first board (added when missing), by names, as ``actor``."""
        with self.lock:
            project = self.projects[0]
            item, _ = self.add_item(project, issue, actor)
            return self._set_by_name(project, item, name, value, actor)

    def forget_item(self, issue: Issue) -> None:
        """Drop the issue's items from every board (it was deleted)."""
        with self.lock:
            for project in self.projects:
                item = project.by_issue.pop(issue.node_id, None)
                if item is not None:
                    project.items.remove(item)

    def rekey_item(self, old_node_id: str, issue: Issue) -> None:
        """Keep the issue's board items after its node id changed (a transfer)."""
        with self.lock:
            for project in self.projects:
                item = project.by_issue.pop(old_node_id, None)
                if item is not None:
                    project.by_issue[issue.node_id] = item
