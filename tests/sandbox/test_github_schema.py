"""The trimmed GraphQL schema shipped with the GitHub emulator is a faithful subset of the official one.

``sandbox/github/schema.graphql`` is generated from ``tests/api/github-graphql.schema.graphql``
by this module; regenerate with ``python -m tests.sandbox.test_github_schema`` from the repo
root after changing :data:`KEEP`. Object, interface and union types keep only the listed fields
(unions and ``implements`` lists keep only kept types); enums, input objects and scalars they
reference are copied whole.
"""

from __future__ import annotations

from typing import Any

import graphql
import pytest
from graphql import language as ast

from tests.paths import GITHUB_GRAPHQL_SCHEMA, REPO

OFFICIAL = GITHUB_GRAPHQL_SCHEMA
TRIMMED = REPO / "sandbox" / "github" / "schema.graphql"

FIELD_COMMON = ["id", "name", "dataType", "databaseId", "createdAt", "updatedAt", "project"]
VALUE_COMMON = ["id", "field", "item", "createdAt", "updatedAt", "databaseId", "creator"]
EVENT_COMMON = ["id", "actor", "createdAt"]
KEEP: dict[str, list[str]] = {
    "Query": ["node", "nodes", "organization", "user", "repository", "rateLimit", "viewer"],
    "Mutation": [
        "addProjectV2ItemById",
        "updateProjectV2ItemFieldValue",
        "clearProjectV2ItemFieldValue",
        "deleteProjectV2Item",
        "addLabelsToLabelable",
        "removeLabelsFromLabelable",
        "transferIssue",
        "deleteIssue",
        "createProjectV2Field",
        "createLabel",
    ],
    "Node": ["id"],
    "Actor": ["login", "url"],
    "Organization": ["id", "login", "name", "databaseId", "url", "projectV2", "projectsV2"],
    "User": ["id", "login", "name", "databaseId", "url", "projectV2", "projectsV2"],
    "Bot": ["id", "login", "databaseId", "url"],
    "Repository": [
        "id", "name", "nameWithOwner", "databaseId", "isPrivate", "url", "issue", "label", "labels",
        "viewerPermission",
    ],
    "Label": ["id", "name", "color", "description", "isDefault", "url"],
    "LabelConnection": ["nodes", "pageInfo", "totalCount"],
    "Labelable": ["labels", "viewerCanLabel"],
    "IssueTimelineItemsConnection": ["nodes", "pageInfo", "totalCount", "filteredCount"],
    "IssueTimelineItems": [],
    "LabeledEvent": [*EVENT_COMMON, "label", "labelable"],
    "UnlabeledEvent": [*EVENT_COMMON, "label", "labelable"],
    "TransferredEvent": [*EVENT_COMMON, "fromRepository", "issue"],
    "Issue": [
        "id",
        "number",
        "title",
        "url",
        "state",
        "databaseId",
        "fullDatabaseId",
        "createdAt",
        "updatedAt",
        "closed",
        "repository",
        "projectItems",
        "parent",
        "subIssues",
        "subIssuesSummary",
        "labels",
        "viewerCanLabel",
        "timelineItems",
    ],
    "PullRequest": ["id", "number", "title", "url", "state", "repository"],
    "DraftIssue": ["id", "title"],
    "SubIssuesSummary": ["total", "completed", "percentCompleted"],
    "IssueConnection": ["nodes", "pageInfo", "totalCount"],
    "PageInfo": ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
    "RateLimit": ["cost", "limit", "nodeCount", "remaining", "resetAt", "used"],
    "ProjectV2": [
        "id",
        "number",
        "title",
        "url",
        "closed",
        "databaseId",
        "fullDatabaseId",
        "createdAt",
        "updatedAt",
        "field",
        "fields",
        "items",
    ],
    "ProjectV2Connection": ["nodes", "pageInfo", "totalCount"],
    "ProjectV2FieldConfigurationConnection": ["nodes", "pageInfo", "totalCount"],
    "ProjectV2FieldConfiguration": [],
    "ProjectV2FieldCommon": FIELD_COMMON,
    "ProjectV2Field": FIELD_COMMON,
    "ProjectV2SingleSelectField": [*FIELD_COMMON, "options"],
    "ProjectV2SingleSelectFieldOption": ["id", "name", "nameHTML", "color", "description", "descriptionHTML"],
    "ProjectV2IterationField": [*FIELD_COMMON, "configuration"],
    "ProjectV2IterationFieldConfiguration": ["completedIterations", "duration", "iterations", "startDay"],
    "ProjectV2IterationFieldIteration": ["id", "title", "titleHTML", "startDate", "duration"],
    "ProjectV2ItemConnection": ["nodes", "pageInfo", "totalCount"],
    "ProjectV2Item": [
        "id",
        "type",
        "content",
        "fieldValues",
        "fieldValueByName",
        "isArchived",
        "project",
        "databaseId",
        "fullDatabaseId",
        "createdAt",
        "updatedAt",
        "creator",
    ],
    "ProjectV2ItemContent": [],
    "ProjectV2ItemFieldValueConnection": ["nodes", "pageInfo", "totalCount"],
    "ProjectV2ItemFieldValue": [],
    "ProjectV2ItemFieldValueCommon": VALUE_COMMON,
    "ProjectV2ItemFieldSingleSelectValue": [
        *VALUE_COMMON,
        "name",
        "nameHTML",
        "optionId",
        "color",
        "description",
    ],
    "ProjectV2ItemFieldTextValue": [*VALUE_COMMON, "text"],
    "ProjectV2ItemFieldNumberValue": [*VALUE_COMMON, "number"],
    "ProjectV2ItemFieldDateValue": [*VALUE_COMMON, "date"],
    "ProjectV2ItemFieldIterationValue": [
        *VALUE_COMMON,
        "iterationId",
        "title",
        "titleHTML",
        "startDate",
        "duration",
    ],
    "AddProjectV2ItemByIdPayload": ["clientMutationId", "item"],
    "UpdateProjectV2ItemFieldValuePayload": ["clientMutationId", "projectV2Item"],
    "ClearProjectV2ItemFieldValuePayload": ["clientMutationId", "projectV2Item"],
    "DeleteProjectV2ItemPayload": ["clientMutationId", "deletedItemId"],
    "AddLabelsToLabelablePayload": ["clientMutationId", "labelable"],
    "RemoveLabelsFromLabelablePayload": ["clientMutationId", "labelable"],
    "TransferIssuePayload": ["clientMutationId", "issue"],
    "DeleteIssuePayload": ["clientMutationId", "repository"],
    "CreateProjectV2FieldPayload": ["clientMutationId", "projectV2Field"],
    "CreateLabelPayload": ["clientMutationId", "label"],
}


