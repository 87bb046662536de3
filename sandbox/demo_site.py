"""The configured-site seed (``roadsync sandbox --seed configured-site``): Initech's Jira, set up
the way real sites are, so that a roadmap meets each configuration a site can refuse a write for
(issue 16; research/jira.md §1-§7).

* ``SHOP`` (company-managed, every priority): the **Epic** edit screen lacks the Alignment field
  (screens are per issue type; Epics are the classic case).
* ``OPS`` (company-managed): its **priority scheme lacks Highest** ("Operations priorities": High,
  Medium, Low, Lowest), and its **Alignment context** offers only aligned, inherited and
  unaligned, so the option list differs per project.
* ``MOB`` (team-managed on Cloud): has **its own field named Alignment** beside the global one;
  on Data Center, which has no team-managed projects, it is a company project and its Alignment
  a second global field whose only context is MOB.
* Every issue has a **watcher** (an edit mails them unless it turns notifications off); the bot
  account administers every project but is no Jira admin, so it may turn notifications off and
  cannot read the admin views of schemes and contexts.
* People (``people``) with write access everywhere, for scripts and tests to play a person.

The roadmap (:func:`configured_site_roadmap_toml`) and managed fields (:data:`SITE_FIELDS_TOML`,
the alignment field named by name) make a first sync meet every case: an Epic's alignment, a P0
priority in OPS and a retired theme's alignment in OPS cannot be written; everything else can.
"""

from __future__ import annotations

from roadsync.sandbox.fixture import Fixture, JiraIssueFixture

__all__ = ["SITE_FIELDS_TOML", "configured_site_fixture", "configured_site_roadmap_toml"]

ALIGNMENTS = ["aligned", "inherited", "unaligned", "retired", "paused"]
WATCHER = "Dana Reyes"

SITE_ROADMAP_TOML = """\
# Initech's roadmap for the configured-site sandbox: each theme lands on a configuration case.
priority_levels = ["P0", "P1", "P2", "P3", "P4"]
allocation_tolerance = 0.5

[[themes]]
id = "reliability"
name = "Reliability first"
priority = "P0"
horizon = "now"
[[themes.match]]
labels = ["reliability"]

[[themes]]
id = "checkout"
name = "Checkout conversion"
priority = "P1"
horizon = "now"
[[themes.match]]
labels = ["checkout"]

[[themes]]
id = "mobile-app"
name = "Mobile app"
priority = "P2"
horizon = "next"
[[themes.match]]
projects = ["MOB"]

[[themes]]
id = "legacy-reports"
name = "Legacy reports"
priority = "P3"
horizon = "later"
status = "retired"
retire_after = 2026-06-30
[[themes.match]]
labels = ["reports"]
"""

SITE_FIELDS_TOML = """\
[fields.priority]
policy = "enforce"
override = false

[fields.priority.jira]
target = "priority"
values = { P0 = "Highest", P1 = "High", P2 = "Medium", P3 = "Low", P4 = "Lowest" }

[fields.theme]
policy = "enforce"
override = false
jira = { target = "label", prefix = "theme:" }

[fields.alignment]
policy = "enforce"
override = false
jira = { target = "field", field = "Alignment" }
"""

