"""The demo company (Acme) that ``--seed demo`` serves, its roadmap, and fixture files.

* :func:`demo_fixture` -- deterministic: two Jira projects (PAY "Payments", CORE "Platform
  Core"), three repositories (``acme/web``, ``acme/mobile``, ``acme/api``), ~220 Jira and ~200
  GitHub items (pull requests included), a Projects v2 board "Roadmap" (number 1) with
  Priority, Alignment and Estimate fields.
* :func:`demo_roadmap_toml` -- eight themes that fit the data so every drift kind occurs
  (``manual_override`` needs roadsync's own history, so it appears only after a sync and a
  person's edit).
* :func:`load_fixture` -- a fixture JSON file (format: :mod:`roadsync.sandbox.fixture`).
* :func:`generate_fixture` -- large synthetic fixtures for benchmarks (``demo_scale``).
"""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path

from roadsync.errors import ConfigError
from roadsync.sandbox.demo_data import DemoBuilder
from roadsync.sandbox.demo_scale import generate_fixture
from roadsync.sandbox.fixture import Fixture, GithubFixture, JiraFixture

__all__ = ["DEMO_SEED", "demo_fixture", "demo_roadmap_toml", "generate_fixture", "load_fixture"]

DEMO_SEED = 20260302
ALIGNMENTS = ["aligned", "inherited", "unaligned", "retired", "paused"]
GH = "https://github.com/acme"

CHECKOUT = [
    "cart summary",
    "payment sheet",
    "promo codes",
    "address form",
    "order review",
    "saved cards",
    "guest checkout",
    "tax calculation",
    "Apple Pay",
    "Google Pay",
    "receipt email",
    "3DS challenge",
]
RISK = [
    "velocity rules",
    "device fingerprint",
    "chargeback alerts",
    "risk score",
    "manual review queue",
    "card testing detection",
    "blocklist import",
    "dispute evidence",
]
INFRA = [
    "Postgres failover",
    "Kafka lag alerts",
    "SLO dashboard",
    "error budget report",
    "pager rotation",
    "Redis eviction",
    "canary deploys",
    "trace sampling",
    "disk pressure alerts",
    "backup restore drill",
]
API = [
    "pagination cursors",
    "idempotency keys",
    "webhook signatures",
    "OpenAPI spec",
    "error codes",
    "rate-limit headers",
    "SDK generation",
    "versioned routes",
]
MOBILE = [
    "wallet screen",
    "push opt-in",
    "biometric unlock",
    "offline receipts",
    "order history",
    "dark mode",
    "deep links",
    "in-app support",
]
VERBS = ["Improve", "Fix", "Add tests for", "Refactor", "Localize", "Speed up", "Instrument", "Polish"]
CHORES = [
    "Upgrade build toolchain",
    "Remove dead feature flags",
    "Fix flaky login test",
    "Bump dependencies",
    "Document local setup",
    "Clean up CI cache",
    "Rename legacy modules",
    "Tidy logging config",
    "Update CODEOWNERS",
    "Migrate lint config",
]


def demo_roadmap_toml() -> str:
    """The demo roadmap (a ``roadmap.toml``: ``priority_levels``, ``allocation_tolerance``, themes)."""
    return resources.files("roadsync.sandbox").joinpath("demo_roadmap.toml").read_text("utf-8")


def demo_fixture() -> Fixture:
    """The demo company; the same document on every call."""
    builder = DemoBuilder(random.Random(DEMO_SEED))
    links = _payments(builder)
    _core(builder)
    _web(builder, links)
    _mobile(builder)
    _api(builder)
    return {"jira": _jira_part(builder), "github": _github_part(builder)}


def _title(rng: random.Random, objects: list[str], suffix: str = "") -> str:
    return f"{rng.choice(VERBS)} {rng.choice(objects)}{suffix}"


