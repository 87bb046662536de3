"""GitHub App authentication against the sandbox GitHub, through PyGithub's own Auth classes and PyJWT.

Sources: GitHub's docs "Generating a JSON Web Token (JWT) for a GitHub App" (RS256, ``iat``, ``exp`` at
most 10 minutes ahead, ``iss``) and "Generating an installation access token" (201, one hour);
octokit/auth-app.js#698 and sigmavirus24/github3.py#1050 (the 401 texts); PyGithub 2.10
``Auth.AppAuth``/``AppInstallationAuth`` (refresh 20 s before expiry); research github.md §8.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest
from github import Auth, Github, GithubIntegration

from tests.conftest import SandboxFactory
from tests.sandbox.github_world import World, fixture, world


@pytest.fixture
def w(sandbox_factory: SandboxFactory) -> World:
    return world(sandbox_factory)


def _app(w: World) -> dict[str, Any]:
    app: dict[str, Any] = w.sb.info()["github"]["app"]
    return app


def _installation_github(w: World) -> Github:
    app = _app(w)
    auth = Auth.AppAuth(app["id"], app["private_key"]).get_installation_auth(app["installation_id"])
    return Github(auth=auth, base_url=w.url, retry=None, seconds_between_requests=None,
                  seconds_between_writes=None)


def _jwt(w: World, **claims: Any) -> str:
    now = int(time.time())
    body = {"iat": now - 60, "exp": now + 300, "iss": str(_app(w)["id"]), **claims}
    return jwt.encode(body, w.sb.app_private_key, algorithm="RS256")


def test_pygithub_app_auth_reads_the_app_and_its_installation(w: World) -> None:
    """``GithubIntegration`` with ``Auth.AppAuth`` gets ``/app`` and the installation by its JWT."""
    app = _app(w)
    integration = GithubIntegration(auth=Auth.AppAuth(app["id"], app["private_key"]), base_url=w.url)
    assert integration.get_app().slug == "roadsync-sandbox"
    installation = integration.get_repo_installation("acme", "web")
    assert (installation.id, installation.app_id) == (app["installation_id"], app["id"])


def test_installation_token_works_for_rest_and_graphql_and_acts_as_the_apps_bot(w: World) -> None:
    """An installation token from ``AppInstallationAuth`` edits over REST as ``<slug>[bot]`` with
    ``performed_via_github_app``, and the same token reads GraphQL."""
    gh = _installation_github(w)
    gh.get_repo("acme/web").get_issue(3).add_to_labels("ui")
    token = gh.requester.auth.token  # type: ignore[union-attr]
    assert token.startswith("ghs_")
    with httpx.Client(base_url=w.url, headers={"Authorization": f"token {token}"}) as http:
        event = http.get("/repos/acme/web/issues/3/events").json()[0]
        me = http.get("/user")
    assert (event["actor"]["login"], event["actor"]["type"]) == ("roadsync-sandbox[bot]", "Bot")
    assert event["performed_via_github_app"]["slug"] == "roadsync-sandbox"
    assert me.status_code == 403  # an installation has no user
    viewer = w.gql("query { repository(owner: \"acme\", name: \"web\") { viewerPermission } }", token=token)
    assert viewer.json() == {"data": {"repository": {"viewerPermission": None}}}


def test_access_token_answer_has_githubs_shape(w: World) -> None:
    """``POST /app/installations/{id}/access_tokens`` answers 201 with token, expiry an hour ahead,
    permissions and repository selection."""
    with httpx.Client(base_url=w.url, headers={"Authorization": f"Bearer {_jwt(w)}"}) as http:
        url = f"/app/installations/{_app(w)['installation_id']}/access_tokens"
        answer = http.post(url, json={"permissions": {}})
    body = answer.json()
    expires = time.mktime(time.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert answer.status_code == 201
    assert set(body) == {"token", "expires_at", "permissions", "repository_selection"}
    assert 3500 < expires - time.time() <= 3600 and body["repository_selection"] == "all"
    assert body["permissions"]["issues"] == "write"


@pytest.mark.parametrize(("offsets", "message"), [
    ({"exp": 900}, "'Expiration time' claim ('exp') is too far in the future"),
    ({"iat": -700, "exp": -10},
     "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
     "assertion expires"),
    ({"iss": "999"}, "A JSON web token could not be decoded"),
])
def test_bad_jwts_answer_401_with_githubs_text(w: World, offsets: dict[str, Any], message: str) -> None:
    """A JWT expiring too late, one already expired and one of an unknown app answer 401 and GitHub's text."""
    now = int(time.time())
    claims = {k: now + v if isinstance(v, int) else v for k, v in offsets.items()}
    with httpx.Client(base_url=w.url, headers={"Authorization": f"Bearer {_jwt(w, **claims)}"}) as http:
        answer = http.get("/app")
    assert (answer.status_code, answer.json()["message"]) == (401, message)


def test_a_jwt_signed_by_another_key_or_a_token_is_not_decoded(w: World) -> None:
    """A JWT with a foreign signature, or an installation-style token, on ``/app`` answers 401."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    now = int(time.time())
    forged = jwt.encode({"iat": now, "exp": now + 60, "iss": str(_app(w)["id"])}, other, algorithm="RS256")
    for value in (f"Bearer {forged}", f"Bearer {w.token()}"):
        with httpx.Client(base_url=w.url, headers={"Authorization": value}) as http:
            assert http.get("/app").json()["message"] == "A JSON web token could not be decoded"


def test_an_expired_installation_token_answers_401(sandbox_factory: SandboxFactory) -> None:
    """With a one-second token lifetime the token works at once and answers 401 Bad credentials after."""
    fx = fixture()
    fx["github"]["app"] = {"token_ttl_s": 1}
    w = world(sandbox_factory, fx)
    with httpx.Client(base_url=w.url, headers={"Authorization": f"Bearer {_jwt(w)}"}) as http:
        token = http.post(f"/app/installations/{_app(w)['installation_id']}/access_tokens").json()["token"]
    with httpx.Client(base_url=w.url, headers={"Authorization": f"token {token}"}) as http:
        assert http.get("/repos/acme/web").status_code == 200
        time.sleep(1.2)
        late = http.get("/repos/acme/web")
    assert (late.status_code, late.json()["message"]) == (401, "Bad credentials")


def test_pygithub_refreshes_the_token_before_it_expires(sandbox_factory: SandboxFactory) -> None:
    """PyGithub mints a new installation token once the current one is within 20 s of expiry, so a
    21-second token is replaced after a second and every request still succeeds."""
    fx = fixture()
    fx["github"]["app"] = {"token_ttl_s": 21}
    w = world(sandbox_factory, fx)
    gh = _installation_github(w)
    repo = gh.get_repo("acme/web")
    first = gh.requester.auth.token  # type: ignore[union-attr]
    time.sleep(1.2)
    repo.get_issue(1)
    assert gh.requester.auth.token != first  # type: ignore[union-attr]
