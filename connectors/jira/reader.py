"""JiraReader: pull a project's issues and epics as Items, incrementally, paging by the API's rules.

Requests per pull of one project with N matching issues (``page`` = ``config.page_size``, at
most 100 on Cloud)::

    max(1, ceil(N / page))      search pages (Cloud: /search/jql + nextPageToken; DC: /search + startAt)
  + L                           remote-link lookups (GET issue/{key}/remotelink), see below
  + once per reader: 1 serverInfo (flavor "auto" only), 1 /field (when any custom field is needed),
    1 /myself (first incremental pull only: the user's time zone for JQL dates)

Ownership markers (:mod:`.marks`): on Cloud the search returns each issue's ``roadsync.<field>``
properties with it (``properties=``, no extra request), so every Item carries its marks; Data
Center's search cannot, so :meth:`JiraReader.evidence` reads them per issue for the fields whose
decision needs them (one ``GET /issue/{id}?properties=`` each). Issues roadsync wrote minutes ago
are named in Cloud's ``reconcileIssues`` (at most 50), so the search reads them fresh rather than
from its lagging index (developer.atlassian.com/cloud/jira/platform/search-and-reconcile).

Remote links (GitHub URLs -> Item.links) have no bulk endpoint and are not in search results, so
they cost one GET per issue. L is the number of returned issues whose links are not already
known: pass ``known_links(key, updated)`` (e.g. backed by the mirror) and an issue whose
``updated`` is unchanged reuses its recorded links; without it, every returned issue costs one
lookup (the first full pull pays N). ``remote_links=False`` turns lookups off (L = 0) and leaves
cross-tracker links to the GitHub side's key mentions.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from roadsync.config.model import JiraConfig
from roadsync.connectors.contracts import Applied, Evidence, Overwrite, Wanted
from roadsync.connectors.jira.client import JiraClient
from roadsync.connectors.jira.convert import FieldIds, Flavor, item_from_jira, links_from_remote_links
from roadsync.connectors.jira.history import ChangelogReader
from roadsync.connectors.jira.marks import mark_key, marks_from_properties
from roadsync.connectors.jira.site import FieldInfo
from roadsync.connectors.model import Item, Source
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import NotFoundError, RemoteRefused

__all__ = ["BASE_FIELDS", "CLOUD_MAX_PAGE", "JiraReader", "KnownLinks", "jql_for"]

BASE_FIELDS = (
    "summary",
    "description",
    "status",
    "issuetype",
    "priority",
    "labels",
    "components",
    "assignee",
    "parent",
    "created",
    "updated",
    "project",
)
CLOUD_MAX_PAGE = 100
"""/search/jql returns at most 100 issues per page when fields beyond ids are requested."""
EPIC_LINK_SCHEMA = "com.pyxis.greenhopper.jira:gh-epic-link"
UNKNOWN_ZONE_WIDENING = timedelta(hours=12)

KnownLinks = Callable[[str, str], "tuple[str, ...] | None"]
"""``(key, updated) -> links`` recorded for that issue at that ``updated`` time, or None."""
RECONCILE_MAX = 50
"""``reconcileIssues`` takes at most 50 issue ids (Jira Cloud v3 OpenAPI,
``searchAndReconsileIssuesUsingJql``)."""


def jql_for(project: str, since_local: str | None, extra: str | None, *, subtasks: bool = True) -> str:
    """The bounded JQL of one pull: project, optional ``updated >=`` minute, optional user filter."""
    parts = [f'project = "{project}"']
    if since_local:
        parts.append(f'updated >= "{since_local}"')
    if not subtasks:
        parts.append("issuetype not in subTaskIssueTypes()")
    if extra:
        parts.append(f"({extra})")
    return " AND ".join(parts) + " ORDER BY updated ASC, key ASC"


class JiraReader:
    """Reads Items from Jira projects (``config.projects``) through the jira library's session."""

    source: Source = "jira"

    def __init__(
        self,
        config: JiraConfig,
        token: str,
        *,
        verify: bool | str = True,
        managed_fields: Sequence[str] = (),
        retry: RetryPolicy | None = None,
        remote_links: bool = True,
        known_links: KnownLinks | None = None,
        marked: Sequence[str] = (),
        recent_writes: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self.config = config
        self.managed_fields = tuple(dict.fromkeys(managed_fields))
        self.marked = tuple(marked)
        self.recent_writes = recent_writes
        self.remote_links = remote_links
        self.known_links = known_links
        self._connect: Callable[[], JiraClient] = partial(
            JiraClient, config, token, verify=verify, retry=retry
        )
        self._client: JiraClient | None = None
        self._history: ChangelogReader | None = None
        self._field_ids: FieldIds | None = None
        self._zone: ZoneInfo | None = None
        self._zone_known = False
        self._me: dict[str, Any] | None = None

    @property
    def client(self) -> JiraClient:
        """The connected site; connecting (serverInfo) waits for the first use, so building a
        reader never touches the network and a failing site fails inside its own pull."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    @property
    def requests(self) -> int:
        """HTTP requests this reader has sent (retries included)."""
        return self._client.counter.reads + self._client.counter.writes if self._client else 0

    def close(self) -> None:
        """Close the site's HTTP session, if one was opened."""
        if self._client is not None:
            self._client.close()

    def lost_scopes(self) -> set[str]:
        """None: what leaves a Jira project is found at its full refresh."""
        return set()

    def pulled(self) -> None:
        """Nothing to drop: a scope's pages are stored as they arrive."""

    @property
    def flavor(self) -> Flavor:
        return self.client.flavor

    def scopes(self) -> list[str]:
        return list(self.config.projects)

    def fetch_items(self, scope: str, since: str | None) -> Iterator[Item]:
        """Every issue of project ``scope`` updated at or after ``since`` (ISO UTC), oldest first.

        ``since`` is floored to the minute (JQL's resolution); the caller adds its overlap window.
        """
        ids = self.field_ids()
        jql = jql_for(scope, self._since_local(since), self.config.jql, subtasks=self.config.include_subtasks)
        fields = [*BASE_FIELDS, *ids.ids()]
        pages = self._cloud_pages if self.client.flavor == "cloud" else self._datacenter_pages
        for raw in pages(scope, jql, fields):
            item = self._item(raw)
            yield replace(item, links=self._links_for(item)) if self.remote_links else item

    # -- paging ---------------------------------------------------------------------------

    def _cloud_pages(self, scope: str, jql: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "jql": jql,
            "fields": ",".join(fields),
            "maxResults": min(self.config.page_size, CLOUD_MAX_PAGE),
        }
        if self.marked:
            params["properties"] = ",".join(mark_key(name) for name in self.marked)
        fresh = self._fresh_ids()
        if fresh:
            params["reconcileIssues"] = fresh  # repeated: an int64 array in the query (OpenAPI form/explode)
        seen: set[str] = set()
        while True:
            page = self._search("search/jql", params, scope)
            yield from page.get("issues") or ()
            token = page.get("nextPageToken")
            if not token or page.get("isLast") is True:
                return
            if token in seen:
                raise RemoteRefused(
                    "Jira returned the same page token twice",
                    source="jira",
                    item=scope,
                    hint="stopping to avoid an endless pull; retry later",
                )
            seen.add(token)
            params["nextPageToken"] = token

    def _fresh_ids(self) -> list[str]:
        """Ids of issues roadsync wrote within the search's lag (at most :data:`RECONCILE_MAX`)."""
        ids = [i for i in (self.recent_writes() if self.recent_writes else ()) if i.isdigit()]
        return ids[-RECONCILE_MAX:]

    def _datacenter_pages(self, scope: str, jql: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "jql": jql,
            "fields": ",".join(fields),
            "maxResults": self.config.page_size,
            "startAt": 0,
        }
        while True:
            page = self._search("search", params, scope)
            issues = page.get("issues") or []
            yield from issues
            # The server may cap maxResults (jira.search.views.default.max): page by what it used.
            start = int(page.get("startAt") or params["startAt"]) + len(issues)
            if not issues or start >= int(page.get("total") or 0):
                return
            params["startAt"] = start

    def _search(self, path: str, params: dict[str, Any], scope: str) -> dict[str, Any]:
        try:
            page = self.client.get(path, dict(params), scope=scope)
        except RemoteRefused as exc:
            raise self._search_error(exc, scope) from None
        if not isinstance(page, dict):
            raise RemoteRefused("Jira search answered without a result page", source="jira", item=scope)
        return page

    def _search_error(self, exc: RemoteRefused, scope: str) -> RemoteRefused | NotFoundError:
        if exc.status == 400 and scope.lower() in exc.message.lower():
            return NotFoundError(
                exc.message,
                source="jira",
                item=scope,
                status=400,
                hint=f"project {scope} does not exist or the token cannot browse it",
            )
        if exc.status == 400 and self.config.jql:
            return RemoteRefused(exc.message, source="jira", item=scope, status=400, hint="check jira.jql")
        return exc

    # -- ownership evidence -----------------------------------------------------------------

    def evidence(self, wanted: Sequence[Wanted]) -> Evidence:
        """Ownership evidence of fields the items carry no marker for: on Data Center the markers,
        read per issue (its search cannot return them); where there is none, the changelog
        (:meth:`ChangelogReader.marks`: Cloud 1 request per 1,000 issues, Data Center 1 per 50)."""
        found = self._markers(wanted) if self.client.flavor == "datacenter" else {}
        rest = [w for w in wanted if (w[0].key, w[1]) not in found]
        found.update(self.history().marks(rest, shared=self.config.shared_account) if rest else {})
        return found

    def history(self) -> ChangelogReader:
        """The changelog reader (one per reader, so ``/myself`` is asked once per run)."""
        if self._history is None:
            ids = self.field_ids()
            every = {name: (id_, *ids.alternatives.get(name, ())) for name, id_ in ids.managed.items()}
            self._history = ChangelogReader(self.client, every, self._myself)
        return self._history

    def _markers(self, wanted: Sequence[Wanted]) -> Evidence:
        """Markers read per issue (``GET /issue/{id}?fields=key&properties=``), one request per issue."""
        by_item: dict[str, tuple[Item, list[str]]] = {}
        for item, name, _ in wanted:
            by_item.setdefault(item.key, (item, []))[1].append(name)
        found: Evidence = {}
        for item, names in by_item.values():
            params = {"fields": "key", "properties": ",".join(mark_key(n) for n in names)}
            try:
                raw = self.client.get(f"issue/{item.native_id or item.key}", params, item=item.key)
            except NotFoundError:
                continue  # gone since the pull: nothing to decide
            marks = marks_from_properties(raw.get("properties") if isinstance(raw, dict) else None, names)
            found.update({(item.key, name): mark for name, mark in marks.items()})
        return found

    def overwritten(self, applied: Sequence[Applied], since: str) -> list[Overwrite]:
        """People's edits this run's writes overwrote, from the changelog (:mod:`.history`)."""
        return self.history().overwritten(applied, since)

    def reread(self, items: Sequence[Item]) -> dict[str, Item]:
        """These issues as they are now (by key as given; a gone issue is left out), read right
        before they are written: Cloud ``POST /issue/bulkfetch`` (100 per request, read from Jira's
        store, not the lagging search index), Data Center a search ``id in (...)`` (100 per page).
        Remote links are kept from the items given (nothing written depends on them)."""
        by_id = {item.native_id: item for item in items if item.native_id}
        fresh: dict[str, Item] = {}
        ids = list(by_id)
        for start in range(0, len(ids), CLOUD_MAX_PAGE):
            for raw in self._fetch(ids[start : start + CLOUD_MAX_PAGE]):
                old = by_id.get(str(raw.get("id")))
                if old is not None:
                    fresh[old.key] = replace(self._item(raw), links=old.links)
        return fresh

    def _fetch(self, ids: list[str]) -> list[dict[str, Any]]:
        fields = [*BASE_FIELDS, *self.field_ids().ids()]
        marks = [mark_key(name) for name in self.marked]
        if self.client.flavor == "cloud":
            body: dict[str, Any] = {"issueIdsOrKeys": ids, "fields": fields}
            if marks:
                body["properties"] = marks
            answer = self.client.post_read("issue/bulkfetch", body)
            return [raw for raw in (answer or {}).get("issues") or () if isinstance(raw, dict)]
        params = {"jql": f"id in ({', '.join(ids)})", "fields": ",".join(fields), "maxResults": len(ids)}
        page = self.client.get("search", params)
        return [raw for raw in (page or {}).get("issues") or () if isinstance(raw, dict)]

    def _item(self, raw: dict[str, Any]) -> Item:
        site, ids = self.client.site_url, self.field_ids()
        marked = self.client.flavor == "cloud" and self.marked
        marks = marks_from_properties(raw.get("properties"), self.marked) if marked else None
        return item_from_jira(raw, site_url=site, field_ids=ids, flavor=self.flavor, marks=marks)

    # -- remote links ---------------------------------------------------------------------

    def _links_for(self, item: Item) -> tuple[str, ...]:
        if self.known_links is not None:
            known = self.known_links(item.key, item.updated)
            if known is not None:
                return tuple(known)
        links = self.client.get(f"issue/{item.key}/remotelink", item=item.key)
        return links_from_remote_links(link for link in links or () if isinstance(link, dict))

    # -- custom fields --------------------------------------------------------------------

    def field_ids(self) -> FieldIds:
        """Custom field ids by name, resolved through one ``/field`` call per reader."""
        if self._field_ids is None:
            self._field_ids = self._resolve_fields()
        return self._field_ids

    def _resolve_fields(self) -> FieldIds:
        estimate_name = self.config.estimate_field
        needs_epic_link = self.client.flavor == "datacenter"
        if not (self.managed_fields or estimate_name or needs_epic_link):
            return FieldIds()
        catalog = [f for f in self.client.get("field") or () if isinstance(f, dict)]
        by_name = {str(f.get("name")): str(f.get("id")) for f in catalog if f.get("name")}
        infos = [FieldInfo.from_json(f) for f in catalog if f.get("id")]
        managed: dict[str, str] = {}
        alternatives: dict[str, tuple[str, ...]] = {}
        for ref in self.managed_fields:
            every = [f.id for f in infos if f.id == ref] or _named(infos, ref)
            if not every:
                _field_id(ref, by_name, "the managed jira.field")  # raises, naming close names
            managed[ref], alternatives[ref] = every[0], tuple(every[1:])
        scopes = {f.id: f.scope for f in infos if f.scope is not None}
        estimate = by_name.get(estimate_name) if estimate_name else None
        if estimate_name and estimate is None and "estimate_field" in self.config.model_fields_set:
            estimate = _field_id(estimate_name, by_name, "jira.estimate_field")
        epic_link = None
        if self.config.epic_link_field:
            epic_link = _field_id(self.config.epic_link_field, by_name, "jira.epic_link_field")
        elif needs_epic_link:
            epic_links = (f for f in catalog if (f.get("schema") or {}).get("custom") == EPIC_LINK_SCHEMA)
            epic_link = next((str(f["id"]) for f in epic_links), None)
        return FieldIds(
            managed=managed, estimate=estimate, epic_link=epic_link, alternatives=alternatives, scopes=scopes
        )

    # -- time zone ------------------------------------------------------------------------

    def _since_local(self, since: str | None) -> str | None:
        """The cursor as JQL's ``yyyy-MM-dd HH:mm`` in the token user's time zone.

        JQL dates are read in the user's profile zone (UTC for the emulator and for many API
        users); the zone comes from ``/myself``. When it is unknown the cursor is moved back
        12 hours, so items are re-read rather than missed.
        """
        if not since:
            return None
        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        zone = self._user_zone()
        local = moment.astimezone(zone) if zone else moment - UNKNOWN_ZONE_WIDENING
        return local.strftime("%Y-%m-%d %H:%M")

    def _user_zone(self) -> ZoneInfo | None:
        if not self._zone_known:
            self._zone_known = True
            try:
                name = self._myself().get("timeZone")
                self._zone = ZoneInfo(str(name)) if name else ZoneInfo("UTC")
            except (NotFoundError, ZoneInfoNotFoundError, ValueError):
                self._zone = None
        return self._zone

    def _myself(self) -> Mapping[str, Any]:
        """The token's ``/myself`` (time zone, account id), asked once per reader."""
        if self._me is None:
            answer = self.client.get("myself")
            self._me = answer if isinstance(answer, dict) else {}
        return self._me


def _named(infos: Sequence[FieldInfo], name: str) -> list[str]:
    """Ids of every field named ``name`` (several fields may share a name: research/jira.md §4)."""
    exact = [f.id for f in infos if f.name == name]
    return exact or [f.id for f in infos if f.name.casefold() == name.casefold()]


def _field_id(name: str, by_name: Mapping[str, str], setting: str) -> str:
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, list(by_name), n=3, cutoff=0.5)
    hint = f"check {setting}" + (f"; close names: {', '.join(close)}" if close else "")
    raise NotFoundError(f"Jira has no field named '{name}'", source="jira", field=name, hint=hint)
