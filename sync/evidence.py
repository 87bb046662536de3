"""Plan with the ownership evidence the plan needs: what the items carry, then what the trackers
keep on demand, asked for only where the answer changes what the plan does.

A first plan is drafted from the evidence at hand (markers read with the items, evidence fetched
by earlier runs for items unchanged since, the state cache). Its :attr:`Draft.wanted` fields are
those whose decision rests on evidence the tracker keeps but did not send (GitHub label and
issue-type history; Jira markers a Data Center search cannot return): the readers that pulled this
run are asked for them (:meth:`Reader.evidence`), the answers are kept in the state cache while
their item stays unchanged, and the plan is drafted again, until nothing more is wanted (each
field is asked at most once, so this ends). A no-op run asks nothing. When the first draft planned
every item (a first sync), drafting again plans only the items the answers can change and what
depends on them (:func:`~roadsync.sync.pipeline.redraft`); the others keep the first draft's
outcome, so only one whole plan is ever held.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from roadsync.connectors.contracts import Reader
from roadsync.connectors.model import Item
from roadsync.sync.ownership import Ledger
from roadsync.sync.pipeline import Draft, draft_plan, redraft
from roadsync.sync.scope import Scope
from roadsync.sync.sources import TRACKERS, asking_evidence
from roadsync.sync.state import State

if TYPE_CHECKING:
    from roadsync.config.load import Settings

__all__ = ["plan_with_evidence", "shared_accounts"]


def shared_accounts(settings: Settings) -> frozenset[str]:
    """The trackers whose account the config says people share with roadsync: their history is
    not taken as roadsync's (an outcome planned on another answer is not kept: scope's basis)."""
    return frozenset(t.name for t in TRACKERS if t.configured(settings) and t.shared(settings.model))


def plan_with_evidence(
    settings: Settings,
    items: Sequence[Item],
    state: State,
    readers: Mapping[str, Reader],
    *,
    now: str,
    only: Collection[str] | None = None,
    failures: dict[str, str] | None = None,
    scope: Scope | None = None,
) -> Draft:
    """The final draft (its plan, and the keys whose outcome may be kept), asking ``readers`` (by
    tracker; those that pulled this run) for the evidence it wants; a tracker that could not
    answer is put in ``failures`` with its one-line error. With ``scope``, ``items`` are
    ``scope.items`` and only its dirty items are planned (:func:`draft_plan`)."""
    fields, roadmap = settings.model.fields, settings.roadmap
    by_key = {item.key: item for item in items}
    shared = shared_accounts(settings)
    # History read before the config said the account is shared was read as roadsync's: ask again.
    cached = state.known_evidence(items)
    known = {pair: e for pair, e in cached.items() if by_key[pair[0]].source not in shared}
    confirms = frozenset(t.name for t in TRACKERS if t.confirms_marks) & frozenset(readers)
    ledger = Ledger(known, state.marks(items), now, on_demand=frozenset(readers), confirms=confirms)
    draft = draft_plan(items, roadmap, fields, ledger, only=only, scope=scope)
    while True:
        wanted = {pair for pair in draft.wanted if by_key[pair[0]].source in readers}
        if not wanted:
            return draft
        asked = [(by_key[key], name) for key, name in sorted(wanted)]
        answers = asking_evidence(settings, readers, asked, failures)
        state.record_evidence(answers, by_key)
        ledger = ledger.add(wanted, answers)
        if scope is None or scope.full:  # every item was planned: plan again what the answers touch
            draft = redraft(draft, items, roadmap, fields, ledger, {key for key, _ in wanted}, only=only)
        else:  # a cron run's scope: what depends on the answers may lie outside it; all of it again
            del draft  # not beside the next one: a whole plan each
            draft = draft_plan(items, roadmap, fields, ledger, only=only, scope=scope)
