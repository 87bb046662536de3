"""``roadsync demo``: the whole loop against the sandbox's demo company, in one process.

Starts the sandbox trackers seeded with the demo company and writes their config into a demo
folder. Then, exactly as a user's cron job would (each run one :class:`~roadsync.sync.run.Run`):
the first sync (pull -> plan -> apply); a person changes a priority that roadsync had just set;
a second run pulls and plans again.
The second run plans nothing (the sync converged, and the person's value is kept) and reports
the drift that is left, ``manual_override`` included. Reports (HTML, Markdown, JSON) of the
second run and the first sync's plan go into the folder. Only the sandbox is ever written to.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from roadsync.config.load import load_settings
from roadsync.sandbox.server import Sandbox, start_sandbox
from roadsync.sync.model import Plan
from roadsync.sync.pull import PullResult
from roadsync.sync.render import render
from roadsync.sync.run import Run, RunSpec

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
    person_edit: str | None
    requests: dict[str, Any]
    errors: tuple[str, ...] = ()

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
            "person_edit": self.person_edit,
            "errors": list(self.errors),
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
        first = Run(settings, RunSpec.for_sync(full=True, report=False)).execute()
        plan, applied = first.plan, first.applied
        assert plan is not None and applied is not None
        (folder / "first-sync-plan.json").write_text(json.dumps(plan.to_json(), indent=2), encoding="utf-8")
        person_edit = _a_person_edits(sandbox, plan)
        second = Run(settings, RunSpec.for_report()).execute()
        assert second.plan is not None and second.report is not None and second.pulled is not None
        # The report tells what the first sync applied and what the second run found.
        report = replace(second.report, applied=applied.summary)
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
            drift_by_kind={k: v for k, v in report.drift_counts.items() if v},
            second_plan_changes=len(second.plan.changes),
            person_edit=person_edit,
            requests=sandbox.stats(),
            errors=tuple(_source_errors(first.pulled) + _source_errors(second.pulled)),
        )


def _source_errors(pulled: PullResult | None) -> list[str]:
    sources = pulled.sources.items() if pulled is not None else ()
    return [f"{name}: {source.error}" for name, source in sources if source.error]


def _a_person_edits(sandbox: Sandbox, plan: Plan) -> str | None:
    """Pat, a product owner, lowers a Jira priority that the first sync had just raised."""
    for change in plan.changes:
        if change.field == "priority" and "#" not in change.item and change.new != "Lowest":
            sandbox.jira_store.edit_as_person(change.item, priority="Lowest", author="Pat Person")
            return f"{change.item}: priority {change.new} -> Lowest by Pat Person"
    return None
