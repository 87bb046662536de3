"""GraphQL views of who did what: actors, labels, and an issue's label and transfer timeline.

``Issue.timelineItems(itemTypes: [LABELED_EVENT, UNLABELED_EVENT, TRANSFERRED_EVENT], since, first|last)``
answers ``LabeledEvent``/``UnlabeledEvent {actor, createdAt, label, labelable}`` and
``TransferredEvent {actor, createdAt, fromRepository, issue}`` from the same events the REST
endpoints serve [spec: the official schema's ``IssueTimelineItems``; research ownership.md G7, G9].
Other item types are not kept by the emulator and are left out (``filteredCount`` counts what is
answered). ``Repository.label(name:)`` is exact-case, unlike REST [community: git-bug#176].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from roadsync.sandbox.github.model import Event, Issue, Label, Repo, node_id

if TYPE_CHECKING:
    from roadsync.sandbox.github.graphql_views import GqlContext

__all__ = ["ActorView", "LabelView", "timeline"]

Info = GraphQLResolveInfo
TIMELINE_TYPES = {"labeled": ("LabeledEvent", "LABELED_EVENT"),
                  "unlabeled": ("UnlabeledEvent", "UNLABELED_EVENT"),
                  "transferred": ("TransferredEvent", "TRANSFERRED_EVENT")}


class ActorView:
    """``Actor``: a ``User`` or, for an App's ``<slug>[bot]``, a ``Bot``."""

    def __init__(self, ctx: GqlContext, login: str) -> None:
        self.typename = "Bot" if login.endswith("[bot]") else "User"
        self.login = login[: -len("[bot]")] if self.typename == "Bot" else login
        self.name = ctx.store.display_name(login)
        self.databaseId = 10_000 + sum(map(ord, login))
        self.id = node_id("BOT" if self.typename == "Bot" else "U", self.databaseId)
        self.url = f"{ctx.base}/{'apps/' + self.login if self.typename == 'Bot' else login}"


class LabelView:
    typename = "Label"

    def __init__(self, ctx: GqlContext, repo: Repo, label: Label) -> None:
        self.id, self.name, self.color = label.node_id, label.name, label.color
        self.description = label.description
        self.isDefault = label.default
        self.url = f"{ctx.base}/{repo.full_name}/labels/{label.name}"


class EventView:
    """One timeline item built from a stored :class:`Event`."""

    def __init__(self, ctx: GqlContext, issue: Issue, event: Event, labelable: Any) -> None:
        self.typename = TIMELINE_TYPES[event.event][0]
        self.id = node_id("LE" if event.label else "TE", event.id)
        self.createdAt = event.created_at
        self.actor = ActorView(ctx, event.actor)
        self.labelable = self.issue = labelable
        repo = ctx.store.repos[issue.repo]
        self.label = None
        if event.label is not None:
            found = ctx.store.find_label(repo, event.label[0])
            self.label = LabelView(ctx, repo, found) if found else _gone_label(ctx, repo, event.label)
        from roadsync.sandbox.github.graphql_views import RepoView

        source = ctx.store.repo_by_id(event.extra.get("from_repository_id", -1))
        self.fromRepository = RepoView(ctx, source) if source and ctx.can_read(source) else None


def _gone_label(ctx: GqlContext, repo: Repo, label: tuple[str, str]) -> LabelView:
    return LabelView(ctx, repo, Label(0, node_id("LA", 0), label[0], label[1]))


def timeline(ctx: GqlContext, issue: Issue, labelable: Any, item_types: list[str] | None,
             since: str | None) -> list[EventView]:
    """The kept timeline items of ``issue``, oldest first, filtered by type and ``since``."""
    wanted = set(item_types or [name for _, name in TIMELINE_TYPES.values()])
    return [EventView(ctx, issue, e, labelable) for e in issue.events
            if e.event in TIMELINE_TYPES and TIMELINE_TYPES[e.event][1] in wanted
            and (since is None or e.created_at >= _normal(since))]


def _normal(moment: str) -> str:
    return moment.replace("+00:00", "Z").split(".")[0].rstrip("Z") + "Z"
