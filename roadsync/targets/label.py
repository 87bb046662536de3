"""Labels that start with a prefix (``theme/checkout``), in Jira and GitHub.

roadsync owns at most one label with the prefix per item; several are ambiguous (reported, never
written). A change removes ``old`` and adds ``new`` one by one, never replacing the set:

- Jira: ``update.labels`` ``remove``/``add`` operations in the issue's one PUT ("Edit issue",
  https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put).
  Jira cannot store a label with whitespace (Cloud: "The label 'x y' can't contain spaces.", Data
  Center: "... contains spaces which is invalid.") or longer than 255 characters (research/jira.md
  §5): ``validate`` refuses such a prefix or value, and such a label is never sent;
- GitHub: one ``POST /repos/o/r/issues/n/labels`` with the item's adds (its answer, the issue's
  labels, is checked: a label it does not carry is ``unwritable``), then ``DELETE
  …/labels/{name}`` per remove (a 404 there means it is gone already). Repo labels are listed once
  per repo; a missing one is created first with a colour (``POST /repos/o/r/labels``; a 422
  ``already_exists`` counts as success, which makes the create safe to retry).
  https://docs.github.com/en/rest/issues/labels
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from urllib.parse import quote

from roadsync.changes import FieldChange, OutcomeStatus, WriteOutcome
from roadsync.config.model import FieldTarget
from roadsync.connectors.github_labels import LABEL_NAME_MAX, label_key
from roadsync.connectors.model import Item
from roadsync.errors import RemoteRefused
from roadsync.targets.base import (
    Current,
    GithubDoctor,
    GithubSite,
    JiraDoctor,
    JiraEdit,
    JiraSite,
    Problem,
    TargetContext,
    TargetKind,
    Unwritable,
    missing,
)
from roadsync.targets.jira_screens import by_project, check_label_screens

__all__ = ["JIRA_LABEL_MAX", "Label", "jira_label_refusal", "label_colour"]


def label_colour(seed: str) -> str:
    """A stable 6-hex colour for a label (seeded by its prefix, so a managed family shares it)."""
    return hashlib.sha1(seed.encode()).hexdigest()[:6]


class Label(TargetKind):
    name = "label"
    trackers = frozenset({"jira", "github"})
    github_budget = "core"

    def to_native(self, target: FieldTarget, value: str | None) -> str | None:
        native = super().to_native(target, value)
        return None if native is None else f"{target.prefix or ''}{native}"

    def to_roadmap(self, target: FieldTarget, native: str | None) -> str | None:
        """The roadmap value of a label; the prefix matches in any case (a GitHub label
        ``Theme/Infra`` is the theme label ``infra``; Jira labels only ever arrive here with their
        exact prefix, as :meth:`current` reads them)."""
        prefix = target.prefix or ""
        if native is None or not label_key(native).startswith(label_key(prefix)):
            return None
        suffix = native[len(prefix) :]
        inverse = {v: k for k, v in self.values(target).items()}
        if suffix in inverse:
            return inverse[suffix]
        folded = {label_key(v): k for k, v in self.values(target).items()}
        return folded.get(label_key(suffix), suffix)

    def current(self, item: Item, target: FieldTarget) -> Current:
        """The one label with the prefix (on GitHub in any case, as GitHub compares names)."""
        prefix = target.prefix or ""
        if item.source == "github":
            key = label_key(prefix)
            found = tuple(sorted({label for label in item.labels if label_key(label).startswith(key)}))
        else:
            found = tuple(sorted(label for label in item.labels if label.startswith(prefix)))
        if len(found) > 1:
            return Current(None, ambiguous=found)
        return Current(found[0] if found else None)

    def same(self, item: Item, a: str | None, b: str | None) -> bool:
        """GitHub label names are one label in any case (``Theme/Checkout`` is ``theme/checkout``)."""
        if item.source == "github" and a is not None and b is not None:
            return label_key(a) == label_key(b)
        return a == b

    def problems(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        if not target.prefix:
            yield (("prefix",), f'target `label` needs a prefix (e.g. prefix = "{context.name}/")')
        if context.tracker == "github":
            yield from self._too_long(target, context)
        if context.tracker == "jira":
            yield from self._jira_refusals(target, context)
        yield from super().problems(target, context)

    def _too_long(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        """GitHub refuses label names over 50 characters (422), so such a label could never be written."""
        wanted = context.theme_ids if context.name == "theme" else context.known_values
        for value in wanted:
            native = self.to_native(target, value) or ""
            if len(native) > LABEL_NAME_MAX:
                yield (("prefix",), f"{context.name} `{value}` with prefix `{target.prefix or ''}` makes the "
                       f"GitHub label `{native}` {len(native)} characters long; GitHub allows at most "
                       f"{LABEL_NAME_MAX}: shorten the prefix or the id, or map it in `values`")  # fmt: skip

    def _jira_refusals(self, target: FieldTarget, context: TargetContext) -> Iterator[Problem]:
        """A prefix or value that makes a label Jira cannot store: whitespace, over 255 characters."""
        prefix = target.prefix or ""
        if any(ch.isspace() for ch in prefix):
            fixed = "".join(prefix.split()) or "theme:"
            yield (("prefix",), f"Jira labels cannot contain spaces, so no label with prefix {prefix!r} "
                   f"can be written; use e.g. {fixed!r}")  # fmt: skip
            return
        wanted = context.theme_ids if context.name == "theme" else context.known_values
        for value in wanted:
            native = self.to_native(target, value) or ""
            if jira_label_refusal(native, "cloud"):
                where = ("values", value) if value in target.values else ("prefix",)
                yield (where, f"{context.name} `{value}` makes the Jira label {native!r}, which Jira "
                       f"cannot store (no spaces, at most {JIRA_LABEL_MAX} characters): shorten or map it "
                       "in `values`")  # fmt: skip

    # -- writes --------------------------------------------------------------------------------

    def jira_edit(self, edit: JiraEdit, item: Item, change: FieldChange, target: FieldTarget,
                  site: JiraSite) -> bool:  # fmt: skip
        removes = change.old is not None and change.old != change.new and change.old in item.labels
        adds = change.new is not None and change.new not in item.labels
        if not (removes or adds):
            return False
        if adds and change.new is not None:
            refusal = jira_label_refusal(change.new, site.flavor)
            if refusal:
                raise Unwritable(refusal)
        if change.old is not None and change.old != change.new:
            edit.operation("labels", "remove", change.old)
        if change.new is not None and change.new != change.old:
            edit.operation("labels", "add", change.new)
        edit.changes.append(change)
        return True

    def github_write(self, item: Item, changes: list[FieldChange], site: GithubSite) -> list[WriteOutcome]:
        current = {label_key(label): label for label in item.labels}
        adds = sorted({c.new for c in changes if c.new and label_key(c.new) not in current})
        removes = sorted(
            {current[label_key(c.old)] for c in changes
             if c.old and not self.same(item, c.old, c.new) and label_key(c.old) in current}
            - set(adds)
        )  # fmt: skip
        client = site.client
        before = client.requests
        issue = f"/repos/{item.scope}/issues/{item.key.rsplit('#', 1)[1]}"
        missing: set[str] = set()
        if adds:
            _ensure_repo_labels(site, item.scope, adds, changes)
            answer = client.rest("POST", f"{issue}/labels", body={"labels": adds}, item=item.key)
            held = {label_key(str(lab.get("name"))) for lab in answer.data or () if isinstance(lab, dict)}
            missing = {name for name in adds if label_key(name) not in held}
        for name in removes:
            client.rest("DELETE", f"{issue}/labels/{quote(name, safe='')}", item=item.key, accept=(404,))
        requests = client.requests - before
        done = {label_key(name) for name in (*adds, *removes)}
        statuses: list[OutcomeStatus] = [
            "unwritable" if c.new in missing
            else "applied" if any(v and label_key(v) in done for v in (c.new, c.old))
            else "skipped"
            for c in changes
        ]
        why = ("GitHub answered 200 but the labels in its answer do not include it, so it is not counted "
               "as written; check the token's access to the repository [source github]")
        return [WriteOutcome(c, s, why if s == "unwritable" else None, requests=requests if n == 0 else 0)
                for n, (c, s) in enumerate(zip(changes, statuses, strict=True))]  # fmt: skip

    # -- doctor --------------------------------------------------------------------------------

    def doctor_jira(self, doctor: JiraDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Labels is on the edit screen of every issue type holding items in each project."""
        for name, target in targets:
            example = (doctor.needed(name, target) or [""])[0]
            doctor.probe.add(f"{name}: labels {target.prefix or ''}", "info",
                             f"labels like \"{example}\"; Jira creates a label on first use, "
                             "nothing to set up")  # fmt: skip
            check_label_screens(doctor.probe, name, by_project(doctor.screens()))

    def doctor_github(self, doctor: GithubDoctor, targets: Sequence[tuple[str, FieldTarget]]) -> None:
        """Which labels exist already (one ``/labels`` page per repository) and which a write creates."""
        existing: set[str] = set()
        for repo in doctor.repos:
            page = doctor.get(f"repository {repo.name}", f"/repos/{repo.name}/labels", {"per_page": 100})
            existing |= {str(label.get("name")) for label in (page.data if page else None) or ()}
        for name, target in targets:
            wanted = doctor.needed(name, target)
            absent = missing(wanted, existing)
            detail = f"{len(wanted) - len(absent)} of {len(wanted)} labels exist"
            if absent:
                more = "…" if len(absent) > 6 else ""
                detail += f"; {', '.join(absent[:6])}{more} will be created on first write"
            doctor.probe.add(f"{name}: labels {target.prefix or ''}", "info", detail)


