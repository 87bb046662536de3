"""``roadsync demo``: the whole loop against the sandbox's demo company, in one process.

Starts the sandbox trackers seeded with the demo company and writes their config into a demo
folder. Then, exactly as a user's weekly cron job would (each run one
:class:`~roadsync.sync.run.Run`, its clock set to its week, so three weeks pass in seconds):

1. three weeks ago, the first sync (pull -> plan -> apply); then a person changes a priority
   that roadsync had just set, and tags eight unaligned Jira items with a theme by hand;
2. two weeks ago, a report; then the PM moves five points of target from platform to API v2,
   and a teammate labels ten unaligned GitHub issues ``reliability`` (platform's rule matches);
3. a week ago, a sync (it writes the fields of the items people aligned);
4. today, a report: it plans nothing (the syncs converged, and the person's value is kept),
   reports the drift that is left (``manual_override`` included) and the trend of the four runs.

Every run appends its snapshot to ``roadsync-history.jsonl`` in the folder (``--history``).
Reports (HTML, Markdown, JSON) of today's run and the first sync's plan go into the folder.
Only the sandbox is ever written to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from roadsync.config.load import load_settings
from roadsync.private import private_folder, write_private
from roadsync.sandbox.server import Sandbox, start_sandbox
from roadsync.sync.apply import ApplySummary
from roadsync.sync.model import Plan
from roadsync.sync.pull import PullResult
from roadsync.sync.render import render
from roadsync.sync.render._format import trend_headline
from roadsync.sync.report import Report
from roadsync.sync.run import Run, RunResult, RunSpec

__all__ = ["HISTORY_FILE", "LINKS_NOTE", "DemoResult", "run_demo"]

HISTORY_FILE = "roadsync-history.jsonl"
LINKS_NOTE = (
    "this report's links go to the demo's sandbox trackers on loopback ports, which answer only while "
    "'roadsync demo --serve' keeps them running"
)


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
    history: Path | None = None
    trend: tuple[str, ...] = ()

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
            "history": str(self.history) if self.history else None,
            "trend": list(self.trend),
        }


def run_demo(
    folder: Path,
    *,
    jira_flavor: Literal["cloud", "datacenter"] = "cloud",
    then: Callable[[DemoResult, Sandbox], None] | None = None,
) -> DemoResult:
    """Run the demo into ``folder`` (its previous state is replaced, so every demo starts fresh).

    ``then(result, sandbox)`` is called while the sandbox still runs (``roadsync demo --serve``
    keeps serving it there); the sandbox stops when it returns."""
    if folder.exists():
        shutil.rmtree(folder)
    private_folder(folder)
    with start_sandbox("demo", jira_flavor=jira_flavor) as sandbox:
        config = sandbox.write_config(folder / "roadsync.toml")
        os.environ.update(sandbox.info()["env"])
        runs, person_edit = _four_weeks(sandbox, config, folder / HISTORY_FILE)
        first, last = runs[0], runs[-1]
        plan, applied = first.plan, first.applied
        assert plan is not None and applied is not None
        assert last.plan is not None and last.report is not None
        # The report tells what the demo's syncs applied and what today's run found.
        report = replace(last.report, applied=_applied(runs), notes=(*last.report.notes, LINKS_NOTE))
        paths = _write_reports(folder, report)
        result = DemoResult(
            folder=folder, config=config, html=paths["html"], markdown=paths["markdown"], json=paths["json"],
            items=len(report.items), changes_planned=len(plan.changes), applied=applied.count("applied"),
            failed=sum(run.applied.failed for run in runs if run.applied is not None),
            drift_by_kind={k: v for k, v in report.drift_counts.items() if v},
            second_plan_changes=len(last.plan.changes), person_edit=person_edit, requests=sandbox.stats(),
            errors=tuple(error for run in runs for error in _source_errors(run.pulled)),
            history=folder / HISTORY_FILE, trend=_trend_lines(report),
        )  # fmt: skip
        if then is not None:
            then(result, sandbox)
        return result


def _four_weeks(sandbox: Sandbox, config: Path, history: Path) -> tuple[list[RunResult], str | None]:
    """The demo's four weekly runs, people and the PM at work in between (see the module docstring)."""
    today = datetime.now(timezone.utc).replace(microsecond=0)
    week = [today - timedelta(weeks=3 - n) for n in range(4)]

    def run(spec: RunSpec, at: datetime) -> RunResult:
        return Run(load_settings(config), spec, clock=lambda: at).execute()

    first = run(RunSpec.for_sync(full=True, report=False, history_file=history), week[0])
    assert first.plan is not None
    plan_text = json.dumps(first.plan.to_json(), indent=2)
    write_private(config.parent / "first-sync-plan.json", plan_text, option="demo")
    person_edit = _a_person_edits(sandbox, first.plan)
    unaligned = [d.item for d in first.plan.drift if d.kind == "unaligned" and d.item]
    for key in [key for key in unaligned if "#" not in key][:8]:  # Pat pins them to checkout
        sandbox.jira_store.edit_as_person(key, labels_add=["theme:checkout"], author="Pat Person")
    second = run(RunSpec.for_report(history_file=history), week[1])
    _pm_moves_target(config, {"platform": "0.30", "api-v2": "0.15"})
    for key in [key for key in unaligned if "#" in key][:10]:  # a rule of platform's matches them
        sandbox.github_store.edit_as_person(key, labels_add=["reliability"], actor="pat-person")
    third = run(RunSpec.for_sync(report=False, history_file=history), week[2])
    return [first, second, third, run(RunSpec.for_report(history_file=history), week[3])], person_edit


def _applied(runs: list[RunResult]) -> ApplySummary:
    done = [run.applied.summary for run in runs if run.applied is not None]
    return ApplySummary(*(sum(getattr(s, name) for s in done) for name in ("applied", "skipped", "failed")))


def _write_reports(folder: Path, report: Report) -> dict[str, Path]:
    formats = (("html", "html"), ("markdown", "md"), ("json", "json"))
    paths = {fmt: folder / f"report.{ext}" for fmt, ext in formats}
    for fmt, path in paths.items():
        write_private(path, render(report, fmt), option="demo")
    return paths


def _trend_lines(report: Report) -> tuple[str, ...]:
    if report.trend is None:
        return ()
    return (trend_headline(report), *report.trend.answers(report.theme_label))


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


def _pm_moves_target(config: Path, targets: dict[str, str]) -> None:
    """The PM edits the roadmap: each named theme's ``target_share`` line rewritten in place (the
    demo config holds its themes inline)."""
    text = config.read_text(encoding="utf-8")
    for theme, target in targets.items():
        lines = r"(?:(?!\[\[themes\]\]).*\n)*?"  # within the theme's own block
        block = re.compile(rf'(id = "{re.escape(theme)}"\n{lines}target_share = )[0-9.]+')
        text, count = block.subn(rf"\g<1>{target}", text, count=1)
        if count != 1:
            raise RuntimeError(f"the demo roadmap has no target_share for theme {theme}")
    config.write_text(text, encoding="utf-8")
