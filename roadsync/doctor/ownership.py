"""``doctor``: what ownership evidence each tracker will give, what it costs, and whose account it rests on.

Never clobber rests on telling roadsync's writes from people's (:mod:`roadsync.sync.ownership`).
Per tracker the doctor says which evidence the run will use and its cost in requests, and warns
where the token's account looks like a person's: history by that account (Jira changelog authors,
GitHub label and issue-type events) is taken for roadsync's own, so a person sharing it defeats
that evidence. The markers roadsync writes itself (Jira issue properties, the Projects v2 marker
field) do not depend on the account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from roadsync.config.load import Settings
from roadsync.doctor.preflight import Probe, field_targets

__all__ = ["github_ownership", "jira_ownership", "looks_dedicated"]

_MACHINE = re.compile(
    r"(^|[-_. \[])(bot|bots|roadsync|automation|service|svc|integration|robot)([-_. \]]|$)", re.IGNORECASE
)
CHECK = "ownership evidence"
ACCOUNT = "ownership: token account"


def looks_dedicated(*names: str | None) -> bool:
    """Whether an account's login, name or email reads like a machine account's, not a person's."""
    return any(name and _MACHINE.search(name) for name in names)


def jira_ownership(probe: Probe, settings: Settings, me: Mapping[str, Any], flavor: str) -> None:
    """The Jira evidence (issue-property markers; the changelog after apply) and the account."""
    managed = [name for name, _, _ in field_targets(settings, "jira")]
    if not managed:
        return
    keys = ", ".join(f"roadsync.{name}" for name in managed)
    if flavor == "cloud":
        read = "read back with each search page (properties=): 0 extra requests, first sync or no-op run"
        log = "1 POST /changelog/bulkfetch per 1,000 issues"
    else:
        read = ("Data Center search cannot return them (JRASERVER-62898): 1 GET per issue whose field "
                "differs from the roadmap on a first sync (kept while it is unchanged); 0 on a no-op run")
        log = "1 search with expand=changelog per 50 issues"
    probe.add(CHECK, "ok", f"issue properties {keys}, set in the same edit as each value and {read}; "
              f"where an issue has no property yet and its field differs from the roadmap, its changelog "
              f"({log}, and /myself once); after an apply, the changelog of the written issues ({log}) "
              "finds a person's edit a write overwrote")  # fmt: skip
    app = str(me.get("accountType") or "") == "app"
    who = str(me.get("displayName") or me.get("name") or "")
    if app or looks_dedicated(who, str(me.get("emailAddress") or ""), str(me.get("name") or "")):
        probe.add(ACCOUNT, "ok", f"{who or 'the token account'} looks like roadsync's own account")
    else:
        probe.add(ACCOUNT, "warn",
                  f"{who} looks like a person's account: the markers still tell roadsync's writes apart, but "
                  "the changelog (read where an issue has no property yet, and after apply) takes this "
                  "account's edits for roadsync's, so a person's edit made with it can be taken over",
                  "give roadsync its own Jira account (or app) and never use its token by hand; if a person "
                  "must share it, set jira.shared_account = true (roadsync then never takes over what it "
                  "cannot tell apart)")  # fmt: skip


def github_ownership(probe: Probe, settings: Settings, me: Mapping[str, Any],
                     board_fields: Mapping[str, Any] | None) -> None:  # fmt: skip
    """The GitHub evidence (label and issue-type events, the board's marker field) and the account."""
    config = settings.model.github
    targets = {t.target for _, _, t in field_targets(settings, "github")}
    if config is None or not targets:
        return
    login = str(me.get("login") or "")
    parts = []
    if "label" in targets:
        parts.append(f"labels: label events by {login} (GraphQL, 50 issues per request, only for issues "
                     "whose label differs from the roadmap, kept while it is unchanged: 0 on a no-op run)")
    if "issue_type" in targets:
        parts.append("issue types: issue-type events (REST, 1-2 requests per issue whose type differs)")
    if "project" in targets and config.project is not None:
        name = config.project.marker_field
        there = board_fields is not None and name in board_fields
        state = "exists" if there else "will be created on the first board write (createProjectV2Field)"
        parts.append(f"board values: the text field \"{name}\" ({state}), set in the same request as "
                     "each value and read with the board: 0 extra requests")
    probe.add(CHECK, "ok", "; ".join(parts))
    bot = str(me.get("type") or "") == "Bot" or login.endswith("[bot]")
    if config.shared_account:
        probe.add(ACCOUNT, "info", f"github.shared_account = true: history by {login} proves nothing, so a "
                  "label or issue type it touched is never taken over unless the state cache shows roadsync "
                  "wrote it")  # fmt: skip
    elif bot or looks_dedicated(login, str(me.get("name") or "")):
        probe.add(ACCOUNT, "ok", f"{login} looks like roadsync's own account")
    elif targets & {"label", "issue_type"}:
        probe.add(ACCOUNT, "warn",
                  f"{login} looks like a person's account: label and issue-type events by it are taken for "
                  "roadsync's own writes, so if a person also uses it their edits can be overwritten",
                  "run roadsync as a GitHub App or its own machine account; if a person must share this "
                  "account, set github.shared_account = true (roadsync then never takes over what it "
                  "cannot tell apart)")  # fmt: skip