def _ensure_repo_labels(site: GithubSite, repo: str, names: list[str], changes: list[FieldChange]) -> None:
    known = site.memo(f"labels:{repo}", lambda: _list_repo_labels(site, repo))
    for name in names:
        if label_key(name) in known:
            continue
        prefix = next((site.target(c).prefix for c in changes if c.new == name), None)
        body = {"name": name, "color": label_colour(prefix or name), "description": "managed by roadsync"}
        response = site.client.rest("POST", f"/repos/{repo}/labels", body=body, item=repo, accept=(422,))
        if response.status == 422 and not _already_exists(response.data):
            raise RemoteRefused(f"GitHub refused to create label {name!r}", source="github", item=repo)
        known.add(label_key(name))


def _list_repo_labels(site: GithubSite, repo: str) -> set[str]:
    names: set[str] = set()
    url: str | None = f"/repos/{repo}/labels?per_page=100"
    while url:
        response = site.client.rest("GET", url, item=repo)
        names |= {label_key(str(label["name"])) for label in response.data or ()}
        url = site.next_link(response.headers)
    return names


def _already_exists(data: object) -> bool:
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(isinstance(e, dict) and e.get("code") == "already_exists" for e in errors or ())


JIRA_LABEL_MAX = 255


def jira_label_refusal(label: str, flavor: str) -> str | None:
    """Jira's refusal of ``label`` (whitespace, or longer than 255 characters), None when it can
    store it; the texts are Jira Cloud's and Data Center's own (research/jira.md §5)."""
    if not label or any(ch.isspace() for ch in label):
        if flavor == "cloud":
            return f"The label '{label}' can't contain spaces."
        return f"The label '{label}' contains spaces which is invalid."
    if len(label) > JIRA_LABEL_MAX:
        return f"The label '{label}' exceeds the maximum length for a single label of 255 characters."
    return None
