"""Playing "a person" against the sandbox: edits over the real Jira REST and GitHub REST/GraphQL
endpoints with a sandbox person's own token (``roadsync sandbox --json`` ``people``), so every
history the emulators keep attributes them to that person, as the trackers would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from roadsync.sandbox.server import Sandbox

__all__ = ["GithubPerson", "JiraPerson", "person"]


@dataclass
class JiraPerson:
    """A person's Jira session: Basic (email + API token) on Cloud, Bearer (PAT) on Data Center."""

    http: httpx.Client
    api: str

    def issue(self, key: str, fields: str = "priority,labels,*all") -> dict[str, Any]:
        answer = self.http.get(f"{self.api}/issue/{key}", params={"fields": fields})
        answer.raise_for_status()
        return dict(answer.json())

    def field_id(self, name: str) -> str:
        return next(str(f["id"]) for f in self.http.get(f"{self.api}/field").json() if f.get("name") == name)

    def edit(self, key: str, body: dict[str, Any]) -> None:
        answer = self.http.put(f"{self.api}/issue/{key}", json=body)
        assert answer.status_code == 204, answer.text

    def set_priority(self, key: str, name: str) -> None:
        self.edit(key, {"fields": {"priority": {"name": name}}})

    def swap_label(self, key: str, remove: str | None, add: str | None) -> None:
        ops = ([{"remove": remove}] if remove else []) + ([{"add": add}] if add else [])
        self.edit(key, {"update": {"labels": ops}})

    def set_option(self, key: str, field: str, value: str) -> None:
        self.edit(key, {"fields": {self.field_id(field): {"value": value}}})

    def values(self, key: str, field: str) -> tuple[str | None, tuple[str, ...], str | None]:
        """(priority, labels, the named select field's value) as Jira holds them now."""
        cf = self.field_id(field)
        raw = self.issue(key, f"priority,labels,{cf}")["fields"]
        option = raw.get(cf) or {}
        return (raw.get("priority") or {}).get("name"), tuple(raw.get("labels") or ()), option.get("value")


@dataclass
class GithubPerson:
    """A person's GitHub token: REST and GraphQL."""

    http: httpx.Client
    graphql_url: str
    owner: str
    number: int

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post(self.graphql_url, json={"query": query, "variables": variables}).json()
        assert not answer.get("errors"), answer
        return dict(answer["data"])

    def labels(self, key: str) -> tuple[str, ...]:
        repo, number = key.split("#")
        return tuple(str(x["name"]) for x in self.http.get(f"/repos/{repo}/issues/{number}/labels").json())

    def add_label(self, key: str, name: str) -> None:
        repo, number = key.split("#")
        answer = self.http.post(f"/repos/{repo}/issues/{number}/labels", json={"labels": [name]})
        assert answer.status_code == 200, answer.text

    def remove_label(self, key: str, name: str) -> None:
        repo, number = key.split("#")
        # A label name is one path segment: its "/" encoded, as GitHub's clients do.
        answer = self.http.delete(f"/repos/{repo}/issues/{number}/labels/{quote(name, safe='')}")
        assert answer.status_code == 200, answer.text

    def board(self) -> dict[str, Any]:
        query = """query($o: String!, $n: Int!) { organization(login: $o) { projectV2(number: $n) {
          id fields(first: 50) { nodes { ... on ProjectV2FieldCommon { id name }
            ... on ProjectV2SingleSelectField { options { id name } } } }
          items(first: 100) { nodes { id content { ... on Issue { number repository { nameWithOwner } } }
            fieldValues(first: 20) { nodes { ... on ProjectV2ItemFieldSingleSelectValue {
              name field { ... on ProjectV2FieldCommon { name } } } } } } } } } }"""
        return dict(self.graphql(query, {"o": self.owner, "n": self.number})["organization"]["projectV2"])

    def board_value(self, key: str, field: str) -> str | None:
        for node in self.board()["items"]["nodes"]:
            content = node.get("content") or {}
            if f"{content['repository']['nameWithOwner']}#{content['number']}" == key:
                values = node["fieldValues"]["nodes"]
                return next((v["name"] for v in values if v and v["field"]["name"] == field), None)
        return None

    def set_board_value(self, key: str, field: str, option: str) -> bool:
        """Set a single-select value of ``key``'s board item; False when the issue is not on the board."""
        board = self.board()
        def named(node: dict[str, Any]) -> str:
            return f"{node['content']['repository']['nameWithOwner']}#{node['content']['number']}"

        node = next((n for n in board["items"]["nodes"] if named(n) == key), None)
        if node is None:
            return False
        pfield = next(f for f in board["fields"]["nodes"] if f.get("name") == field)
        option_id = next(o["id"] for o in pfield["options"] if o["name"] == option)
        mutation = """mutation($p: ID!, $i: ID!, $f: ID!, $v: String!) { updateProjectV2ItemFieldValue(
          input: {projectId: $p, itemId: $i, fieldId: $f, value: {singleSelectOptionId: $v}}) {
          projectV2Item { id } } }"""
        self.graphql(mutation, {"p": board["id"], "i": node["id"], "f": pfield["id"], "v": option_id})
        return True