def _payments(b: DemoBuilder) -> dict[str, str]:
    """PAY: checkout, fraud, retired legacy billing, paused marketplace, unaligned chores."""
    rng, pay = b.rng, "PAY"
    epic = b.jira_issue(
        pay, "Checkout v2", theme="checkout", itype="Epic", labels=["checkout"], closed_share=0
    )
    risk_epic = b.jira_issue(
        pay, "Fraud scoring 2.0", theme="fraud", itype="Epic", components=["risk"], closed_share=0
    )
    billing = b.jira_issue(
        pay,
        "Sunset billing v1",
        theme="legacy-billing",
        itype="Epic",
        components=["billing-v1"],
        closed_share=0,
    )
    market = b.jira_issue(
        pay, "Partner payouts", theme="marketplace", itype="Epic", labels=["marketplace"], closed_share=0
    )
    linked: dict[str, str] = {}
    for i in range(34):
        key = b.jira_issue(
            pay,
            _title(rng, CHECKOUT),
            theme="checkout",
            labels=["checkout"],
            parent=epic,
            components=["checkout"] if i % 3 == 0 else [],
        )
        if i < 6:
            linked[key] = "checkout"
    for _ in range(12):  # stories under the epic with no rule of their own: inherited
        b.jira_issue(
            pay,
            _title(rng, ["copy review", "QA pass", "design review", "rollout plan"]),
            theme="checkout",
            step="parent",
            parent=epic,
        )
    for _ in range(22):
        b.jira_issue(
            pay,
            _title(rng, RISK),
            theme="fraud",
            components=["risk"],
            parent=risk_epic,
            itype=rng.choice(["Story", "Task", "Bug"]),
        )
    for _ in range(12):
        b.jira_issue(
            pay,
            _title(rng, ["invoice export", "proration", "dunning emails", "plan migration"]),
            theme="legacy-billing",
            components=["billing-v1"],
            parent=billing,
            closed_share=0.4,
        )
    for _ in range(8):
        b.jira_issue(
            pay,
            _title(rng, ["payout schedule", "partner onboarding", "KYC upload"]),
            theme="marketplace",
            labels=["marketplace"],
            parent=market,
        )
    for _ in range(6):  # passkeys work shipped: the active `now` theme has nothing open
        b.jira_issue(
            pay,
            _title(rng, ["passkey enrolment", "WebAuthn fallback"]),
            theme="passkeys",
            labels=["passkeys"],
            closed_share=1.0,
        )
    for _ in range(18):
        b.jira_issue(
            pay,
            rng.choice(CHORES),
            theme=None,
            itype="Task",
            labels=rng.choice([[], ["tech-debt"]]),
            components=rng.choice([[], ["ledger"], ["api"]]),
            closed_share=0.3,
        )
    _payments_planted(b, epic)
    return linked


def _payments_planted(b: DemoBuilder, epic: str) -> None:
    """Hand-planted drift in PAY: priority by hand, wrong epic, theme-label typo, sub-tasks."""
    for name in ("Saved cards: CVC recollect", "Cart abandonment email"):
        b.jira_issue(
            "PAY",
            name,
            theme="checkout",
            labels=["checkout"],
            parent=epic,
            closed_share=0,
            stale="priority",
            hand_priority="P3",
        )
    b.jira_issue(
        "PAY", "Block risky BINs at checkout", theme="fraud", labels=["fraud"], parent=epic, closed_share=0
    )  # own rule: fraud; its epic: checkout -> parent_mismatch
    b.jira_issue(
        "PAY",
        "Promo code stacking rules",
        theme="checkout",
        labels=["checkout", "theme:chekout"],
        closed_share=0,
        stale="theme",
    )  # a typo'd theme tag -> unknown_theme
    story = b.jira_issue(
        "PAY", "Guest checkout", theme="checkout", labels=["checkout"], parent=epic, closed_share=0
    )
    for name in ("Email capture field", "Order lookup page", "Guest to account upgrade"):
        b.jira_issue(
            "PAY",
            name,
            theme="checkout",
            step="parent",
            itype="Sub-task",
            parent=story,
            closed_share=0.2,
            points=False,
        )


