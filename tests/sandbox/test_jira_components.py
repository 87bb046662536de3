"""The Jira emulator's project components: listed as Jira lists them, and edited one at a time.

Sources: "Get project components" (GET /rest/api/{2,3}/project/{projectIdOrKey}/components: every
component, unpaged, each with ``self``, ``id``, ``name``; 404 for a project the caller cannot see),
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-project-components/ ;
"Edit issue" (``update.components`` add/remove operations by ``name``; an unknown name is a 400),
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from roadsync.connectors.jira import Flavor
from tests.connectors.test_jira_reader import EMAIL, FLAVORS, TOKEN, serve_jira, site_fixture

ISSUES: Any = [{"key": "PAY-1", "type": "Story", "summary": "Refunds", "components": ["api"]}]


def _client(site: Any) -> httpx.Client:
    auth = httpx.BasicAuth(EMAIL, TOKEN) if site.flavor == "cloud" else None
    headers = {} if auth else {"Authorization": f"Bearer {TOKEN}"}
    return httpx.Client(base_url=site.url, auth=auth, headers=headers)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_project_components_are_listed_unpaged(flavor: Flavor) -> None:
    """GET project/{key}/components lists every component by name; a missing project is a 404."""
    with serve_jira(site_fixture(ISSUES), flavor) as site, _client(site) as http:
        answer = http.get("/rest/api/2/project/PAY/components")
        assert answer.status_code == 200
        assert [c["name"] for c in answer.json()] == ["api", "checkout"]
        assert all({"self", "id", "name"} <= set(c) for c in answer.json())
        assert http.get("/rest/api/2/project/NOPE/components").status_code == 404


@pytest.mark.parametrize("flavor", FLAVORS)
def test_component_operations_add_and_remove_one_keeping_the_rest(flavor: Flavor) -> None:
    """update.components add then remove changes one component; an unknown name is refused with 400."""
    with serve_jira(site_fixture(ISSUES), flavor) as site, _client(site) as http:
        add = {"update": {"components": [{"add": {"name": "checkout"}}]}}
        assert http.put("/rest/api/2/issue/PAY-1", json=add).status_code == 204
        remove = {"update": {"components": [{"remove": {"name": "api"}}]}}
        assert http.put("/rest/api/2/issue/PAY-1", json=remove).status_code == 204
        fields = http.get("/rest/api/2/issue/PAY-1", params={"fields": "components"}).json()["fields"]
        assert [c["name"] for c in fields["components"]] == ["checkout"]
        bad = {"update": {"components": [{"add": {"name": "Nope"}}]}}
        assert http.put("/rest/api/2/issue/PAY-1", json=bad).status_code == 400