# (project, type, summary, labels, assignee, priority, alignment). Most items already carry the
# values the roadmap implies (as after months of syncing); the rest make a plan of 20 changes, 7 of
# which the site refuses: SHOP-1 and SHOP-5 (Epics) alignment, OPS-1..3 Highest, OPS-4..5 retired.
_ISSUES: list[tuple[str, str, str, list[str], str | None, str, str | None]] = [
    ("SHOP", "Epic", "Checkout revamp", ["checkout"], "Sam Okafor", "Medium", None),
    ("SHOP", "Story", "One-page checkout", ["checkout", "theme:checkout"], "Sam Okafor", "High", "aligned"),
    ("SHOP", "Story", "Saved addresses", ["checkout", "theme:checkout"], None, "High", "aligned"),
    ("SHOP", "Bug", "Coupon field loses focus", ["checkout"], "Lee Park", "Medium", None),
    ("SHOP", "Epic", "Storefront uptime", ["reliability", "theme:reliability"], None, "High", None),
    (
        "SHOP",
        "Task",
        "Cache product pages",
        ["reliability", "theme:reliability"],
        "Lee Park",
        "Highest",
        "aligned",
    ),
    ("SHOP", "Task", "Tidy the style guide", [], None, "Low", None),
    (
        "OPS",
        "Epic",
        "Incident response",
        ["reliability", "theme:reliability"],
        "Ravi Shah",
        "High",
        "aligned",
    ),
    (
        "OPS",
        "Task",
        "Page on queue backlog",
        ["reliability", "theme:reliability"],
        "Ravi Shah",
        "High",
        "aligned",
    ),
    ("OPS", "Bug", "Backups skip the orders table", ["reliability"], None, "Medium", None),
    ("OPS", "Task", "Weekly revenue report", ["reports", "theme:legacy-reports"], "Ravi Shah", "Low", None),
    ("OPS", "Task", "Export reports as CSV", ["reports"], None, "Low", None),
    ("OPS", "Story", "Checkout latency dashboard", ["checkout", "theme:checkout"], None, "High", "aligned"),
    ("MOB", "Story", "Offline cart", ["theme:mobile-app"], "Lee Park", "Medium", None),
    ("MOB", "Bug", "Crash on rotate", [], None, "Medium", None),
    ("MOB", "Task", "Push opt-in screen", ["theme:mobile-app"], "Sam Okafor", "Medium", "aligned"),
]


def configured_site_roadmap_toml() -> str:
    """The configured site's roadmap (``priority_levels``, ``allocation_tolerance``, themes)."""
    return SITE_ROADMAP_TOML


def configured_site_fixture() -> Fixture:
    """Initech's configured Jira; the same document on every call."""
    return {
        "jira": {
            "projects": [
                {
                    "key": "SHOP",
                    "name": "Storefront",
                    "lead": "Sam Okafor",
                    "screens": {
                        "Epic": ["summary", "description", "labels", "priority", "assignee", "Story Points"]
                    },
                },
                {
                    "key": "OPS",
                    "name": "Operations",
                    "lead": "Ravi Shah",
                    "priority_scheme": "Operations priorities",
                },
                {"key": "MOB", "name": "Mobile", "lead": "Lee Park", "team_managed": True},
            ],
            "priority_schemes": [
                {
                    "name": "Operations priorities",
                    "priorities": ["High", "Medium", "Low", "Lowest"],
                    "default": "Medium",
                }
            ],
            "custom_fields": [
                {
                    "id": "customfield_10040",
                    "name": "Alignment",
                    "type": "select",
                    "contexts": [
                        {
                            "name": "Alignment for Operations",
                            "projects": ["OPS"],
                            "options": ["aligned", "inherited", "unaligned"],
                        },
                        {"name": "Default Configuration Scheme for Alignment", "options": ALIGNMENTS},
                    ],
                },
                {"id": "customfield_10041", "name": "Story Points", "type": "number"},
                {
                    "id": "customfield_10077",
                    "name": "Alignment",
                    "type": "select",
                    "project": "MOB",
                    "options": ALIGNMENTS,
                },
            ],
            "issues": _issues(),
            "user": {
                "displayName": "roadsync bot",
                "emailAddress": "roadsync-bot@example.com",
                "accountId": "5b10ac8d82e05b22cc7d4ef5",
                "site_admin": False,
                "project_admin": True,
            },
        },
        "people": [
            {"name": WATCHER, "jira": {"email": "dana.reyes@initech.example"}},
            {"name": "Lee Park", "jira": {"email": "lee.park@initech.example"}},
        ],
    }


def _issues() -> list[JiraIssueFixture]:
    numbers: dict[str, int] = {}
    out: list[JiraIssueFixture] = []
    for project, kind, summary, labels, assignee, priority, alignment in _ISSUES:
        numbers[project] = numbers.get(project, 0) + 1
        issue: JiraIssueFixture = {
            "key": f"{project}-{numbers[project]}",
            "type": kind,
            "summary": summary,
            "labels": labels,
            "priority": priority,
            "watchers": [WATCHER, *([assignee] if assignee else [])],
            "created": f"2026-09-{numbers[project]:02d}T09:00:00Z",
        }
        if assignee:
            issue["assignee"] = assignee
        if alignment:
            issue["fields"] = {"Alignment": alignment}
        out.append(issue)
    return out
