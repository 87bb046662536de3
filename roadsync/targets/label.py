"""Labels that start with a prefix (``theme/checkout``), in Jira and GitHub.

roadsync owns at most one label with the prefix per item; several are ambiguous (reported, never
written). A change removes ``old`` and adds ``new`` one by one, never replacing the set:

- Jira: ``update.labels`` ``remove``/``add`` operations in the issue's one PUT ("Edit issue",
  https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put).
  Jira cannot store a label with whitespace (Cloud: "The label 'x y' can't contain spaces.", Data
  Center: "... contains spaces which is invalid.") or longer than 255 characters (research/jira.md
  §5): ``validate`` refuses such a prefix or value, and such a label is never sent;
- GitHub: one aliased ``addLabelsToLabelable`` per label added and ``removeLabelsFromLabelable``
  per label removed (one label each, never the set), held by the writer and sent many to a GraphQL
  document (:mod:`roadsync.connectors.github.label_batch`, which maps GitHub's answer to each
  change's outcome: an add the answer does not show is ``unwritable``). Both need the label's
  node id, which the queue resolves for a whole document at once
  (:mod:`roadsync.connectors.github.label_ids`: one lookup query for every repository; missing
  labels to add created with the prefix's colour as aliased ``createLabel`` mutations in one
  document, "already exists" reusing the label, REST creation the fallback). A label to remove
  that the repository no longer has is on no issue: nothing to send.
  https://docs.github.com/en/graphql/reference/mutations#createlabel,
  https://docs.github.com/en/graphql/reference/mutations#addlabelstolabelable
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from roadsync.changes import FieldChange, WriteOutcome
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
    github_budget = "graphql"
    batched = True

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
        from roadsync.connectors.github.graphql import LabelChange

        current = {label_key(label): label for label in item.labels}
        adds = sorted({c.new for c in changes if c.new and label_key(c.new) not in current})
        removes = sorted(
            {current[label_key(c.old)] for c in changes
             if c.old and not self.same(item, c.old, c.new) and label_key(c.old) in current}
            - set(adds)
        )  # fmt: skip
        if not (adds or removes):
            return [WriteOutcome(c, "skipped") for c in changes]
        if not item.native_id:
            raise RemoteRefused(f"{item.key} has no GitHub node id to label", source="github", item=item.key)
        colour = {c.new: label_colour(site.target(c).prefix or c.new) for c in changes if c.new}
        issue, key, repo = item.native_id, item.key, item.scope
        ops = [LabelChange(issue, "", name, True, key, repo, colour[name]) for name in adds]
        ops += [LabelChange(issue, "", name, False, key, repo) for name in removes]
        return site.hold_labels(changes, ops)

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
