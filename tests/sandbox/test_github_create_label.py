"""The emulator's ``createLabel``, aliased several to a document.

Sources: GitHub's GraphQL reference (https://docs.github.com/en/graphql/reference/mutations#createlabel;
``CreateLabelInput`` and ``CreateLabelPayload`` in tests/api/github-graphql.schema.graphql); aliased
``createLabel`` documents answering ``label { id }`` (community code: sledgehammer999's
``LabelCreator``); label names unique per repository in any case, REST's 422 ``already_exists``
"Name has already been taken" (research github.md §4; the GraphQL wording is unverified); creating
labels takes write access ("Repository roles for an organization"); a failing alias is ``null``
with an error whose ``path`` is its alias, the others applied (GraphQL spec, "Executing mutations").
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, world


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def _repo_id(w: World, repo: str) -> str:
    return w.sb.github_store.repo(repo).node_id  # type: ignore[union-attr]


def _create(w: World, labels: list[tuple[str, str]], who: str = "bot") -> dict[str, Any]:
    """One document of aliased ``createLabel`` (``c0``, ``c1``…), one per ``(repository, name)``."""
    calls = [f'c{n}: createLabel(input: {{repositoryId: "{_repo_id(w, repo)}", name: "{name}", '
             'color: "c0ffee", description: "managed by roadsync"}) '
             "{ label { id name color description } }"
             for n, (repo, name) in enumerate(labels)]
    body: dict[str, Any] = w.gql("mutation { " + " ".join(calls) + " }", who=who).json()
    return body


def test_aliased_creations_answer_each_new_label_with_its_node_id(w: World) -> None:
    """Two new labels in two repositories, one document: each alias answers the label GitHub now
    lists under that node id, with the colour and description given."""
    body = _create(w, [("acme/web", "theme/search"), ("acme/api", "theme/search")])
    assert "errors" not in body
    for alias, repo in (("c0", "acme/web"), ("c1", "acme/api")):
        made = body["data"][alias]["label"]
        stored = w.sb.github_store.find_label(w.sb.github_store.repo(repo), "theme/search")  # type: ignore[arg-type]
        assert stored is not None and made["id"] == stored.node_id
        assert (made["name"], made["color"], made["description"]) == ("theme/search", "c0ffee",
                                                                      "managed by roadsync")
    assert body["data"]["c0"]["label"]["id"] != body["data"]["c1"]["label"]["id"]


def test_a_name_the_repository_has_in_another_case_fails_its_alias_only(w: World) -> None:
    """``theme/checkout`` where ``Theme/Checkout`` exists is refused (UNPROCESSABLE, path = its alias),
    no second label appears, and the other alias of the document is created."""
    body = _create(w, [("acme/web", "theme/checkout"), ("acme/web", "theme/infra")])
    assert body["data"]["c0"] is None
    assert [(e["type"], e["path"]) for e in body["errors"]] == [("UNPROCESSABLE", ["c0"])]
    assert "already been taken" in body["errors"][0]["message"]
    names = sorted(w.sb.github_store.repo("acme/web").labels)  # type: ignore[union-attr]
    assert names == ["Theme/Checkout", "theme/infra", "ui"]


def test_a_triage_token_cannot_create_labels(w: World) -> None:
    """Below write access the alias is FORBIDDEN and the repository keeps its labels."""
    body = _create(w, [("acme/web", "theme/search")], who="tess")
    assert body["data"]["c0"] is None and body["errors"][0]["type"] == "FORBIDDEN"
    assert "CreateLabel" in body["errors"][0]["message"]
    assert w.sb.github_store.find_label(w.sb.github_store.repo("acme/web"), "theme/search") is None  # type: ignore[arg-type]


def test_a_creation_document_costs_5_points_and_one_content_request(w: World) -> None:
    """Under one content request a minute, a document of three creations goes through and a second
    document is refused (403) without creating its label."""
    w.sb.set_github_limits(content_per_minute=1, minute_s=30.0)
    assert "errors" not in _create(w, [("acme/web", "a"), ("acme/web", "b"), ("acme/api", "c")])
    web = _repo_id(w, "acme/web")
    call = f'c0: createLabel(input: {{repositoryId: "{web}", name: "d", color: "c0ffee"}})'
    call += " { label { id } }"
    assert w.gql("mutation { " + call + " }").status_code == 403
    assert w.sb.github_store.find_label(w.sb.github_store.repo("acme/web"), "d") is None  # type: ignore[arg-type]