def _named(type_node: ast.TypeNode) -> str:
    while not isinstance(type_node, ast.NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


def _official_definitions() -> dict[str, ast.DefinitionNode]:
    document = graphql.parse(OFFICIAL.read_text(encoding="utf-8"), no_location=True)
    return {d.name.value: d for d in document.definitions if hasattr(d, "name") and d.name}  # type: ignore[attr-defined]


def _references(node: ast.DefinitionNode) -> set[str]:
    names: set[str] = set()
    for f in getattr(node, "fields", None) or ():
        names.add(_named(f.type))
        names.update(_named(a.type) for a in getattr(f, "arguments", None) or ())
    return names


def generate() -> str:
    """The trimmed SDL: :data:`KEEP` types with their listed fields, plus every enum/input/scalar they use."""
    official = _official_definitions()
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    out: dict[str, ast.DefinitionNode] = {}
    pending = list(KEEP)
    while pending:
        name = pending.pop()
        if name in out or name in builtin:
            continue
        node = official[name]
        if isinstance(node, (ast.ObjectTypeDefinitionNode, ast.InterfaceTypeDefinitionNode)):
            if name not in KEEP:
                raise KeyError(f"{name} is referenced but not listed in KEEP")
            fields = tuple(f for f in node.fields or () if f.name.value in KEEP[name])
            missing = set(KEEP[name]) - {f.name.value for f in fields}
            assert not missing, f"{name} lacks {missing}"
            # keep an interface only where the type keeps every field the interface keeps
            interfaces = tuple(i for i in node.interfaces or ()
                               if i.name.value in KEEP and set(KEEP[i.name.value]) <= set(KEEP[name]))
            node = type(node)(
                name=node.name,
                description=node.description,
                directives=node.directives,
                interfaces=interfaces,
                fields=fields,
            )
        elif isinstance(node, ast.UnionTypeDefinitionNode):
            members = tuple(t for t in node.types or () if t.name.value in KEEP)
            node = ast.UnionTypeDefinitionNode(
                name=node.name, description=node.description, directives=node.directives, types=members
            )
        out[name] = node
        pending.extend(sorted(_references(node)))
    definitions = [out[n] for n in sorted(out)]
    text = graphql.print_ast(ast.DocumentNode(definitions=tuple(definitions)))
    if "@requiredCapabilities" in text:
        directive = next(line for line in OFFICIAL.read_text().splitlines() if line.startswith("directive"))
        text = directive + "\n\n" + text
    header = (
        "# Trimmed from the official GitHub GraphQL schema (@octokit/graphql-schema 15.26.1) by\n"
        "# tests/sandbox/test_github_schema.py; do not edit by hand.\n\n"
    )
    return header + text + "\n"


def _field_signature(field: graphql.GraphQLField | graphql.GraphQLInputField) -> tuple[object, ...]:
    args = getattr(field, "args", {}) or {}
    return (
        str(field.type),
        field.deprecation_reason if hasattr(field, "deprecation_reason") else None,
        tuple(sorted((n, str(a.type), repr(a.default_value)) for n, a in args.items())),
    )


@pytest.fixture(scope="module")
def schemas() -> tuple[graphql.GraphQLSchema, graphql.GraphQLSchema]:
    official = graphql.build_schema(OFFICIAL.read_text(encoding="utf-8"), assume_valid=True)
    trimmed = graphql.build_schema(TRIMMED.read_text(encoding="utf-8"), assume_valid=True)
    return official, trimmed


def test_trimmed_schema_is_what_the_generator_writes() -> None:
    """The shipped schema.graphql equals what the generator produces from the official schema."""
    assert TRIMMED.read_text(encoding="utf-8") == generate()


def test_every_trimmed_type_and_field_matches_the_official_schema(
    schemas: tuple[graphql.GraphQLSchema, graphql.GraphQLSchema],
) -> None:
    """Every type, field, argument, enum value and union member of the trimmed schema is GitHub's own."""
    official, trimmed = schemas
    checked = 0
    kept: Any
    for name, kept in trimmed.type_map.items():
        if name.startswith("__"):
            continue
        real: Any = official.type_map[name]
        assert type(kept) is type(real), name
        if isinstance(
            kept, (graphql.GraphQLObjectType, graphql.GraphQLInterfaceType, graphql.GraphQLInputObjectType)
        ):
            for fname, field in kept.fields.items():
                assert _field_signature(field) == _field_signature(real.fields[fname]), f"{name}.{fname}"
                checked += 1
        if isinstance(kept, graphql.GraphQLInputObjectType):
            assert set(kept.fields) == set(real.fields), name
        if isinstance(kept, graphql.GraphQLEnumType):
            assert set(kept.values) == set(real.values), name
        if isinstance(kept, graphql.GraphQLUnionType):
            assert {t.name for t in kept.types} <= {t.name for t in real.types}, name
    assert checked > 100


def test_trimmed_schema_is_a_valid_schema(
    schemas: tuple[graphql.GraphQLSchema, graphql.GraphQLSchema],
) -> None:
    """The served schema passes graphql-core's own schema validation, so documents are checked for real."""
    assert graphql.validate_schema(schemas[1]) == []


if __name__ == "__main__":
    TRIMMED.write_text(generate(), encoding="utf-8")
    print(f"wrote {TRIMMED}")
