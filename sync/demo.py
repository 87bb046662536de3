"""``roadsync demo``: the whole loop against the sandbox's demo company, in one process.

Starts the sandbox trackers seeded with the demo company, writes their config into a demo
folder, then runs pull -> plan -> apply -> report exactly as a user's cron job would, plus a
second plan to show that the first sync converged. Writes the reports (HTML, Markdown, JSON)
into the folder. Only the sandbox is ever written to.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from connectors.sandbox.server import start_sandbox
from sync.config import load_settings
from sync.render import render
from sync.runner import open_session

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    config: Path
    html: Path
    markdown: Path
    json: Path
    items: int
    changes_planned: int
    applied: int
    failed: int
    drift_by_kind: dict[str, int]
    second_plan_changes: int
    requests: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "config": str(self.config),
            "report": {"html": str(self.html), "markdown": str(self.markdown), "json": str(self.json)},
            "items": self.items,
            "changes_planned": self.changes_planned,
            "applied": self.applied,
            "failed": self.failed,
            "drift_by_kind": self.drift_by_kind,
            "drift": sum(self.drift_by_kind.values()),
            "second_plan_changes": self.second_plan_changes,
            "sandbox_requests": self.requests,
        }


def run_demo(folder: Path, *, jira_flavor: Literal["cloud", "datacenter"] = "cloud") -> DemoResult:
    """Run the demo into ``folder`` (its previous state is replaced, so every demo starts fresh)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with start_sandbox("demo", jira_flavor=jira_flavor) as sandbox:
        config = sandbox.write_config(folder / "roadsync.toml")
        os.environ.update(sandbox.info()["env"])
        settings = load_settings(config)
        with open_session(settings) as session:
            pulled = session.pull(full=True)
            plan = session.plan()
            applied = session.apply(plan)
            report = session.report(plan, pulled, applied)
        with open_session(settings) as session:
            session.pull()
            second = session.plan()
        paths = {
            fmt: folder / f"report.{ext}"
            for fmt, ext in (("html", "html"), ("markdown", "md"), ("json", "json"))
        }
        for fmt, path in paths.items():
            path.write_text(render(report, fmt), encoding="utf-8")
        return DemoResult(
            folder=folder,
            config=config,
            html=paths["html"],
            markdown=paths["markdown"],
            json=paths["json"],
            items=len(report.items),
            changes_planned=len(plan.changes),
            applied=applied.count("applied"),
            failed=applied.failed,
            drift_by_kind={k: v for k, v in report.drift_by_kind.items() if v},
            second_plan_changes=len(second.changes),
            requests=sandbox.stats(),
        )
