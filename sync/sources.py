"""The table of trackers, and their readers and writers built from the settings.

Kept apart from :mod:`roadsync.sync.pull` (which decides *what* to read: cursors, full refreshes) so
that the connector wiring -- tokens, TLS, retry policy, the mirror's ETags -- has one home.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qs, urlsplit

from roadsync.config.model import FieldTarget, SettingsModel
from roadsync.connectors.contracts import Reader, Writer
from roadsync.connectors.model import Item, Mark
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import TrackerError
from roadsync.logs import event
from roadsync.sync.fields import field_targets
from roadsync.sync.mirror import Mirror
from roadsync.sync.ownership import LAG_BOUND, Unasked
from roadsync.sync.readbasis import parsed
from roadsync.sync.state import State
from roadsync.targets import kind_of

if TYPE_CHECKING:
    from roadsync.config.load import Settings

A = TypeVar("A")
R = TypeVar("R")

__all__ = [
    "TRACKERS",
    "IncrementalEtags",
    "Tracker",
    "asking_evidence",
    "build_readers",
    "build_writers",
    "close_all",
    "each_tracker",
    "managed_targets",
    "read_bases",
    "unconfigured",
]


def managed_targets(settings: Settings, source: str) -> dict[str, FieldTarget]:
    """Managed field name -> its target in ``source`` (``jira`` or ``github``), where configured."""
    return {name: target for name, _, target in field_targets(settings.model.fields, source)}


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(scale=settings.model.run.retry_scale)


@dataclass(frozen=True)
class Tracker:
    """One tracker roadsync talks to: where its config section is and how its connectors are built.

    :data:`TRACKERS` is the one table of trackers; pull, apply and the mirror's clean-up go
    through it, so a tracker is added here and in its connector package, nowhere else.
    """

    name: str
    section: Callable[[SettingsModel], object | None]
    reader: Callable[[Settings, Mirror], Reader]
    writer: Callable[[Settings], Writer]
    basis: Callable[[Settings], dict[str, object]]
    """What every item read from this tracker contains, as the config decides it (fields and
    properties requested, the board fields read, the filters): :func:`read_bases`."""
    shared: Callable[[SettingsModel], bool] = lambda _model: False
    """Whether the config says roadsync's account here is also a person's (``shared_account``)."""
    confirms_marks: bool = False
    """Whether the tracker's history records every change of a marked field with its author, so a
    marker saying "roadsync wrote this" is confirmed from that history before it is written over
    (a person may have set the same value since: design.md, "after roadsync's last write")."""

    def configured(self, settings: Settings) -> bool:
        return self.section(settings.model) is not None


def _jira_reader(settings: Settings, mirror: Mirror) -> Reader:
    from roadsync.connectors.jira.reader import JiraReader

    config = settings.model.jira
    assert config is not None  # only built for a configured tracker
    return JiraReader(
        config,
        settings.jira_token(),
        verify=settings.tls_verify(),
        retry=retry_policy(settings),
        managed_fields=_managed_jira_fields(settings),
        remote_links=config.remote_links,
        known_links=mirror.known_links if _links_read(mirror) else None,
        marked=list(managed_targets(settings, "jira")),
        recent_writes=lambda: State(mirror.conn).recent("jira", LAG_BOUND),
    )


def _links_read(mirror: Mirror) -> bool:
    """Whether the remote links the mirror holds for Jira issues were read (every scope's last full
    read asked for them, or recorded no basis, as before bases were kept): only then does an
    unchanged issue reuse them. Turning ``remote_links`` on must read every issue's links once."""
    bases = [parsed(stored) for stored in mirror.bases("jira").values() if stored]
    return all(basis is not None and basis.get("remote links") is True for basis in bases)


def _github_reader(settings: Settings, mirror: Mirror) -> Reader:
    from roadsync.connectors.github.reader import GithubReader

    config = settings.model.github
    assert config is not None  # only built for a configured tracker
    return GithubReader(
        config,
        settings.github_credentials(),
        verify=settings.tls_verify(),
        retry=retry_policy(settings),
        etags=IncrementalEtags(mirror),
        previous=mirror.get,
        budget_reserve=settings.model.run.budget_reserve,
        board_fields=_board_fields(settings),
        types_managed=_types_managed(settings),
    )


