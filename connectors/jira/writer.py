"""JiraWriter: one item's field changes in one ``PUT /rest/api/{v}/issue/{key}``, each with its
own outcome.

Each change becomes its part of one body ``{"fields": {...}, "update": {...}}``, built by its
target's kind (:mod:`roadsync.targets`): ``priority`` sets ``fields.priority`` (names checked
against ``/priority``, once per writer), ``label`` and ``components`` add/remove one value with
``update`` operations (never replacing what people set), ``field`` sets a custom field by id (its
name resolved per project by :mod:`.site`). A label Jira cannot store is never sent.

A configured site refuses what is not on the issue type's edit screen, a priority outside the
project's scheme, an option outside the field's context: Jira answers 400 naming the fields and
applies none of the edit (research/jira.md §1, "Atomicity"). The refused fields' changes become
``unwritable`` with Jira's reason (plus what the site allows there, from the issue type's editmeta,
read once per project and issue type that had a refusal) and the item is sent again without them.
A healthy site costs no extra request; the run's refusals are remembered
(:mod:`roadsync.sync.refusals`) so later runs do not send them again blindly.

Notifications: every edit mails the issue's watchers unless it says ``notifyUsers=false``, which
only Jira admins and the project's admins may (403 "To discard the user notification either admin
or project admin permissions are required." and nothing written: research/jira.md §6). Unless
``jira.notify_users`` is set, roadsync asks for no mails; where the token may not, Jira's 403 makes
it send the edit again with mails, once, and remember that project for the run (warned in the log).

The same PUT sets, for each field it writes, roadsync's ownership marker: the issue property
``roadsync.<field>`` with the value written, the target and the time (:mod:`.marks`), so the
tracker itself records which values roadsync set and a lost state file loses nothing. A refused
field's marker goes with it (the edit sent again carries only the written fields' markers).

Bulk edit (Cloud, ``bulk=True``): a change that sets a value bulk edit can set (a priority, one
label added or removed, a select option) is held back by :meth:`JiraWriter.write` and sent by
:meth:`JiraWriter.flush`, grouped with the changes setting the same value on other issues
(:mod:`.bulk`: at least 3 issues a task); what no group takes gets its usual PUT at flush. Where
bulk edit is unavailable (no Bulk change permission, Data Center, the endpoints absent) every
change goes per item, said once in the log.

A change that would not change the item as last read is ``skipped`` and nothing is sent. Per-item
failures are ``failed`` outcomes; only a 401 and a spent rate-limit budget raise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any

from roadsync.changes import RESTORE_RULE, FieldChange, OutcomeStatus, WriteOutcome
from roadsync.config.model import FieldTarget, JiraConfig
from roadsync.connectors.jira.bulk import BulkEdits
from roadsync.connectors.jira.bulk_plan import Held, ops_of
from roadsync.connectors.jira.client import FieldsRefused, JiraClient
from roadsync.connectors.jira.marks import mark_property, pending_mark
from roadsync.connectors.jira.site import AmbiguousField, NoSuchField, NotOnScreen, SiteRules, explain
from roadsync.connectors.model import Item
from roadsync.connectors.retry import RetryPolicy
from roadsync.errors import AuthError, BudgetExhausted, NotFoundError, TrackerError
from roadsync.targets import Refused, kind_of
from roadsync.targets.base import SCREEN_REFUSAL, JiraEdit, Unwritable

__all__ = ["NOTIFY_REFUSAL", "JiraWriter"]

NOTIFY_REFUSAL = "To discard the user notification either admin or project admin permissions are required."
_LOG = logging.getLogger("roadsync.connectors.jira")


@dataclass(frozen=True, slots=True)
class _Part:
    """One change's part of the edit, and the body keys (field ids) it sets."""

    change: FieldChange
    edit: JiraEdit

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.edit.fields) | frozenset(self.edit.update)


