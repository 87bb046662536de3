"""Every GraphQL document roadsync sends validates against GitHub's published schema."""

from __future__ import annotations

import graphql
import pytest

from roadsync.connectors.github import graphql as documents
from roadsync.connectors.github.client import graphql_url_for
from tests.paths import GITHUB_GRAPHQL_SCHEMA

SCHEMA_PATH = GITHUB_GRAPHQL_SCHEMA


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA_PATH.read_text(), assume_valid=True)


def test_batched_label_changes_validate(schema: graphql.GraphQLSchema) -> None:
    """A full batch of label adds and removes is one valid document, one label per alias."""
    changes = [documents.LabelChange(f"I_{n}", f"LA_{n}", f"theme/{n}", n % 3 != 0)
               for n in range(documents.BATCH_SIZE)]
    document, variables = documents.label_changes_mutation(changes)
    assert graphql.validate(schema, graphql.parse(document)) == []
    adds = document.count("addLabelsToLabelable(")
    assert (adds, document.count("removeLabelsFromLabelable(")) == (66, 34)
    assert variables["l1"] == ["LA_1"] and variables["i1"] == "I_1"


@pytest.mark.parametrize(
    "name",
    ["PROJECT_ORG_QUERY", "PROJECT_USER_QUERY", "PROJECT_ITEMS_QUERY", "ADD_ITEM_MUTATION",
     "TRANSFERS_QUERY", "ISSUE_LABELS_QUERY", "ITEM_EXISTS_QUERY"],
)
def test_constant_documents_validate(schema: graphql.GraphQLSchema, name: str) -> None:
    """The board queries, the transfers query and the add-item mutation are valid GitHub GraphQL."""
    assert graphql.validate(schema, graphql.parse(getattr(documents, name))) == []


def test_batched_field_updates_validate(schema: graphql.GraphQLSchema) -> None:
    """A full batch mixing every value kind and clears is one valid document with one alias each."""
    kinds: list[documents.Kind] = ["singleSelectOptionId", "text", "number", "date"]
    updates = [
        documents.FieldUpdate(f"PVTI_{n}", f"PVTF_{n}", kinds[n % 4], None if n % 5 == 0 else "v")
        for n in range(documents.BATCH_SIZE)
    ]
    document, variables = documents.field_updates_mutation("PVT_1", updates)
    assert graphql.validate(schema, graphql.parse(document)) == []
    assert (
        document.count("updateProjectV2ItemFieldValue") + document.count("clearProjectV2ItemFieldValue")
        == documents.BATCH_SIZE
    )
    assert variables["v1"] == {"text": "v"} and "v0" not in variables


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://ghe.example/api/v3", "https://ghe.example/api/graphql"),
        ("https://ghe.example/api/v3/", "https://ghe.example/api/graphql"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
    ],
)
def test_graphql_url_for(base: str, url: str) -> None:
    """The GraphQL endpoint follows from the REST base URL, GitHub Enterprise included."""
    assert graphql_url_for(base) == url