def _types_managed(settings: Settings) -> bool:
    """Whether a managed field lives in GitHub's issue type (re-reads then fetch each issue's type)."""
    return any(t.target == "issue_type" for t in managed_targets(settings, "github").values())


def _board_fields(settings: Settings) -> dict[str, str]:
    """Managed fields that live on the Projects v2 board: name -> the board field's name."""
    targets = managed_targets(settings, "github")
    return {name: t.field or name for name, t in targets.items() if t.target == "project"}


def _jira_writer(settings: Settings) -> Writer:
    from roadsync.connectors.jira.writer import JiraWriter

    config = settings.model.jira
    assert config is not None  # only built for a configured tracker
    targets = managed_targets(settings, "jira")
    return JiraWriter(
        config, settings.jira_token(), targets, verify=settings.tls_verify(), retry=retry_policy(settings),
        bulk=config.bulk_edit,  # Cloud bulk edit where the token may use it (connectors/jira/bulk.py)
    )  # fmt: skip


def _github_writer(settings: Settings) -> Writer:
    from roadsync.connectors.github.writer import GithubWriter

    config = settings.model.github
    assert config is not None  # only built for a configured tracker
    return GithubWriter(
        config,
        settings.github_credentials(),
        managed_targets(settings, "github"),
        verify=settings.tls_verify(),
        retry=retry_policy(settings),
        budget_reserve=settings.model.run.budget_reserve,
    )


def _jira_basis(settings: Settings) -> dict[str, object]:
    """What a Jira read asks for beyond its fixed fields (``BASE_FIELDS`` of the reader: priority,
    labels and components whatever the targets): the custom fields, the issue properties
    (ownership markers, by managed field), the JQL and the site."""
    config = settings.model.jira
    assert config is not None  # only for a configured tracker
    return {
        "site": config.url, "flavor": config.flavor, "api_version": config.api_version,
        "custom fields": sorted(_managed_jira_fields(settings)), "estimate field": config.estimate_field,
        "epic link field": config.epic_link_field,
        "issue properties": sorted(managed_targets(settings, "jira")),
        "jql": config.jql, "sub-tasks": config.include_subtasks, "remote links": config.remote_links,
    }  # fmt: skip


def _github_basis(settings: Settings) -> dict[str, object]:
    """What a GitHub read asks for beyond an issue's own fields (labels and type come with every
    issue): the board and which of its fields carry managed values and marks, the filters, the
    estimate field and the key pattern links are found with."""
    config = settings.model.github
    assert config is not None  # only for a configured tracker
    board = config.project
    return {
        "site": config.url, "state": config.state, "labels": sorted(config.labels),
        "pull requests": config.include_pull_requests, "estimate field": config.estimate_field,
        "key pattern": config.key_pattern,
        "board": None if board is None else f"{board.owner_type} {board.owner} #{board.number}",
        "board fields": _board_fields(settings) if board else {},
        "board marker field": board.marker_field if board else None,
        "issue types": _types_managed(settings),
    }  # fmt: skip


def read_bases(settings: Settings) -> dict[str, dict[str, object]]:
    """Per configured tracker, what its reads must contain under ``settings``. The mirror keeps
    the basis each scope was last read in full with; a scope whose basis differs is read in full
    again (:func:`roadsync.sync.readbasis.basis_change`), since copies read without a field hold no
    value for it rather than the tracker's."""
    return {tracker.name: tracker.basis(settings) for tracker in TRACKERS if tracker.configured(settings)}


TRACKERS: tuple[Tracker, ...] = (
    Tracker(
        "jira", lambda model: model.jira, _jira_reader, _jira_writer, _jira_basis,
        shared=lambda model: bool(model.jira and model.jira.shared_account),
        confirms_marks=True,  # the changelog: every field change with its author
    ),
    Tracker(
        "github", lambda model: model.github, _github_reader, _github_writer, _github_basis,
        shared=lambda model: bool(model.github and model.github.shared_account),
    ),  # board values keep no history: the marker's updatedAt stands alone
)  # fmt: skip


