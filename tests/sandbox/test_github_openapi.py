"""Recorded REST answers of the sandbox GitHub validate against GitHub's official OpenAPI description."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.paths import GITHUB_OPENAPI
from tests.sandbox.test_github_rest import TOKEN, Sandbox, fixture, start

SPEC = GITHUB_OPENAPI

# (method, path, body) in order; later calls see the state earlier ones made
CALLS: list[tuple[str, str, Any]] = [
    ("GET", "/user", None),
    ("GET", "/rate_limit", None),
    ("GET", "/repos/acme/web", None),
    ("GET", "/repos/acme/web/issues?state=all&per_page=2", None),
    ("GET", "/repos/acme/web/issues/1", None),
    ("PATCH", "/repos/acme/web/issues/2", {"title": "Renamed", "type": "Feature", "state": "closed"}),
    ("POST", "/repos/acme/web/issues", {"title": "Created", "labels": ["ui"], "type": "Bug"}),
    ("POST", "/repos/acme/web/issues/1/labels", {"labels": ["theme: 🚀", "a, b"]}),
    ("PUT", "/repos/acme/web/issues/1/labels", ["ui", "theme: 🚀"]),
    ("GET", "/repos/acme/web/issues/1/labels", None),
    ("DELETE", "/repos/acme/web/issues/1/labels/theme%3A%20%F0%9F%9A%80", None),
    ("GET", "/repos/acme/web/labels", None),
    ("POST", "/repos/acme/web/labels", {"name": "prio:P1", "color": "ff0000", "description": "High"}),
    ("GET", "/repos/acme/web/labels/prio%3AP1", None),
    ("PATCH", "/repos/acme/web/labels/prio%3AP1", {"new_name": "prio:P2"}),
    ("DELETE", "/repos/acme/web/labels/prio%3AP2", None),
    ("POST", "/repos/acme/web/issues/1/sub_issues", {"sub_issue_id": "ID3"}),
    ("GET", "/repos/acme/web/issues/1/sub_issues", None),
    ("GET", "/repos/acme/web/issues/3/parent", None),
    ("DELETE", "/repos/acme/web/issues/1/sub_issue", {"sub_issue_id": "ID3"}),
    ("GET", "/orgs/acme/issue-types", None),
    ("GET", "/repos/acme/web/issue-types", None),
    ("GET", "/repos/acme/web/issues/1/events", None),
    ("GET", "/repos/acme/web/issues/1/timeline", None),
    ("DELETE", "/repos/acme/web/issues/1/labels", None),
    ("GET", "/repos/acme/web/issues/99", None),
    ("DELETE", "/repos/acme/web/issues/1/labels/absent", None),
    ("POST", "/repos/acme/web/labels", {"name": "ui", "color": "00ff00"}),
]


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(json.loads(SPEC.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def recorded() -> Iterator[list[tuple[str, str, Any, httpx.Response]]]:
    sb: Sandbox = start(fixture(issues=3, prs=1))
    third = sb.store.get("acme/web#3").id  # type: ignore[union-attr]
    out = []
    with httpx.Client(base_url=sb.url, headers={"Authorization": f"token {TOKEN}"}) as http:
        for method, path, body in CALLS:
            if isinstance(body, dict) and body.get("sub_issue_id") == "ID3":
                body = {"sub_issue_id": third}
            content = None if body is None else json.dumps(body).encode()
            out.append((method, path, body, http.request(method, path, content=content)))
    yield out
    sb.server.stop()


def _validate(openapi: OpenAPI, method: str, path: str, body: Any, answer: httpx.Response) -> None:
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = urlsplit(path)
    request = MockRequest("https://api.github.com", method.lower(), unquote(parts.path),
                          args=dict(parse_qsl(parts.query)),
                          data=None if body is None else json.dumps(body).encode())
    headers = {k: v for k, v in answer.headers.items() if k.lower() == "link"}
    response = MockResponse(answer.content, status_code=answer.status_code,
                            content_type="application/json", headers=headers)
    openapi.validate_response(request, response)


@pytest.mark.parametrize("index", range(len(CALLS)), ids=[f"{m} {p}" for m, p, _ in CALLS])
def test_recorded_answer_validates_against_the_official_description(
    openapi: OpenAPI, recorded: list[tuple[str, str, Any, httpx.Response]], index: int,
) -> None:
    """The emulator's answer to this call has a status and body GitHub's OpenAPI description allows."""
    method, path, body, answer = recorded[index]
    assert answer.status_code < 500
    _validate(openapi, method, path, body, answer)