def _core(b: DemoBuilder) -> None:
    """CORE: Public API v2 epic (CORE-1), reliability work, unaligned auth and tooling."""
    rng, core = b.rng, "CORE"
    api_epic = b.jira_issue(
        core, "Public API v2", theme="api-v2", itype="Epic", labels=["api-v2"], closed_share=0
    )
    slo_epic = b.jira_issue(
        core,
        "SLOs and alerting",
        theme="platform",
        itype="Epic",
        components=["observability"],
        closed_share=0,
    )
    for i in range(18):
        links = [f"{GH}/api/issues/{i + 1}"] if i < 5 else None
        b.jira_issue(
            core,
            _title(rng, API),
            theme="api-v2",
            parent=api_epic,
            components=["api-gateway"],
            remote_links=links,
        )
    for _ in range(14):
        b.jira_issue(
            core, _title(rng, INFRA), theme="platform", components=["observability"], parent=slo_epic
        )
    for _ in range(10):
        b.jira_issue(core, _title(rng, INFRA), theme="platform", components=["infra"], itype="Task")
    for _ in range(26):
        b.jira_issue(
            core,
            _title(rng, ["session store", "SSO config", "token rotation", "audit log"]),
            theme=None,
            components=["auth"],
            itype=rng.choice(["Story", "Task", "Bug"]),
        )
    for _ in range(16):
        b.jira_issue(
            core, rng.choice(CHORES), theme=None, itype="Task", components=["build"], closed_share=0.35
        )
    b.jira_issue(
        core,
        "Checkout service connection pool",
        theme="platform",
        components=["infra"],
        closed_share=0,
        stale="priority",
    )


def _web(b: DemoBuilder, linked: dict[str, str]) -> None:
    rng = b.rng
    parent = b.github_issue("web", "Checkout redesign", theme="checkout", closed_share=0)
    parent_no = int(parent.rsplit("#", 1)[1])
    for _ in range(30):
        b.github_issue(
            "web",
            _title(rng, ["cart drawer", "checkout stepper", "cart badge", "checkout summary"]),
            theme="checkout",
            labels=rng.choice([[], ["checkout"], ["ui"]]),
            parent=parent_no,
        )
    for _ in range(8):
        b.github_issue(
            "web",
            _title(rng, ["risk banner", "3DS retry modal", "card decline copy"]),
            theme="fraud",
            labels=["risk"],
            itype="Bug",
        )
    for _ in range(5):
        b.github_issue(
            "web",
            _title(rng, ["partner storefront", "partner logos"]),
            theme="marketplace",
            labels=["marketplace"],
        )
    for _ in range(18):
        b.github_issue("web", rng.choice(CHORES), theme=None, itype="Task", labels=rng.choice([[], ["deps"]]))
    keys = sorted(linked)
    for key in keys[:3]:  # link-only issues: inherit the Jira issue's theme
        b.github_issue(
            "web",
            f"Frontend for {key}",
            theme="checkout",
            step="link",
            itype="Task",
            body=f"Implements {key} in the web app.",
            closed_share=0,
        )
    # Own rule says fraud, the Jira issue it names says checkout -> cross_tracker
    b.github_issue(
        "web", f"Show risk score on order page ({keys[3]})", theme="fraud", labels=["risk"], closed_share=0
    )
    # A sub-issue whose own rule says fraud under a checkout parent -> parent_mismatch
    b.github_issue(
        "web", "Velocity limit banner", theme="fraud", labels=["fraud"], parent=parent_no, closed_share=0
    )
    b.github_issue(
        "web", "Wishlist page", theme=None, labels=["theme/wishlist"], closed_share=0, stale="theme"
    )  # a tag for a theme the roadmap does not define
    for _ in range(10):
        b.pull_request("web", f"{rng.choice(VERBS)} {rng.choice(CHECKOUT)} (#{rng.randint(1, 60)})")


def _mobile(b: DemoBuilder) -> None:
    rng = b.rng
    parent = b.github_issue(
        "mobile", "Wallet parity with web", theme="mobile", labels=["parity"], closed_share=0
    )
    parent_no = int(parent.rsplit("#", 1)[1])
    for _ in range(34):
        b.github_issue("mobile", _title(rng, MOBILE), theme="mobile")
    for _ in range(8):  # sub-issues without a rule of their own: inherited from the parent
        b.github_issue(
            "mobile",
            _title(rng, ["wallet copy", "wallet icons"]),
            theme="mobile",
            step="parent",
            itype="Task",
            parent=parent_no,
        )
    for _ in range(12):
        b.github_issue(
            "mobile",
            _title(rng, ["crash on launch", "ANR in settings", "layout glitch"]),
            theme=None,
            itype="Bug",
        )
    for _ in range(5):
        b.github_issue(
            "mobile",
            _title(rng, ["payout history", "partner app links"]),
            theme="marketplace",
            labels=["marketplace"],
            itype="Task",
        )
    for _ in range(8):
        b.pull_request("mobile", f"{rng.choice(VERBS)} {rng.choice(MOBILE)}")


