"""Repository label node ids for label adds and removes: looked up in one query, missing ones created
many to a document.

``addLabelsToLabelable`` and ``removeLabelsFromLabelable`` take label node ids
[docs: https://docs.github.com/en/graphql/reference/mutations#addlabelstolabelable]. A first
adoption needs labels no repository has yet, so :class:`LabelIds` resolves every (repository, name)
a document of label changes needs at once:

1. **Look up** the unknown ones in one GraphQL query for all repositories (:func:`lookup_query`):
   per repository its node id, and per name ``label(name:)`` (exact case [community: git-bug#176])
   and ``labels(query:)`` (a search by name, any case [spec: ``Repository.labels``]); a name matches
   a label in any case, as GitHub compares them (research github.md §4).
2. **Create** the missing ones as aliased ``createLabel`` mutations, up to the writer's document size
   in one document [docs: https://docs.github.com/en/graphql/reference/mutations#createlabel;
   the official schema (tests/api) lists it with no preview notice, and github/github-mcp-server
   PR #1101 (2025) calls it without a preview header; community code: sledgehammer999's
   ``LabelCreator`` sends them aliased, one ``label { id }`` each]. It is one paced write and one
   content-creating request, 5 GraphQL points, however many labels it creates (GitHub's secondary
   limits, :mod:`.pacing`).
3. An alias GitHub refused (a person created the label meanwhile, or it exists in another case:
   "Name has already been taken"; the wording is not relied on), or a document whose answer was
   lost: those names are **looked up again**, and a label found is reused, so "already exists"
   counts as success.
4. Still missing, or GraphQL creation refused as a whole (an older GitHub Enterprise Server without
   the mutation): the label is created by REST, ``POST /repos/o/r/labels``, a
   422 ``already_exists`` then read with ``GET /repos/o/r/labels/{name}``
   [docs: https://docs.github.com/en/rest/issues/labels#create-a-label]. A refusal that answers the
   whole document stops GraphQL creation for the rest of the writer's run.
5. A refusal of the token's permission (``FORBIDDEN``, ``INSUFFICIENT_SCOPES``, ``UNAUTHORIZED``,
   or an HTTP 401/403: creating labels takes write access, a triage token may only apply them
   [docs: "Repository roles for an organization"]) is not tried by another route: REST asks the
   same permission. Those labels fail with GitHub's refusal, so only the changes that needed them
   fail; adds of labels that exist go on.

Ids found or created are kept for the writer's run; a label no step yields is reported per name
(:meth:`LabelIds.resolve`'s ``failed``), so only the changes that needed it fail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from roadsync.connectors.github.client import GithubClient, GraphqlResult
from roadsync.connectors.github.graphql import DocumentSize
from roadsync.connectors.github.graphql_errors import graphql_error
from roadsync.connectors.github_labels import label_key
from roadsync.errors import AuthError, BudgetExhausted, RemoteRefused, TrackerError, TransientError
from roadsync.logs import event

__all__ = ["LOOKUPS_PER_QUERY", "LabelIds", "Need", "create_labels_mutation", "lookup_query"]

LOOKUPS_PER_QUERY = 100
"""Names per lookup query: 100 x (1 + 100) label nodes stays far inside GitHub's 500,000-node
limit [docs: https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#node-limit]."""
DESCRIPTION = "managed by roadsync"

Key = tuple[str, str]
"""(``owner/repo``, label key): one repository label, in any case."""


@dataclass(frozen=True)
class Need:
    """A label a change needs in ``repo``; ``color`` (6 hex digits) when it may be created (an add),
    empty when not (a remove: a label the repository lacks is on no issue)."""

    repo: str
    name: str
    color: str = ""

    @property
    def key(self) -> Key:
        return (self.repo, label_key(self.name))


def lookup_query(needs: Sequence[Need]) -> tuple[str, dict[str, Any]]:
    """One query: per repository (``r0``…) its node id, per name (``e0``/``q0``…) the label of that
    exact name and the labels whose name or description contain it."""
    repos = sorted({need.repo for need in needs})
    declared, parts, variables = [], [], {}
    for r, repo in enumerate(repos):
        owner, _, name = repo.partition("/")
        declared += [f"$o{r}: String!", f"$r{r}: String!"]
        variables[f"o{r}"], variables[f"r{r}"] = owner, name
        labels = []
        for n, need in enumerate(needs):
            if need.repo == repo:
                declared.append(f"$n{n}: String!")
                variables[f"n{n}"] = need.name
                labels.append(f"e{n}: label(name: $n{n}) {{ id name }} "
                              f"q{n}: labels(query: $n{n}, first: 100) {{ nodes {{ id name }} }}")
        parts.append(f"  r{r}: repository(owner: $o{r}, name: $r{r}) {{ id {' '.join(labels)} }}")
    document = f"query RoadsyncRepoLabels({', '.join(declared)}) {{\n" + "\n".join(parts) + "\n}\n"
    return document, variables


def create_labels_mutation(repo_ids: Mapping[str, str], needs: Sequence[Need]) -> tuple[str, dict[str, Any]]:
    """One document with an aliased ``createLabel`` (``c0``, ``c1``…) per need and its variables."""
    declared, calls, variables = [], [], {}
    for n, need in enumerate(needs):
        declared += [f"$r{n}: ID!", f"$n{n}: String!", f"$c{n}: String!", f"$d{n}: String"]
        variables.update({f"r{n}": repo_ids[need.repo], f"n{n}": need.name, f"c{n}": need.color,
                          f"d{n}": DESCRIPTION})
        calls.append(f"  c{n}: createLabel(input: {{repositoryId: $r{n}, name: $n{n}, color: $c{n}, "
                     f"description: $d{n}}}) {{ label {{ id name }} }}")
    document = f"mutation RoadsyncCreateLabels({', '.join(declared)}) {{\n" + "\n".join(calls) + "\n}\n"
    return document, variables


class LabelIds:
    """Label node ids of one writer's run, by (repository, label key)."""

    def __init__(self, client: GithubClient, size: DocumentSize) -> None:
        self.client = client
        self.size = size
        self.known: dict[Key, str] = {}
        self.failed: dict[Key, str] = {}
        self.absent: set[Key] = set()
        """Labels looked up for a remove and not found: on no issue, nothing to remove."""
        self._repo_ids: dict[str, str] = {}
        self._graphql_create = True

    def resolve(self, needs: Iterable[Need]) -> dict[Key, str]:
        """The node id of every need that exists or could be created (see the module docstring);
        a need missing from the answer is in :attr:`failed` (with why) or, for a remove, absent."""
        by_key: dict[Key, Need] = {}
        for need in needs:  # a need that may create the label wins over one that may not
            if need.key not in self.known and not by_key.get(need.key, Need("", "")).color:
                by_key[need.key] = need
        unknown = list(by_key.values())
        self._lookup(unknown)
        wanted = [need for need in unknown if need.color and need.key not in self.known]
        self.absent |= {need.key for need in unknown if not need.color and need.key not in self.known}
        if wanted and self._graphql_create:
            self._lookup(self._create(wanted))
        for need in wanted:
            if need.key not in self.known and need.key not in self.failed:
                self._create_rest(need)
        return self.known

    def _lookup(self, needs: Sequence[Need]) -> None:
        """Read the ids of ``needs`` that exist (and their repositories' ids); one query per
        :data:`LOOKUPS_PER_QUERY` names. A failed read leaves them unknown."""
        for start in range(0, len(needs), LOOKUPS_PER_QUERY):
            chunk = needs[start : start + LOOKUPS_PER_QUERY]
            document, variables = lookup_query(chunk)
            try:
                answer = self.client.graphql_known(document, variables, item=chunk[0].repo, partial=True)
            except (AuthError, BudgetExhausted):
                raise
            except TrackerError as exc:
                event("labels.lookup", logging.WARNING, labels=len(chunk), error=exc.one_line())
                continue
            self._found(chunk, answer)

    def _found(self, needs: Sequence[Need], answer: GraphqlResult) -> None:
        repos = sorted({need.repo for need in needs})
        for r, repo in enumerate(repos):
            node = answer.data.get(f"r{r}")
            if not isinstance(node, dict):
                continue
            self._repo_ids[repo] = str(node.get("id") or "")
            for n, need in enumerate(needs):
                if need.repo != repo:
                    continue
                exact = node.get(f"e{n}") or {}
                nodes = [exact, *((node.get(f"q{n}") or {}).get("nodes") or ())]
                found = next((str(lab["id"]) for lab in nodes if isinstance(lab, dict) and lab.get("id")
                              and label_key(str(lab.get("name"))) == need.key[1]), None)
                if found:
                    self.known[need.key] = found

    def _create(self, needs: Sequence[Need]) -> list[Need]:
        """Create ``needs`` with aliased ``createLabel`` documents; the needs not created."""
        ready = [need for need in needs if self._repo_ids.get(need.repo)]
        left = [need for need in needs if not self._repo_ids.get(need.repo)]
        step = self.size.current
        for start in range(0, len(ready), step):
            chunk = ready[start : start + step]
            if not self._graphql_create:
                left += chunk
                continue
            left += self._create_document(chunk)
        return left

    def _create_document(self, needs: Sequence[Need]) -> list[Need]:
        document, variables = create_labels_mutation(self._repo_ids, needs)
        try:
            answer = self.client.graphql(document, variables, item=needs[0].repo, partial=True)
        except BudgetExhausted:
            raise
        except TransientError as exc:  # it may have run: the lookup that follows tells
            event("labels.create", logging.WARNING, labels=len(needs), error=exc.one_line())
            return list(needs)
        except AuthError as exc:  # the token may not create labels: no other route asks less
            event("labels.create", logging.WARNING, labels=len(needs), error=exc.one_line())
            self.failed.update({need.key: exc.one_line() for need in needs})
            return []
        except TrackerError as exc:  # refused whole: REST from now on
            event("labels.create", logging.WARNING, labels=len(needs), error=exc.one_line(), fallback="rest")
            self._graphql_create = False
            return list(needs)
        errors = {str((e.get("path") or [""])[0]): e for e in answer.errors}
        left = []
        for n, need in enumerate(needs):
            label = (answer.data.get(f"c{n}") or {}).get("label") or {}
            refused = graphql_error(errors[f"c{n}"], {}, need.repo) if f"c{n}" in errors else None
            if label.get("id"):
                self.known[need.key] = str(label["id"])
            elif isinstance(refused, AuthError):  # this alias's permission: REST would ask the same
                self.failed[need.key] = refused.one_line()
            else:
                left.append(need)
        return left

    def _create_rest(self, need: Need) -> None:
        """The REST road (module docstring, step 4); a refusal lands in :attr:`failed`."""
        body = {"name": need.name, "color": need.color, "description": DESCRIPTION}
        try:
            response = self.client.rest("POST", f"/repos/{need.repo}/labels", body=body, item=need.repo,
                                        accept=(422,))
            if response.status == 422 and not _already_exists(response.data):
                raise RemoteRefused(f"GitHub refused to create label {need.name!r}", source="github",
                                    item=need.repo)
            if response.status == 422:  # created meanwhile, in some case: its id is one read away
                url = f"/repos/{need.repo}/labels/{quote(need.name, safe='')}"
                response = self.client.rest("GET", url, item=need.repo)
        except (AuthError, BudgetExhausted):
            raise
        except TrackerError as exc:
            self.failed[need.key] = exc.one_line()
            return
        node_id = str((response.data or {}).get("node_id") or "")
        if node_id:
            self.known[need.key] = node_id
        else:
            self.failed[need.key] = f"GitHub created label {need.name!r} without a node id [source github]"


def _already_exists(data: object) -> bool:
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(isinstance(e, dict) and e.get("code") == "already_exists" for e in errors or ())
