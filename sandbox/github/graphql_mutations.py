"""The mutations the GitHub emulator serves: Projects v2 items and values, labels, transfers, deletes.

Each runs as the token's account (``GqlContext.actor``) with the permission GitHub asks for:
labels need triage [docs: repository roles, "Apply/dismiss labels"], a transfer needs write access to
both repositories [docs: github/docs ``…/transferring-an-issue-to-another-repository.md``], a delete
needs admin [docs: ``…/deleting-an-issue.md``]; below it, ``FORBIDDEN`` "<login> does not have the
correct permissions to execute `<Mutation>`". Unknown ids answer ``NOT_FOUND`` "Could not resolve to
a node with the global id of '…'" [community: many recorded fixtures; research github.md §2].
"""

from __future__ import annotations

import re
from typing import Any

from roadsync.sandbox.github.graphql_history import LabelView
from roadsync.sandbox.github.graphql_views import (
    FieldView,
    GqlContext,
    GqlError,
    Info,
    IssueView,
    ItemView,
    RepoView,
)
from roadsync.sandbox.github.labels import StoreError

__all__ = ["MutationRoot", "label_by_node"]


class MutationRoot:
    def __init__(self, ctx: GqlContext) -> None:
        self.ctx = ctx

    def _project(self, pid: str) -> Any:
        self.ctx.check_projects("addProjectV2ItemById")
        project = self.ctx.store.project_by_id(pid)
        if project is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{pid}'")
        return project

    def _item(self, project: Any, item_id: str) -> Any:
        item = self.ctx.store.item_by_id(project, item_id)
        if item is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{item_id}'")
        return item

    def _field(self, project: Any, field_id: str) -> Any:
        pfield = project.field_by_id(field_id)
        if pfield is None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{field_id}'")
        return pfield

    def createProjectV2Field(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        """A new field on the board [spec: ``Mutation.createProjectV2Field`` in GitHub's GraphQL schema;
        docs: "Using the API to manage Projects", https://docs.github.com/en/issues/planning-and-tracking-
        with-projects/automating-your-project/using-the-api-to-manage-projects]. A single select needs
        at least one option (the input's own description: "At least one value is required if data_type
        is SINGLE_SELECT"); a name already on the board is refused, as the Projects UI refuses it
        (the wording of GitHub's message is unverified)."""
        project = self._project(input["projectId"])
        name, data_type = str(input["name"]).strip(), str(input["dataType"])
        options = [str(o["name"]) for o in input.get("singleSelectOptions") or ()]
        if not name or project.field_by_name(name) is not None:
            raise GqlError("UNPROCESSABLE", "Name has already been taken" if name else "Name can't be blank")
        if data_type == "SINGLE_SELECT" and not options:
            raise GqlError("UNPROCESSABLE", "At least one option is required for a single select field")
        pfield = self.ctx.store.add_field(project, name, data_type, options)
        self.ctx.changed = True
        return {"clientMutationId": input.get("clientMutationId"),
                "projectV2Field": FieldView(self.ctx, project, pfield)}

    def addProjectV2ItemById(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        issue = self.ctx.store.issue_by_node(input["contentId"])
        if issue is None or not self.ctx.can_read(self.ctx.store.repos[issue.repo]):
            content = input["contentId"]
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{content}'")
        item, added = self.ctx.store.add_item(project, issue, self.ctx.actor)
        self.ctx.changed |= added
        return {"clientMutationId": input.get("clientMutationId"), "item": ItemView(self.ctx, project, item)}

    def updateProjectV2ItemFieldValue(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        item = self._item(project, input["itemId"])
        pfield = self._field(project, input["fieldId"])
        value = _field_value(pfield, input["value"])
        self.ctx.changed |= self.ctx.store.set_value(project, item, pfield, value, self.ctx.actor)
        return {"clientMutationId": input.get("clientMutationId"),
                "projectV2Item": ItemView(self.ctx, project, item)}

    def clearProjectV2ItemFieldValue(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        item = self._item(project, input["itemId"])
        pfield = self._field(project, input["fieldId"])
        self.ctx.changed |= self.ctx.store.set_value(project, item, pfield, None, self.ctx.actor)
        return {"clientMutationId": input.get("clientMutationId"),
                "projectV2Item": ItemView(self.ctx, project, item)}

    def deleteProjectV2Item(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project(input["projectId"])
        item = self._item(project, input["itemId"])
        project.items.remove(item)
        del project.by_issue[item.issue.node_id]
        self.ctx.changed = True
        return {"clientMutationId": input.get("clientMutationId"), "deletedItemId": item.id}

    def _issue(self, nid: str, mutation: str, role: str) -> Any:
        issue = self.ctx.store.issue_by_node(nid)
        if issue is None or not self.ctx.can_read(self.ctx.store.repos[issue.repo]):
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{nid}'")
        self._allowed(self.ctx.store.repos[issue.repo], mutation, role)
        return issue

    def _allowed(self, repo: Any, mutation: str, role: str) -> None:
        if self.ctx.grant is None or not self.ctx.grant.at_least(repo, role):
            raise GqlError("FORBIDDEN", f"{self.ctx.actor} does not have the correct permissions to execute "
                           f"`{mutation}`")

    def _labels(self, input: dict[str, Any], mutation: str) -> tuple[Any, list[Any]]:
        issue = self._issue(input["labelableId"], mutation, "triage")
        repo = self.ctx.store.repos[issue.repo]
        labels = [label_by_node(self.ctx, lid, repo) for lid in input["labelIds"]]
        missing = next((lid for lid, lab in zip(input["labelIds"], labels, strict=True) if lab is None), None)
        if missing is not None:
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{missing}'")
        return issue, [repo.labels[lab.name] for lab in labels if lab is not None]

    def addLabelsToLabelable(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        issue, labels = self._labels(input, "AddLabelsToLabelable")
        self.ctx.changed |= self.ctx.store.add_labels(issue, [lab.name for lab in labels], self.ctx.actor)
        return {"clientMutationId": input.get("clientMutationId"), "labelable": IssueView(self.ctx, issue)}

    def removeLabelsFromLabelable(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        issue, labels = self._labels(input, "RemoveLabelsFromLabelable")
        for label in labels:
            self.ctx.changed |= self.ctx.store.remove_label(issue, label.name, self.ctx.actor)
        return {"clientMutationId": input.get("clientMutationId"), "labelable": IssueView(self.ctx, issue)}

    def createLabel(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        """A new repository label; its payload's ``label`` has the new node id [spec: ``Mutation.createLabel``
        in GitHub's GraphQL schema; docs: https://docs.github.com/en/graphql/reference/mutations#createlabel;
        aliased several to a document, each answering ``label { id }`` (community code: sledgehammer999's
        ``LabelCreator``, labelcreator.cpp)]. Creating labels takes write access [docs: "Repository roles
        for an organization", "Create, edit, delete labels"], below it ``FORBIDDEN`` as for the other
        mutations. The store's rules hold as in REST (:mod:`.labels`): a name the repository already has,
        in any case, is refused, as REST's 422 ``already_exists`` "Name has already been taken"
        [research github.md §4]; here as the alias's ``UNPROCESSABLE`` error with that message (GitHub's
        GraphQL wording for it is unverified), as is a name over 50 characters or a colour that is not
        6 hex digits (REST: 422 ``invalid`` color)."""
        rid = str(input["repositoryId"])
        repo = next((r for r in self.ctx.store.repos.values() if r.node_id == rid), None)
        if repo is None or not self.ctx.can_read(repo):
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{rid}'")
        self._allowed(repo, "CreateLabel", "write")
        name, color = str(input["name"]), str(input["color"])
        if not name.strip():
            raise GqlError("UNPROCESSABLE", "Name can't be blank")
        if not _COLOR.match(color):
            raise GqlError("UNPROCESSABLE", "Color is invalid")
        if self.ctx.store.find_label(repo, name) is not None:
            raise GqlError("UNPROCESSABLE", "Name has already been taken")
        try:
            label = self.ctx.store.create_label(repo, name, color, input.get("description"))
        except StoreError as exc:
            detail = "; ".join(str(e.get("message") or e.get("code")) for e in exc.errors or ())
            raise GqlError("UNPROCESSABLE", detail or exc.message) from None
        self.ctx.changed = True
        return {"clientMutationId": input.get("clientMutationId"), "label": LabelView(self.ctx, repo, label)}

    def transferIssue(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        """Needs write access to both repositories [docs: transferring-an-issue-to-another-repository]."""
        issue = self._issue(input["issueId"], "TransferIssue", "write")
        target = next((r for r in self.ctx.store.repos.values() if r.node_id == input["repositoryId"]), None)
        if target is None or not self.ctx.can_read(target):
            rid = input["repositoryId"]
            raise GqlError("NOT_FOUND", f"Could not resolve to a node with the global id of '{rid}'")
        self._allowed(target, "TransferIssue", "write")
        key = f"{self.ctx.store.owner}/{issue.repo}#{issue.number}"
        moved = self.ctx.store.transfer(key, target.name, actor=self.ctx.actor,
                                        create_labels=bool(input.get("createLabelsIfMissing")))
        self.ctx.changed = True
        return {"clientMutationId": input.get("clientMutationId"), "issue": IssueView(self.ctx, moved)}

    def deleteIssue(self, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        """Admins only [docs: github/docs ``…/administering-issues/deleting-an-issue.md``]."""
        issue = self._issue(input["issueId"], "DeleteIssue", "admin")
        repo = self.ctx.store.repos[issue.repo]
        self.ctx.store.delete(f"{self.ctx.store.owner}/{issue.repo}#{issue.number}")
        self.ctx.changed = True
        return {"clientMutationId": input.get("clientMutationId"), "repository": RepoView(self.ctx, repo)}


_COLOR = re.compile(r"^[0-9a-fA-F]{6}$")
"""The input's own description: "A 6 character hex code, without the leading #"."""


def label_by_node(ctx: GqlContext, nid: str, repo: Any = None) -> LabelView | None:
    """The label with node id ``nid`` (in ``repo`` when given) that the token can read."""
    for candidate in [repo] if repo is not None else list(ctx.store.repos.values()):
        if not ctx.can_read(candidate):
            continue
        label = next((lab for lab in candidate.labels.values() if lab.node_id == nid), None)
        if label is not None:
            return LabelView(ctx, candidate, label)
    return None


def _field_value(pfield: Any, value: dict[str, Any]) -> Any:
    """The stored value for a ``ProjectV2FieldValue`` input, checked against the field's type."""
    given = {k: v for k, v in value.items() if v is not None}
    expected = {"TEXT": "text", "NUMBER": "number", "DATE": "date", "SINGLE_SELECT": "singleSelectOptionId",
                "ITERATION": "iterationId"}.get(pfield.data_type)
    if expected is None:
        raise GqlError("UNPROCESSABLE", f"The field of type {pfield.data_type} is currently not supported.")
    if list(given) != [expected]:
        raise GqlError("UNPROCESSABLE", f"Did not receive a {expected.replace('Id', ' id')} value to update "
                       f"a field of type {pfield.data_type.lower()}")
    if expected == "singleSelectOptionId" and pfield.option_name(given[expected]) is None:
        raise GqlError("UNPROCESSABLE", "The single select option Id does not belong to the field")
    return float(given[expected]) if expected == "number" else given[expected]
