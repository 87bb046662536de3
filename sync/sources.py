"""Where pulls read from: one reader per configured source, built from the settings.

Kept apart from :mod:`roadsync.sync.pull` (which decides *what* to read: cursors, full refreshes) so
that the connector wiring -- tokens, TLS, retry policy, the mirror's ETags -- has one home.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from roadsync.config.model import FieldTarget
from roadsync.connectors.retry import RetryPolicy
from roadsync.sync.fields import field_targets
from roadsync.sync.mirror import Mirror

if TYPE_CHECKING:
    from roadsync.config.load import Settings
    from roadsync.sync.apply import Writer
    from roadsync.sync.pull import Reader

__all__ = ["IncrementalEtags", "build_readers", "build_writers", "close_all", "managed_targets"]


def managed_targets(settings: Settings, source: str) -> dict[str, FieldTarget]:
    """Managed field name -> its target in ``source`` (``jira`` or ``github``), where configured."""
    return {name: target for name, _, target in field_targets(settings.model.fields, source)}


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(scale=settings.model.run.retry_scale)


def build_readers(settings: Settings, mirror: Mirror) -> list[Reader]:
    """One reader per configured source, built from the settings (tokens are read here)."""
    from roadsync.connectors.github.reader import GithubReader
    from roadsync.connectors.jira.reader import JiraReader

    run = settings.model.run
    verify = settings.tls_verify()
    retry = retry_policy(settings)
    readers: list[Reader] = []
    if settings.model.jira is not None:
        jira = JiraReader(
            settings.model.jira,
            settings.jira_token(),
            verify=verify,
            retry=retry,
            managed_fields=_managed_jira_fields(settings),
            remote_links=settings.model.jira.remote_links,
            known_links=mirror.known_links,
        )
        readers.append(jira)
    if settings.model.github is not None:
        github = GithubReader(
            settings.model.github,
            settings.github_token(),
            verify=verify,
            retry=retry,
            etags=IncrementalEtags(mirror),
            previous=mirror.get,
            budget_reserve=run.budget_reserve,
        )
        readers.append(github)
    return readers


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
    return [t.field for t in managed_targets(settings, "jira").values() if t.target == "field" and t.field]


def build_writers(settings: Settings) -> dict[str, Writer]:
    """One writer per configured tracker, with the same TLS, retry and budget settings as reads."""
    writers: dict[str, Writer] = {}
    model = settings.model
    verify = settings.tls_verify()
    retry = retry_policy(settings)
    if model.jira is not None:
        from roadsync.connectors.jira.writer import JiraWriter

        writers["jira"] = JiraWriter(
            model.jira, settings.jira_token(), managed_targets(settings, "jira"), verify=verify, retry=retry
        )
    if model.github is not None:
        from roadsync.connectors.github.writer import GithubWriter

        writers["github"] = GithubWriter(
            model.github,
            settings.github_token(),
            managed_targets(settings, "github"),
            verify=verify,
            retry=retry,
            budget_reserve=model.run.budget_reserve,
        )
    return writers


def close_all(connections: Iterable[object]) -> None:
    """Close the HTTP sessions of readers or writers (those that have ``close``)."""
    for connection in connections:
        close = getattr(connection, "close", None)
        if callable(close):
            close()
