"""Jira components as a theme target: one kind module, planned, written, checked like the others.

Only components named in ``values`` are roadsync's; one is added or removed at a time with
``update.components`` operations, and every other component stays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadsync.changes import FieldChange
from roadsync.cli import main
from roadsync.config.model import FieldsConfig, FieldTarget, ManagedField
from roadsync.connectors.jira import Flavor, JiraWriter
from roadsync.connectors.model import Item
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme
from roadsync.sync.pipeline import make_plan
from roadsync.targets import kind_of
from tests.connectors.test_jira_reader import FAST, FLAVORS, TOKEN, serve_jira, site_fixture
from tests.connectors.test_jira_writer import read

TARGET = FieldTarget(target="components", values={"checkout": "checkout", "platform": "api"})
KIND = kind_of(TARGET)


def item(*components: str, labels: tuple[str, ...] = ()) -> Item:
    return Item("jira", "PAY-1", "PAY", "", "issue", "Refunds", components=components, labels=labels)


@pytest.mark.parametrize(
    ("components", "value", "ambiguous"),
    [
        ((), None, ()),
        (("ops",), None, ()),  # not named in values: a person's, not roadsync's
        (("ops", "checkout"), "checkout", ()),
        (("api", "checkout", "ops"), None, ("api", "checkout")),
    ],
)
def test_only_components_named_in_values_count(
    components: tuple[str, ...], value: str | None, ambiguous: tuple[str, ...]
) -> None:
    """The current value is the one component of ours; two of ours are ambiguous, others are ignored."""
    current = KIND.current(item(*components), TARGET)
    assert (current.value, current.ambiguous) == (value, ambiguous)


def test_values_convert_both_ways_and_unmapped_means_none() -> None:
    """A theme maps to its component and back; a theme or component not in values maps to none."""
    assert [KIND.to_native(TARGET, v) for v in ("checkout", "platform", "fraud", None)] == [
        "checkout", "api", None, None,
    ]  # fmt: skip
    assert [KIND.to_roadmap(TARGET, n) for n in ("checkout", "api", "ops", None)] == [
        "checkout", "platform", None, None,
    ]  # fmt: skip


def test_the_planner_plans_components_like_any_target() -> None:
    """An item matched to a theme gets that theme's component; a person's component pins its theme."""
    pay = (MatchBlock(labels=("pay",)),)
    roadmap = Roadmap((Theme("checkout", "Checkout", "P1", match=pay), Theme("platform", "Platform", "P2")))
    fields = FieldsConfig(theme=ManagedField(policy="enforce", jira=TARGET))
    matched = Item("jira", "PAY-1", "PAY", "", "issue", "a", labels=("pay",), components=("ops",))
    pinned = Item("jira", "PAY-2", "PAY", "", "issue", "b", labels=("pay",), components=("api",))
    plan = make_plan([matched, pinned], roadmap, fields, {})
    assert [(c.item, c.field, c.old, c.new) for c in plan.changes] == [("PAY-1", "theme", None, "checkout")]
    assert {a.item: (a.theme, a.step) for a in plan.assignments}["PAY-2"] == ("platform", "pin")


def _writer(site: Any) -> JiraWriter:
    return JiraWriter(site.config(), TOKEN, {"theme": TARGET}, retry=FAST)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_writer_adds_and_removes_one_component_keeping_the_others(flavor: Flavor) -> None:
    """A change adds the new component and removes the old one in one PUT; the person's stays."""
    issues: Any = [{"key": "PAY-1", "type": "Story", "summary": "Refunds", "components": ["api"]}]
    target = FieldTarget(target="components", values={"checkout": "checkout"})
    with serve_jira(site_fixture(issues), flavor) as site:
        writer = JiraWriter(site.config(), TOKEN, {"theme": target}, retry=FAST)
        before = site.writes()
        outcomes = writer.write(read(site, "PAY-1"), [FieldChange("PAY-1", "theme", None, "checkout")])
        assert [(o.status, o.requests) for o in outcomes] == [("applied", 1)]
        assert read(site, "PAY-1").components == ("api", "checkout")
        again = writer.write(read(site, "PAY-1"), [FieldChange("PAY-1", "theme", None, "checkout")])
        assert [o.status for o in again] == ["skipped"] and site.writes() - before == 1
        writer.write(read(site, "PAY-1"), [FieldChange("PAY-1", "theme", "checkout", None)])
        assert read(site, "PAY-1").components == ("api",)
        writer.close()


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_component_the_project_lacks_is_unwritable_that_change_only(flavor: Flavor) -> None:
    """Jira refuses an unknown component name (HTTP 400 naming the field): the change is
    unwritable with Jira's reason and nothing changes."""
    issues: Any = [{"key": "PAY-1", "type": "Story", "summary": "Refunds", "components": ["api"]}]
    with serve_jira(site_fixture(issues), flavor) as site:
        outcomes = _writer(site).write(read(site, "PAY-1"), [FieldChange("PAY-1", "theme", None, "Nope")])
        assert outcomes[0].status == "unwritable"
        said = "Component name 'Nope' is not valid (Components allows api, checkout for Story in PAY)"
        assert outcomes[0].error == said
        assert read(site, "PAY-1").components == ("api",)


COMPONENTS_TOML = '''
[fields.theme]
policy = "enforce"
jira = { target = "components", values = { checkout = "ledger", platform = "api" } }
'''


def _config(sandbox: Any, tmp: Path, monkeypatch: pytest.MonkeyPatch, *, projects: str) -> Path:
    path = sandbox.write_config(tmp / "roadsync.toml")
    text = path.read_text(encoding="utf-8")
    start = text.index("[fields.theme]")
    end = text.index("[fields.alignment]")
    text = text[:start] + COMPONENTS_TOML.lstrip() + "\n" + text[end:]
    text = text.replace('projects = ["PAY", "CORE"]', f"projects = {projects}")
    path.write_text(text, encoding="utf-8")
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    return path


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    return int(stopped.value.code or 0)


def test_sync_writes_theme_components_and_converges(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """sync sets each checkout item's component in PAY, keeps people's, and the next plan is empty."""
    config = _config(demo_sandbox, tmp_path, monkeypatch, projects='["PAY"]')
    before = {i.key: list(i.components) for i in demo_sandbox.jira_store.issues() if i.project == "PAY"}
    assert _run("sync", "--config", str(config), "--format", "json") == 0
    capsys.readouterr()
    after = {i.key: list(i.components) for i in demo_sandbox.jira_store.issues() if i.project == "PAY"}
    gained = {key for key in after if set(after[key]) - set(before[key])}
    assert gained and all(set(after[key]) - set(before[key]) <= {"ledger", "api"} for key in after)
    assert all(set(before[key]) - {"ledger", "api"} <= set(after[key]) for key in after)
    assert _run("plan", "--config", str(config), "--format", "json", "--detailed-exitcode") == 0


def test_doctor_fails_a_component_missing_from_a_project(
    demo_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """doctor reads each project's components: CORE has no ledger or api component, PAY has both."""
    import json

    config = _config(demo_sandbox, tmp_path, monkeypatch, projects='["PAY", "CORE"]')
    capsys.readouterr()
    assert _run("doctor", "--config", str(config), "--format", "json") == 1
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)["checks"] if c["source"] == "jira"}
    assert checks["theme: components of PAY"]["level"] == "ok"
    core = checks["theme: components of CORE"]
    assert core["level"] == "fail" and "ledger, api" in core["detail"]
    assert "Components" in core["fix"]
