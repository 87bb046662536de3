"""The demo company (Acme) that ``--seed demo`` serves, its roadmap, and its Jira side.

* :func:`demo_fixture` -- deterministic: two Jira projects (PAY "Payments", CORE "Platform
  Core"), three repositories (``acme/web``, ``acme/mobile``, ``acme/api``), ~220 Jira and ~200
  GitHub items (pull requests included), a Projects v2 board "Roadmap" (number 1) with
  Priority, Alignment and Estimate fields.
* :func:`demo_roadmap_toml` -- eight themes that fit the data so every drift kind occurs
  (``manual_override`` needs roadsync's own history, so it appears only after a sync and a
  person's edit).
* :func:`generate_fixture` -- large synthetic fixtures for benchmarks (``demo_scale``).

The GitHub side is :mod:`~roadsync.sandbox.demo_github`; the words of its titles are
:mod:`~roadsync.sandbox.demo_words`.
"""

from __future__ import annotations

import random
from importlib import resources

from roadsync.sandbox.demo_data import DemoBuilder
from roadsync.sandbox.demo_github import api_repo, github_part, mobile_repo, web_repo
from roadsync.sandbox.demo_scale import generate_fixture
from roadsync.sandbox.demo_words import ALIGNMENTS, API, CHECKOUT, CHORES, GH, INFRA, RISK, title
from roadsync.sandbox.fixture import Fixture, JiraFixture

__all__ = ["DEMO_SEED", "demo_fixture", "demo_roadmap_toml", "generate_fixture"]

DEMO_SEED = 20260302


def demo_roadmap_toml() -> str:
    """The demo roadmap (a ``roadmap.toml``: ``priority_levels``, ``allocation_tolerance``, themes)."""
    return resources.files("roadsync.sandbox").joinpath("demo_roadmap.toml").read_text("utf-8")


def demo_fixture() -> Fixture:
    """The demo company; the same document on every call."""
    builder = DemoBuilder(random.Random(DEMO_SEED))
    links = _payments(builder)
    _core(builder)
    web_repo(builder, links)
    mobile_repo(builder)
    api_repo(builder)
    return {"jira": _jira_part(builder), "github": github_part(builder)}


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
            title(rng, CHECKOUT),
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
            title(rng, ["copy review", "QA pass", "design review", "rollout plan"]),
            theme="checkout",
            step="parent",
            parent=epic,
        )
    for _ in range(22):
        b.jira_issue(
            pay,
            title(rng, RISK),
            theme="fraud",
            components=["risk"],
            parent=risk_epic,
            itype=rng.choice(["Story", "Task", "Bug"]),
        )
    for _ in range(12):
        b.jira_issue(
            pay,
            title(rng, ["invoice export", "proration", "dunning emails", "plan migration"]),
            theme="legacy-billing",
            components=["billing-v1"],
            parent=billing,
            closed_share=0.4,
        )
    for _ in range(8):
        b.jira_issue(
            pay,
            title(rng, ["payout schedule", "partner onboarding", "KYC upload"]),
            theme="marketplace",
            labels=["marketplace"],
            parent=market,
        )
    for _ in range(6):  # passkeys work shipped: the active `now` theme has nothing open
        b.jira_issue(
            pay,
            title(rng, ["passkey enrolment", "WebAuthn fallback"]),
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
            title(rng, API),
            theme="api-v2",
            parent=api_epic,
            components=["api-gateway"],
            remote_links=links,
        )
    for _ in range(14):
        b.jira_issue(
            core, title(rng, INFRA), theme="platform", components=["observability"], parent=slo_epic
        )
    for _ in range(10):
        b.jira_issue(core, title(rng, INFRA), theme="platform", components=["infra"], itype="Task")
    for _ in range(26):
        b.jira_issue(
            core,
            title(rng, ["session store", "SSO config", "token rotation", "audit log"]),
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
