"""Start both sandbox trackers on loopback: :func:`start_sandbox` -> :class:`Sandbox`.

::

    with start_sandbox("demo") as sb:
        sb.jira_url, sb.github_url, sb.graphql_url, sb.control_url
        sb.info()                # the ``roadsync sandbox --json`` document
        sb.write_config(path)    # a complete roadsync config for this sandbox
        sb.stats(); sb.reset_stats(); sb.set_faults(rate=0.1)
        sb.set_github_limits(content_per_minute=80)   # GitHub's secondary limits, enforced
        sb.people                # accounts of people (their tokens), for playing "a person"
        sb.app_private_key       # the sandbox GitHub App's key (JWT -> installation tokens)
        sb.recorded("jira")      # with record_requests=True: the requests Jira received

Each tracker runs on its own uvicorn server (ephemeral port unless given) behind the fault
middleware; the control API (``/_sandbox``) is mounted on both with the same state.
Tokens are random unless given, so no run depends on a fixed secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from roadsync.errors import register_secret
from roadsync.sandbox.common import RunningServer, Stats, serve_app
from roadsync.sandbox.control import Control, create_control_app, with_control
from roadsync.sandbox.faults import FaultSettings, FaultState
from roadsync.sandbox.fixture import Fixture, load_fixture
from roadsync.sandbox.github.faults import default_github_limits
from roadsync.sandbox.grants import github_people_grants, jira_people_grants, split_grants
from roadsync.sandbox.injection import FaultsMiddleware
from roadsync.sandbox.people import Person, people_from_fixture
from roadsync.sandbox.recorder import RecordedRequest, RequestRecorder, Tracker
from roadsync.sandbox.sandbox_config import config_toml

__all__ = ["GITHUB_TOKEN_ENV", "JIRA_TOKEN_ENV", "Sandbox", "Seed", "resolve_seed", "start_sandbox"]

JIRA_TOKEN_ENV = "ROADSYNC_SANDBOX_JIRA_TOKEN"
GITHUB_TOKEN_ENV = "ROADSYNC_SANDBOX_GITHUB_TOKEN"

Seed = str | Path | dict[str, Any] | None
Flavor = Literal["cloud", "datacenter"]
NAMED_SEEDS = ("demo", "configured-site")


def resolve_seed(seed: Seed) -> tuple[Fixture, str | None]:
    """The fixture for a seed (``"demo"``, ``"configured-site"``, a JSON file, a fixture dict,
    or ``None`` = empty) and the name of the built-in seed it is (None for the others)."""
    from roadsync.sandbox.demo import demo_fixture
    from roadsync.sandbox.demo_site import configured_site_fixture

    if seed is None:
        return Fixture(), None
    if isinstance(seed, dict):
        return seed, None  # type: ignore[return-value]
    if isinstance(seed, str) and seed == "demo":
        return demo_fixture(), "demo"
    if isinstance(seed, str) and seed == "configured-site":
        return configured_site_fixture(), "configured-site"
    return load_fixture(Path(seed)), None


class Sandbox:
    """Both trackers running; a context manager (``stop()`` on exit, idempotent)."""

    def __init__(
        self,
        fixture: Fixture,
        *,
        seed_name: str | None,
        jira_flavor: Flavor,
        faults: FaultSettings,
        jira_token: str,
        github_token: str,
        jira_email: str,
        jira_port: int = 0,
        github_port: int = 0,
        restricted_tokens: Mapping[str, Any] | None = None,
        record_requests: bool = False,
        github_limits: Mapping[str, Any] | None = None,
    ) -> None:
        from roadsync.sandbox.github import GithubStore, create_github_app
        from roadsync.sandbox.jira import JiraStore, create_jira_app

        jira_grants, github_grants = split_grants(restricted_tokens or {})
        self.people: list[Person] = people_from_fixture(fixture.get("people"))
        jira_grants = {**jira_people_grants(self.people), **jira_grants}

        self.fixture = fixture
        self.seed_name = seed_name
        self.jira_flavor: str = jira_flavor
        self.jira_email = jira_email
        self.jira_token = jira_token
        self.github_token = github_token
        self.config_path: Path | None = None
        # Only a recording sandbox puts the recorder in the request path (zero cost when off).
        self.recorder: RequestRecorder | None = RequestRecorder() if record_requests else None
        self.stats_counters = Stats()
        self.faults = FaultState(faults)
        self.jira_store = JiraStore.from_fixture(fixture.get("jira", {}), flavor=jira_flavor)
        if jira_flavor == "cloud":  # Data Center's index is synchronous
            self.jira_store.index.lag_s = lambda: self.faults.settings.search_lag_ms / 1000
        for person in self.people:
            if person.jira_email:
                self.jira_store.catalog.add_user(person.name, person.jira_email, person.jira_account_id)
        self.github_store = GithubStore.from_fixture(fixture.get("github", {}))
        github_grants = {**github_people_grants(self.people, self.github_store), **github_grants}
        jira_app = create_jira_app(
            self.jira_store,
            stats=self.stats_counters,
            email=jira_email,
            token=jira_token,
            flavor=jira_flavor,
            restricted_tokens=jira_grants,
        )
        self.github_app = create_github_app(
            self.github_store, stats=self.stats_counters, token=github_token, restricted_tokens=github_grants
        )
        if github_limits:
            self.set_github_limits(**github_limits)
        control = Control(self.stats_counters, self.faults, self._issues, self._set_budget, self._move,
                          set_limits=self.set_github_limits, limits=self._github_limits_now)
        control_app = create_control_app(control)
        self._servers: list[RunningServer] = []
        try:
            jira_front = FaultsMiddleware(jira_app, self.faults, "jira", flavor=jira_flavor)
            jira_front = self._recording(jira_front, "jira")
            self._servers.append(serve_app(with_control(jira_front, control_app), port=jira_port))
            github_front = FaultsMiddleware(
                self.github_app, self.faults, "github", ratelimit_headers=self._github_limits
            )
            github_front = self._recording(github_front, "github")
            self._servers.append(serve_app(with_control(github_front, control_app), port=github_port))
        except BaseException:
            self.stop()
            raise

    # -- addresses ------------------------------------------------------------------------------

    @property
    def jira_url(self) -> str:
        return self._servers[0].url

    @property
    def github_url(self) -> str:
        return self._servers[1].url

    @property
    def graphql_url(self) -> str:
        return self.github_url + "/graphql"

    @property
    def control_url(self) -> str:
        return self.github_url + "/_sandbox"

    @property
    def demo(self) -> bool:
        """Whether this is the demo company."""
        return self.seed_name == "demo"

    @property
    def themes(self) -> list[dict[str, Any]]:
        """The fixture's roadmap (``[[themes]]`` as objects; the built-in seeds keep theirs in TOML)."""
        return list(self.fixture.get("themes") or ())

    @property
    def jira_projects(self) -> list[str]:
        return [p["key"] for p in self.fixture.get("jira", {}).get("projects", [])]

    @property
    def github_owner(self) -> str:
        return self.fixture.get("github", {}).get("owner", "acme")

    @property
    def github_repos(self) -> list[str]:
        return [f"{self.github_owner}/{r['name']}" for r in self.fixture.get("github", {}).get("repos", [])]

    @property
    def github_project(self) -> dict[str, Any] | None:
        project = self.fixture.get("github", {}).get("project")
        if not project:
            return None
        return {"owner": project.get("owner", self.github_owner), "number": project.get("number", 1)}

    # -- control ----------------------------------------------------------------------------------

    def stats(self) -> dict[str, dict[str, int]]:
        """``{"jira": {"reads", "writes", "issues"}, "github": {...}}`` (issues exclude PRs)."""
        return self.stats_counters.snapshot(self._issues)

    def endpoint_stats(self) -> dict[str, dict[str, int]]:
        """Requests since the last reset per tracker and endpoint (the emulator's handler name;
        GraphQL ``graphql:<operation name>``), e.g. ``{"jira": {"bulk_changelog": 1}, ...}``."""
        return self.stats_counters.by_endpoint()

    def reset_stats(self) -> None:
        self.stats_counters.reset()

    def set_faults(self, **settings: Any) -> FaultSettings:
        """Change fault settings at run time (partial); see :mod:`roadsync.sandbox.faults`."""
        return self.faults.update(**settings)

    def _move(self, key: str, project: str, author: str | None) -> str:
        """Move a Jira issue to another project (as ``author``, default the first person)."""
        default = self.people[0].name if self.people else "Pat Person"
        return self.jira_store.move(key, project, author=author or default)

    def set_github_limits(self, **limits: Any) -> dict[str, Any]:
        """Change the GitHub secondary limits in force (partial; see
        :mod:`roadsync.sandbox.github.secondary`); returns all of them."""
        return dict(self.github_app.state.gateway.secondary_limits.configure(**limits).to_dict())

    def _github_limits_now(self) -> dict[str, Any]:
        return dict(self.github_app.state.gateway.secondary_limits.limits.to_dict())

    @property
    def app_private_key(self) -> str:
        """The PEM private key of the sandbox's GitHub App (the emulator verifies JWTs it signs)."""
        from roadsync.sandbox.github.app_identity import app_keypair

        return app_keypair()[0]

    def app_info(self) -> dict[str, Any]:
        """The sandbox GitHub App: ``id``, ``client_id``, ``slug``, ``installation_id``, ``private_key``."""
        app = self.github_store.apps[0]
        return {"id": app.id, "client_id": app.client_id, "slug": app.slug,
                "installation_id": app.installation_id, "private_key": self.app_private_key}

    def _issues(self, tracker: str) -> int:
        store: Any = self.jira_store if tracker == "jira" else self.github_store
        return int(store.issue_count())

    def _ratelimit(self) -> Any:
        return getattr(getattr(self.github_app, "state", None), "ratelimit", None)

    def _github_limits(self) -> dict[str, str]:
        limiter = self._ratelimit()
        budgets = getattr(limiter, "budgets", None)
        if isinstance(budgets, dict) and "core" in budgets:
            return dict(budgets["core"].headers("core"))
        return default_github_limits()

    def _set_budget(self, limit: int | None, remaining: int | None) -> dict[str, int]:
        limiter = self._ratelimit()
        if limiter is None:
            raise RuntimeError("the GitHub emulator exposes no rate-limit budget")
        core = limiter.budgets["core"]
        limiter.set_budget(core.limit if limit is None else limit, remaining)
        core = limiter.budgets["core"]
        return {"limit": int(core.limit), "remaining": int(core.remaining)}

    # -- recorded requests ------------------------------------------------------------------------

    def _recording(self, app: Any, tracker: Tracker) -> Any:
        return app if self.recorder is None else self.recorder.wrap(app, tracker)

    def recorded(self, tracker: Tracker) -> list[RecordedRequest]:
        """Every API request ``tracker`` received so far, oldest first (no auth headers kept);
        needs ``start_sandbox(..., record_requests=True)``."""
        if self.recorder is None:
            raise RuntimeError("this sandbox records no requests: start it with record_requests=True")
        return self.recorder.recorded(tracker)

    # -- documents --------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment variables the written config expects (the tokens)."""
        return {JIRA_TOKEN_ENV: self.jira_token, GITHUB_TOKEN_ENV: self.github_token}

    def info(self) -> dict[str, Any]:
        """The ``roadsync sandbox --json`` document."""
        return {
            "jira": {
                "url": self.jira_url,
                "flavor": self.jira_flavor,
                "email": self.jira_email,
                "token": self.jira_token,
                "projects": self.jira_projects,
            },
            "github": {
                "url": self.github_url,
                "graphql_url": self.graphql_url,
                "token": self.github_token,
                "repos": self.github_repos,
                "project": self.github_project,
                "app": self.app_info(),
            },
            "control": self.control_url,
            "config": str(self.config_path) if self.config_path else None,
            "env": self.env(),
            "people": [person.info(jira=True) for person in self.people],
        }

    def write_config(self, path: str | Path, *, roadmap: bool = True) -> Path:
        """Write a complete roadsync config (TOML) for this sandbox; tokens come from ``env()``.

        With ``roadmap`` it holds the seed's roadmap: a built-in seed's, with its managed fields,
        or a fixture's ``themes`` (a fixture without any gets a comment saying what to add).
        """
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        kind = (self.seed_name or "fixture") if roadmap else None
        target.write_text(config_toml(self, roadmap=kind), encoding="utf-8")
        self.config_path = target.resolve()
        return self.config_path

    # -- lifecycle --------------------------------------------------------------------------------

    def stop(self) -> None:
        for server in reversed(self._servers):
            server.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    seed: Seed = "demo",
    *,
    jira_flavor: Flavor = "cloud",
    latency_ms: int = 0,
    fault_rate: float = 0.0,
    fault_seed: int = 0,
    jira_token: str | None = None,
    github_token: str | None = None,
    jira_email: str = "roadsync-bot@example.com",
    jira_port: int = 0,
    github_port: int = 0,
    restricted_tokens: Mapping[str, Any] | None = None,
    record_requests: bool = False,
    github_limits: Mapping[str, Any] | None = None,
) -> Sandbox:
    """Seed both trackers and serve them on loopback; returns once both accept connections.

    ``restricted_tokens`` maps extra tokens to a grant: a Jira ``TokenGrant``
    (:mod:`roadsync.sandbox.jira`: browse/edit per project) or a GitHub ``TokenGrant``
    (:mod:`roadsync.sandbox.github`: readable/writable repos, projects, scopes); each goes to
    its tracker. ``record_requests`` keeps every API request each tracker receives (method,
    path, query, content type, body; never auth headers) for :meth:`Sandbox.recorded`.
    ``github_limits`` sets GitHub's secondary limits (``roadsync.sandbox.github.DOCUMENTED`` as a
    dict gives GitHub's figures; off by default).
    """
    if jira_flavor not in ("cloud", "datacenter"):
        raise ValueError(f"unknown Jira flavor {jira_flavor!r} (cloud or datacenter)")
    fixture, seed_name = resolve_seed(seed)
    faults = FaultSettings(rate=fault_rate, latency_ms=latency_ms, seed=fault_seed)
    faults.check()
    jira_token = jira_token or secrets.token_hex(16)
    github_token = github_token or secrets.token_hex(20)
    register_secret(jira_token)
    register_secret(github_token)
    for token in restricted_tokens or {}:
        register_secret(token)
    return Sandbox(
        fixture,
        seed_name=seed_name,
        jira_flavor=jira_flavor,
        faults=faults,
        jira_token=jira_token,
        github_token=github_token,
        jira_email=jira_email,
        jira_port=jira_port,
        github_port=github_port,
        restricted_tokens=restricted_tokens,
        record_requests=record_requests,
        github_limits=github_limits,
    )
