"""Where the tests find the repository and the official API descriptions they check against.

The descriptions are copies kept in ``tests/api/`` (sources and versions in its README), so a
clone of this repository alone passes its tests.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
API = REPO / "tests" / "api"
JIRA_OPENAPI = API / "jira-cloud-v3.json"
GITHUB_OPENAPI = API / "github-rest.json"
GITHUB_GRAPHQL_SCHEMA = API / "github-graphql.schema.graphql"
