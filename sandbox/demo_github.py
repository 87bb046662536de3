"""The demo company's GitHub side (``roadsync.sandbox.demo``): the ``acme/web``, ``acme/mobile``
and ``acme/api`` repositories, their issues and pull requests, and the "Roadmap" board."""

from __future__ import annotations

from roadsync.sandbox.demo_data import DemoBuilder
from roadsync.sandbox.demo_words import ALIGNMENTS, API, CHECKOUT, CHORES, INFRA, MOBILE, VERBS, title
from roadsync.sandbox.fixture import GithubFixture

__all__ = ["api_repo", "github_part", "mobile_repo", "web_repo"]


def web_repo(b: DemoBuilder, linked: dict[str, str]) -> None:
    rng = b.rng
    parent = b.github_issue("web", "Checkout redesign", theme="checkout", closed_share=0)
    parent_no = int(parent.rsplit("#", 1)[1])
    for _ in range(30):
        b.github_issue(
            "web",
            title(rng, ["cart drawer", "checkout stepper", "cart badge", "checkout summary"]),
            theme="checkout",
            labels=rng.choice([[], ["checkout"], ["ui"]]),
            parent=parent_no,
        )
    for _ in range(8):
        b.github_issue(
            "web",
            title(rng, ["risk banner", "3DS retry modal", "card decline copy"]),
            theme="fraud",
            labels=["risk"],
            itype="Bug",
        )
    for _ in range(5):
        b.github_issue(
            "web",
            title(rng, ["partner storefront", "partner logos"]),
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


def mobile_repo(b: DemoBuilder) -> None:
    rng = b.rng
    parent = b.github_issue(
        "mobile", "Wallet parity with web", theme="mobile", labels=["parity"], closed_share=0
    )
    parent_no = int(parent.rsplit("#", 1)[1])
    for _ in range(34):
        b.github_issue("mobile", title(rng, MOBILE), theme="mobile")
    for _ in range(8):  # sub-issues without a rule of their own: inherited from the parent
        b.github_issue(
            "mobile",
            title(rng, ["wallet copy", "wallet icons"]),
            theme="mobile",
            step="parent",
            itype="Task",
            parent=parent_no,
        )
    for _ in range(12):
        b.github_issue(
            "mobile",
            title(rng, ["crash on launch", "ANR in settings", "layout glitch"]),
            theme=None,
            itype="Bug",
        )
    for _ in range(5):
        b.github_issue(
            "mobile",
            title(rng, ["payout history", "partner app links"]),
            theme="marketplace",
            labels=["marketplace"],
            itype="Task",
        )
    for _ in range(8):
        b.pull_request("mobile", f"{rng.choice(VERBS)} {rng.choice(MOBILE)}")


def api_repo(b: DemoBuilder) -> None:
    rng = b.rng
    for _ in range(24):
        b.github_issue("api", title(rng, API), theme="api-v2", labels=["v2"])
    for _ in range(10):
        b.github_issue("api", title(rng, INFRA), theme="platform", labels=["reliability"], itype="Task")
    for _ in range(6):
        b.github_issue(
            "api",
            title(rng, ["v1 invoices endpoint", "v1 plan webhooks"]),
            theme="legacy-billing",
            labels=["legacy-billing"],
            itype="Task",
        )
    for _ in range(11):
        b.github_issue("api", rng.choice(CHORES), theme=None, itype=rng.choice(["Task", "Bug"]))
    for _ in range(7):
        b.pull_request("api", f"{rng.choice(VERBS)} {rng.choice(API)}")


def github_part(b: DemoBuilder) -> GithubFixture:
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