def build_readers(settings: Settings, mirror: Mirror) -> list[Reader]:
    """One reader per configured tracker, built from the settings (tokens are read here)."""
    return [tracker.reader(settings, mirror) for tracker in TRACKERS if tracker.configured(settings)]


def unconfigured(settings: Settings) -> list[str]:
    """Trackers the config has no section for (the mirror drops what it holds of them)."""
    return [tracker.name for tracker in TRACKERS if not tracker.configured(settings)]


class IncrementalEtags:
    """The mirror's ETags as the GitHub reader's store, for incremental listings only.

    A 304 makes the reader yield nothing for the scope. On a full refresh (a listing without
    ``since``) that would look like "every item is gone" and empty the scope, so full listings
    never send a stored ETag: a full refresh always re-reads the scope.
    """

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror

    def get(self, url: str) -> str | None:
        return self.mirror.etag(url) if _incremental(url) else None

    def set(self, url: str, etag: str) -> None:
        if _incremental(url):
            self.mirror.set_etag(url, etag)


def _incremental(url: str) -> bool:
    return "since" in parse_qs(urlsplit(url).query)


def _managed_jira_fields(settings: Settings) -> list[str]:
    """Names of the Jira custom fields that managed fields live in (the reader resolves their ids)."""
    targets = managed_targets(settings, "jira").values()
    return [name for t in targets if (name := kind_of(t).jira_read_field(t))]


def asking_evidence(
    settings: Settings,
    readers: Mapping[str, Reader],
    wanted: Sequence[tuple[Item, str]],
    failures: dict[str, str] | None = None,
) -> dict[tuple[str, str], Mark | Unasked | None]:
    """Ask each tracker's reader for the ownership evidence of the ``wanted`` fields.

    A field the reader leaves out is :attr:`Unasked.UNAVAILABLE` (the tracker holds nothing
    roadsync can trust). A tracker that cannot be read now answers nothing (logged, and its
    one-line error put in ``failures`` by tracker): its fields stay unanswered, so the planner
    treats their values as people's and writes none of them, and the run must not claim it is done.
    """
    asking: dict[str, list[tuple[Item, str, FieldTarget]]] = {}
    for source in readers:
        targets = managed_targets(settings, source)
        asked = [(item, name, targets[name]) for item, name in wanted
                 if item.source == source and name in targets]  # fmt: skip
        if asked:
            asking[source] = asked
    answers: dict[tuple[str, str], Mark | Unasked | None] = {}
    for source, found in each_tracker(readers, asking, lambda reader, asked: reader.evidence(asked)).items():
        asked = asking[source]
        if isinstance(found, TrackerError):
            event("ownership.evidence", logging.WARNING, source=source, asked=len(asked),
                  error=found.one_line())  # fmt: skip
            if failures is not None:
                failures[source] = found.one_line()
            continue
        answers.update({(item.key, name): found.get((item.key, name), Unasked.UNAVAILABLE)
                        for item, name, _ in asked})  # fmt: skip
    return answers


def each_tracker(
    readers: Mapping[str, Reader], asking: Mapping[str, A], ask: Callable[[Reader, A], R]
) -> dict[str, R | TrackerError]:
    """``ask(reader, asking[source])`` of every tracker in ``asking``, the trackers at the same time
    (they are independent, so the reads of one need not wait for the other's), each reader on one
    thread; the answers (or the TrackerError a tracker raised) by tracker, in ``asking``'s order.
    Any other exception is raised once every tracker has answered."""
    def one(source: str) -> R | TrackerError:
        try:
            return ask(readers[source], asking[source])
        except TrackerError as exc:
            return exc

    if len(asking) < 2:
        return {source: one(source) for source in asking}
    with ThreadPoolExecutor(max_workers=len(asking), thread_name_prefix="roadsync-ask") as pool:
        futures = {source: pool.submit(one, source) for source in asking}
        return {source: future.result() for source, future in futures.items()}


def build_writers(settings: Settings) -> dict[str, Writer]:
    """One writer per configured tracker, with the same TLS, retry and budget settings as reads."""
    return {tracker.name: tracker.writer(settings) for tracker in TRACKERS if tracker.configured(settings)}


def close_all(connections: Iterable[Reader | Writer]) -> None:
    """Close the HTTP sessions of readers or writers."""
    for connection in connections:
        connection.close()