def _api(b: DemoBuilder) -> None:
    rng = b.rng
    for _ in range(24):
        b.github_issue("api", _title(rng, API), theme="api-v2", labels=["v2"])
    for _ in range(10):
        b.github_issue("api", _title(rng, INFRA), theme="platform", labels=["reliability"], itype="Task")
    for _ in range(6):
        b.github_issue(
            "api",
            _title(rng, ["v1 invoices endpoint", "v1 plan webhooks"]),
            theme="legacy-billing",
            labels=["legacy-billing"],
            itype="Task",
        )
    for _ in range(11):
        b.github_issue("api", rng.choice(CHORES), theme=None, itype=rng.choice(["Task", "Bug"]))
    for _ in range(7):
        b.pull_request("api", f"{rng.choice(VERBS)} {rng.choice(API)}")


def _jira_part(b: DemoBuilder) -> JiraFixture:
    return {
        "projects": [
            {
                "key": "PAY",
                "name": "Payments",
                "lead": "Dana Reyes",
                "components": ["checkout", "risk", "billing-v1", "ledger", "api"],
            },
            {
                "key": "CORE",
                "name": "Platform Core",
                "lead": "Sam Okafor",
                "components": ["infra", "observability", "auth", "api-gateway", "build"],
            },
        ],
        "custom_fields": [
            {"name": "Alignment", "type": "select", "options": ALIGNMENTS},
            {"name": "Story Points", "type": "number"},
        ],
        "issues": b.jira,
        "user": {
            "displayName": "roadsync bot",
            "emailAddress": "roadsync-bot@example.com",
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
        },
    }


def _github_part(b: DemoBuilder) -> GithubFixture:
    return {
        "owner": "acme",
        "repos": [{"name": "web"}, {"name": "mobile"}, {"name": "api"}],
        "issue_types": ["Bug", "Feature", "Task"],
        "issues": b.github,
        "project": {
            "number": 1,
            "title": "Roadmap",
            "owner": "acme",
            "fields": [
                {"name": "Priority", "type": "single_select", "options": ["P0", "P1", "P2", "P3", "P4"]},
                {"name": "Alignment", "type": "single_select", "options": ALIGNMENTS},
                {"name": "Estimate", "type": "number"},
            ],
            "items": b.board,
        },
        "user": {"login": "roadsync-bot", "name": "roadsync bot"},
    }


def load_fixture(path: Path) -> Fixture:
    """A fixture from a JSON file; a missing or malformed file is a :class:`ConfigError`."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"sandbox seed file {path} does not exist", hint="give --seed demo or a fixture JSON file"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            f"sandbox seed file {path} is not valid JSON: {exc}",
            hint="see sandbox/fixture.py for the format",
        ) from None
    problems = _fixture_problems(document)
    if problems:
        raise ConfigError(
            f"sandbox seed file {path} is not a fixture: {'; '.join(problems)}",
            hint="see sandbox/fixture.py for the format",
        )
    return document  # type: ignore[no-any-return]


def _fixture_problems(document: object) -> list[str]:
    if not isinstance(document, dict):
        return ["the top level must be an object with 'jira' and/or 'github'"]
    problems = [f"unknown top-level key {k!r}" for k in document if k not in ("jira", "github")]
    for part, required in (("jira", ("key", "summary")), ("github", ("repo", "number", "title"))):
        section = document.get(part, {})
        if not isinstance(section, dict):
            problems.append(f"'{part}' must be an object")
            continue
        issues = section.get("issues", [])
        if not isinstance(issues, list):
            problems.append(f"'{part}.issues' must be a list")
            continue
        for i, issue in enumerate(issues):
            missing = [k for k in required if not isinstance(issue, dict) or k not in issue]
            if missing:
                problems.append(f"{part}.issues[{i}] lacks {', '.join(missing)}")
    for i, project in enumerate(
        document.get("jira", {}).get("projects", []) if isinstance(document.get("jira", {}), dict) else []
    ):
        if not isinstance(project, dict) or "key" not in project:
            problems.append(f"jira.projects[{i}] lacks key")
    return problems[:5]