@dataclass
class _Sent:
    """Outcomes of one item's PUTs so far, by change."""

    outcomes: dict[FieldChange, WriteOutcome] = field(default_factory=dict)

    def mark(self, parts: Sequence[_Part], status: OutcomeStatus, error: str | None) -> None:
        for part in parts:
            self.outcomes[part.change] = WriteOutcome(part.change, status, error)


class JiraWriter:
    """Writes managed field values to Jira issues; ``targets`` maps a managed field to its target.

    Thread-safe for different items: apply sends up to :attr:`concurrency` items at once (Jira
    serves concurrent edits of different issues; roadsync never sends two to the same issue).
    """

    concurrency: int
    """Items in flight at once: ``jira.write_concurrency`` (default 8; bounded, as a site's
    per-user concurrency limit is not published and 429s cost more than they save)."""

    def __init__(
        self,
        config: JiraConfig,
        token: str,
        targets: Mapping[str, FieldTarget],
        *,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        bulk: bool = False,
    ) -> None:
        self.targets = dict(targets)
        self.bulk = bulk
        self.concurrency = config.write_concurrency
        self.notify_users = config.notify_users
        self._connect: Callable[[], JiraClient] = partial(
            JiraClient, config, token, verify=verify, retry=retry
        )
        self._client: JiraClient | None = None
        self._barrier: Callable[[], None] | None = None
        self._rules: SiteRules | None = None
        self._priorities: list[str] | None = None
        self._loud: set[str] = set()  # projects where the token may not turn mails off
        self._once = threading.RLock()  # connect and look up once, whichever thread asks first
        self._held: list[Held] = []
        self._bulk = BulkEdits(lambda: self.client, notify=self.notify_users, marker=self._marker,
                               pending=self._pending, concurrency=self.concurrency)  # fmt: skip

    @property
    def client(self) -> JiraClient:
        """The connected site, connected on first use (a plan with no Jira writes costs nothing)."""
        if self._client is None:
            with self._once:
                if self._client is None:
                    client = self._connect()
                    if self._barrier is not None:
                        client.barrier = self._barrier
                    self._client = client
        return self._client

    @property
    def rules(self) -> SiteRules:
        with self._once:
            if self._rules is None:
                self._rules = SiteRules(self.client.get)
            return self._rules

    @property
    def requests(self) -> int:
        """HTTP requests this writer has sent (lookups and writes, retries included)."""
        return self._client.counter.reads + self._client.counter.writes if self._client else 0

    @property
    def bulk_unavailable(self) -> str | None:
        """Why this run edits per item although bulk edit was asked for (None: it does not)."""
        return self._bulk.unavailable

    def guard(self, barrier: Callable[[], None]) -> None:
        """Call ``barrier()`` before every PUT, bulk task submit and marker POST this writer sends."""
        with self._once:
            self._barrier = barrier
            if self._client is not None:
                self._client.barrier = barrier

    def flush(self) -> list[WriteOutcome]:
        """Send the held changes: bulk tasks for the groups, one PUT for each other held item;
        their outcomes in the order they were held (the requests booked on the first)."""
        with self._once:
            held, self._held = self._held, []
        if not held:
            return []
        counter = self.client.counter
        before = counter.total
        outcomes, rest = self._bulk.send(held)
        by_item: dict[str, list[_Part]] = {}
        for one in rest:
            by_item.setdefault(one.item.key, []).append(_Part(one.change, one.edit))
        items = {one.item.key: one.item for one in rest}
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            sent = pool.map(lambda key: self._put_parts(items[key], by_item[key]), list(by_item))
            for done in sent:
                outcomes.update(done)
        ordered = [outcomes[one.change] for one in held]
        first = ordered[0]
        ordered[0] = WriteOutcome(first.change, first.status, first.error, counter.total - before)
        return ordered

    def close(self) -> None:
        """Close the site's HTTP session, if one was opened."""
        if self._client is not None:
            self._client.close()

    def write(self, item: Item, changes: Sequence[FieldChange]) -> list[WriteOutcome]:
        """Apply ``changes`` to ``item`` in one PUT; one outcome per change, in order."""
        parts: list[_Part] = []
        outcomes: dict[FieldChange, WriteOutcome] = {}
        for change in changes:
            part = _Part(change, JiraEdit())
            try:
                if self._add(part.edit, item, change):
                    parts.append(part)
                else:
                    outcomes[change] = WriteOutcome(change, "skipped", "already set")
            except Unwritable as exc:
                outcomes[change] = WriteOutcome(change, "unwritable", str(exc))
            except Refused as exc:
                outcomes[change] = WriteOutcome(change, "failed", str(exc))
        if parts and self._holds(parts):
            with self._once:
                self._held.extend(Held(item, p.change, p.edit, ops_of(p.edit) or ()) for p in parts)
        elif parts:
            outcomes.update(self._put_parts(item, parts))
        return [outcomes[change] for change in changes if change in outcomes]

    def _holds(self, parts: Sequence[_Part]) -> bool:
        """Whether these parts wait for :meth:`flush` (bulk edit may take every one of them)."""
        if not self.bulk or self._bulk.unavailable is not None or self.client.flavor != "cloud":
            return False
        return all(p.change.rule != RESTORE_RULE and ops_of(p.edit) for p in parts)

    def _put_parts(self, item: Item, parts: list[_Part]) -> dict[FieldChange, WriteOutcome]:
        self._mark(parts)
        return self._send(item, parts)

    def _marker(self, held: Held) -> dict[str, Any]:
        """The marker property of a change bulk edit applied (as :meth:`_mark` puts in a PUT)."""
        target = self.targets[held.change.field]
        at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return mark_property(held.change.field, kind_of(target).signature(target), held.change.new, at)

    def _pending(self, held: Held) -> dict[str, Any] | None:
        """A neutral marker for an issue whose marker of this field names another value."""
        mark = held.item.marks.get(held.change.field)
        return pending_mark(held.change.field) if mark is not None and mark.value != held.change.new else None

    def _mark(self, parts: Sequence[_Part]) -> None:
        """Add each part's ownership marker to its edit (sent in the same request as the value).

        A restore of a person's value (:data:`~roadsync.changes.RESTORE_RULE`) marks the value
        roadsync wrote and the restore replaces (``change.old``), not the value it puts back: its
        changelog entry is by roadsync's account, and without a marker (a bulk edit's markers that
        did not land) the changelog alone would read the person's value as roadsync's."""
        at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for part in parts:
            change = part.change
            target = self.targets[change.field]
            signature = kind_of(target).signature(target)
            ours = change.old if change.rule == RESTORE_RULE else change.new
            part.edit.properties.append(mark_property(change.field, signature, ours, at))

    # -- what a target kind may ask (roadsync.targets.base.JiraSite) ----------------------------

    @property
    def api_version(self) -> str:
        """The REST API version the site is spoken to in (``2`` or ``3``)."""
        return self.client.api_version

    @property
    def flavor(self) -> str:
        return self.client.flavor

    def priorities(self) -> list[str]:
        """The site's priority names, from one ``/priority`` call."""
        with self._once:
            if self._priorities is None:
                answer = self.client.get("priority") or []
                self._priorities = [str(p["name"]) for p in answer if isinstance(p, dict) and p.get("name")]
            return self._priorities

    def field(self, item: Item, ref: str) -> Mapping[str, Any]:
        try:
            return self.rules.field_for(item, ref).to_json()
        except NoSuchField:
            raise Refused(f"Jira has no field named '{ref}'") from None
        except AmbiguousField as exc:
            raise Refused(str(exc)) from None
        except NotOnScreen as exc:
            ids = ", ".join(c.id for c in exc.candidates)
            kind = item.issue_type or "this issue type"
            raise Unwritable(
                f"{SCREEN_REFUSAL.format(exc.candidates[0].id)} (no field named {ref} ({ids}) is on the "
                f"edit screen of {kind} in {item.scope})"
            ) from None

    # -- building the body ------------------------------------------------------------------------

    def _add(self, edit: JiraEdit, item: Item, change: FieldChange) -> bool:
        """Put ``change`` into ``edit`` (its target kind builds it); False when it would change nothing."""
        target = self.targets.get(change.field)
        kind = kind_of(target) if target is not None else None
        if target is None or kind is None or "jira" not in kind.trackers:
            raise Refused(f"no Jira target for field '{change.field}'")
        return kind.jira_edit(edit, item, change, target, self)

    # -- sending ----------------------------------------------------------------------------------

    def _send(self, item: Item, parts: list[_Part]) -> dict[FieldChange, WriteOutcome]:
        """PUT the parts; when Jira refuses named fields, their changes are ``unwritable`` with
        Jira's reason and the rest goes again (at most once per part)."""
        counter = self.client.counter
        before = counter.thread_writes()
        sent = _Sent()
        pending = list(parts)
        while pending:
            try:
                self._put(item, _merged(pending))
            except FieldsRefused as exc:
                refused = [p for p in pending if p.keys & exc.field_errors.keys()]
                if not refused:
                    sent.mark(pending, "failed", exc.one_line())
                    break
                for part in refused:
                    keys = sorted(part.keys & exc.field_errors.keys())
                    sent.mark(
                        [part],
                        "unwritable",
                        "; ".join(self._reason(item, k, exc.field_errors[k]) for k in keys),
                    )
                pending = [p for p in pending if p not in refused]
                continue
            except (BudgetExhausted, AuthError) as exc:
                if isinstance(exc, BudgetExhausted) or exc.status == 401:
                    raise
                sent.mark(pending, "failed", exc.one_line())
            except NotFoundError as exc:
                why = f"item gone: {item.key} no longer exists or the token cannot see it (HTTP {exc.status})"
                sent.mark(pending, "skipped", why)
            except TrackerError as exc:
                sent.mark(pending, "failed", exc.one_line())
            else:
                sent.mark(pending, "applied", None)
            break
        return _book(sent.outcomes, parts, counter.thread_writes() - before)

    def _reason(self, item: Item, key: str, said: str) -> str:
        """Jira's reason for refusing field ``key``, with what the site allows there (from the
        issue type's editmeta, read once per project and issue type that had a refusal)."""
        why = explain(self.rules.editmeta(item), key, item, self.rules.name_of(key))
        return f"{said} ({why})" if why else said

    def _put(self, item: Item, body: dict[str, Any]) -> None:
        """One PUT, asking for no mails unless the settings or the project say otherwise."""
        quiet = not self.notify_users and item.scope not in self._loud
        try:
            params = {"notifyUsers": "false"} if quiet else None
            self.client.put(f"issue/{item.key}", body, item=item.key, params=params)
        except TrackerError as exc:
            if not (quiet and exc.status == 403 and NOTIFY_REFUSAL in exc.message):
                raise
            self._mails_kept(item.scope)
            self.client.put(f"issue/{item.key}", body, item=item.key)

    def _mails_kept(self, project: str) -> None:
        with self._once:
            first = project not in self._loud
            self._loud.add(project)
        if first:
            kv = {
                "project": project,
                "reason": "the token may not turn notifications off there (it needs Administer Projects)",
                "fix": "grant it, or set jira.notify_users = true to accept the mails",
            }
            _LOG.warning("jira.notifications.sent", extra={"kv": kv})


def _merged(parts: Sequence[_Part]) -> dict[str, Any]:
    """One edit body from the parts (``update`` operations of a field concatenated)."""
    merged = JiraEdit()
    for part in parts:
        merged.fields.update(part.edit.fields)
        for key, operations in part.edit.update.items():
            merged.update.setdefault(key, []).extend(operations)
        merged.properties.extend(part.edit.properties)
    return merged.json()


def _book(
    outcomes: dict[FieldChange, WriteOutcome], parts: Sequence[_Part], requests: int
) -> dict[FieldChange, WriteOutcome]:
    """The PUTs' requests are booked on the item's first change, so sums stay exact."""
    first = parts[0].change
    booked = outcomes[first]
    outcomes[first] = WriteOutcome(booked.change, booked.status, booked.error, requests)
    return outcomes
