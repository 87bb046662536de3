"""The words the demo company's titles are made of (``roadsync.sandbox.demo``), and its fixed names."""

from __future__ import annotations

import random

__all__ = ["ALIGNMENTS", "API", "CHECKOUT", "CHORES", "GH", "INFRA", "MOBILE", "RISK", "VERBS", "title"]

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


def title(rng: random.Random, objects: list[str], suffix: str = "") -> str:
    """A title such as "Improve cart summary": a verb, one of ``objects``, then ``suffix``."""
    return f"{rng.choice(VERBS)} {rng.choice(objects)}{suffix}"