def person(sandbox: Sandbox) -> tuple[JiraPerson, GithubPerson]:
    """The sandbox's first person, on both trackers."""
    info = sandbox.info()
    who = info["people"][0]
    jira, github = info["jira"], info["github"]
    if jira["flavor"] == "cloud":
        jira_http = httpx.Client(base_url=jira["url"], auth=(who["jira"]["email"], who["jira"]["token"]))
        api = "/rest/api/3"
    else:
        bearer = {"Authorization": f"Bearer {who['jira']['token']}"}
        jira_http = httpx.Client(base_url=jira["url"], headers=bearer)
        api = "/rest/api/2"
    headers = {"Authorization": f"token {who['github']['token']}"}
    github_http = httpx.Client(base_url=github["url"], headers=headers)
    project = github.get("project") or {"owner": "acme", "number": 1}
    return JiraPerson(jira_http, api), GithubPerson(github_http, github["graphql_url"], project["owner"],
                                                    int(project["number"]))


PRIORITIES = ("Lowest", "Low", "Medium", "High", "Highest")
LEVELS = ("P0", "P1", "P2", "P3", "P4")
ALIGNMENTS = ("aligned", "inherited", "unaligned", "retired", "paused")


def hand_edit(sandbox: Sandbox, key: str, field: str, avoid: tuple[str | None, ...]) -> tuple[str, str]:
    """A person sets managed ``field`` of ``key`` (the demo config's targets) to a value none of
    ``avoid``; returns the field edited (the theme label when the issue is not on the board) and
    what a snapshot shows for it then (see :func:`shown`)."""
    jira, github = person(sandbox)
    if "#" not in key:
        if field == "priority":
            value = next(p for p in PRIORITIES if p not in avoid)
            jira.set_priority(key, value)
            return field, value
        if field == "alignment":
            value = next(a for a in ALIGNMENTS if a not in avoid)
            jira.set_option(key, "Alignment", value)
            return field, value
        for label in avoid:
            if label:
                jira.swap_label(key, label, None)
        jira.swap_label(key, None, "theme:by-hand")
        return field, "theme:by-hand"
    if field != "theme":
        board = "Priority" if field == "priority" else "Alignment"
        value = next(o for o in (LEVELS if field == "priority" else ALIGNMENTS) if o not in avoid)
        if github.set_board_value(key, board, value):
            return field, value
        avoid = ()
    for label in github.labels(key):
        if label.lower() in {(a or "").lower() for a in avoid}:
            github.remove_label(key, label)
    github.add_label(key, "theme/by-hand")
    return "theme", "theme/by-hand"


def shown(snap: dict[str, Any], key: str, field: str) -> Any:
    """What a tracker snapshot holds for a managed field (labels: whether the person's tag is there)."""
    if "#" not in key:
        entry = snap["jira"][key]
        if field == "theme":
            return "theme:by-hand" if "theme:by-hand" in entry["labels"] else entry["labels"]
        return entry["priority"] if field == "priority" else entry["custom"].get("Alignment")
    entry = snap["github"][key]
    if field == "theme":
        return "theme/by-hand" if "theme/by-hand" in entry["labels"] else entry["labels"]
    return entry.get("board", {}).get("Priority" if field == "priority" else "Alignment")
