"""The GitHub Action (action.yml + roadsync/action.py), run locally the way the runner runs it.

The runner is played by :func:`run_action`: it parses action.yml, evaluates the few expressions
the action uses (``inputs.*``, ``steps.<id>.outputs.*``, ``github.*``) into each step's ``env:``,
gives every step its own ``GITHUB_OUTPUT`` file, runs each ``run:`` with
``bash --noprofile --norc -eo pipefail`` and maps the steps' outputs onto the action's outputs.
The install step runs too, through its documented test hook ``ROADSYNC_ACTION_PYTHON`` (this
interpreter, which has roadsync installed), because a real ``pip install`` needs the network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from roadsync.action import fit_summary, report_from_json, write_outputs

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml")) + sorted(
    (ROOT / ".github" / "workflows").glob("*.yml")
)
# The demo company's issue that the issues-event test maps: it has two pending changes.
EVENT_REPO, EVENT_NUMBER = "acme/mobile", 37
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def run_blocks(document: Any) -> list[str]:
    """Every ``run:`` script in an action or workflow document."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(run_blocks(value))
    elif isinstance(document, list):
        for value in document:
            found.extend(run_blocks(value))
    return found


def parse_output_file(path: Path) -> dict[str, str]:
    """Read a ``GITHUB_OUTPUT`` file as the runner does (``name=value`` and ``name<<DELIM``)."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            for part in lines:
                if part == delimiter:
                    break
                body.append(part)
            else:
                raise AssertionError(f"output {name}: delimiter {delimiter} never closes")
            outputs[name] = "\n".join(body)
        elif line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def evaluate(text: str, context: Mapping[str, Any]) -> str:
    """Substitute ``${{ a.b.c }}`` from ``context``; any other expression fails the test."""

    def lookup(match: re.Match[str]) -> str:
        value: Any = context
        parts = match.group(1).split(".")
        if parts[0] == "steps" and len(parts) == 4 and parts[1] in context["steps"]:
            return str(context["steps"][parts[1]]["outputs"].get(parts[3], ""))  # unset output: ""
        for part in parts:
            if not isinstance(value, Mapping) or part not in value:
                raise AssertionError(f"expression the local runner does not know: {match.group(0)}")
            value = value[part]
        return str(value)

    return EXPRESSION.sub(lookup, text)


def run_action(
    inputs: Mapping[str, str], env: Mapping[str, str], github: Mapping[str, Any], workspace: Path
) -> tuple[int, dict[str, str], str]:
    """Run action.yml's steps; returns (exit code of the last step, action outputs, step logs)."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    unknown = set(inputs) - set(action["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    context: dict[str, Any] = {"github": github, "steps": {}}
    context["inputs"] = {
        name: inputs.get(name, evaluate(str(spec.get("default", "")), context))
        for name, spec in action["inputs"].items()
    }
    logs, code = "", 0
    for index, step in enumerate(action["runs"]["steps"]):
        output_file = Path(env["RUNNER_TEMP"]) / f"output-{index}"
        output_file.write_text("", encoding="utf-8")
        script = Path(env["RUNNER_TEMP"]) / f"step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        step_env = {**env, "GITHUB_OUTPUT": str(output_file)}
        step_env.update({k: evaluate(str(v), context) for k, v in step.get("env", {}).items()})
        assert step["shell"] == "bash"
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=step_env, cwd=workspace, capture_output=True, text=True, stdin=subprocess.DEVNULL,
            timeout=120, check=False,
        )
        logs += proc.stdout + proc.stderr
        code = proc.returncode
        context["steps"][step.get("id", str(index))] = {"outputs": parse_output_file(output_file)}
        if code != 0:
            break
    outputs = {name: evaluate(spec["value"], context) for name, spec in action["outputs"].items()}
    return code, outputs, logs


@pytest.fixture
def runner_env(tmp_path: Path) -> dict[str, str]:
    """The variables the runner sets for every step (a minimal process environment)."""
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    summary = temp / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    event = temp / "event.json"
    event.write_text(json.dumps({
        "action": "opened",
        "issue": {"number": EVENT_NUMBER, "title": "a title with `$(rm -rf ~)` in it"},
        "repository": {"full_name": EVENT_REPO},
    }), encoding="utf-8")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(temp),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": str(event),
        "ROADSYNC_ACTION_PYTHON": sys.executable,
    }


def github_context(env: Mapping[str, str]) -> dict[str, Any]:
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    return {"token": "", "repository": event["repository"]["full_name"], "event": event}


def issues_workflow_args(github: Mapping[str, Any]) -> str:
    """The ``args`` input exactly as examples/workflows/roadsync-issue.yml builds it."""
    workflow = yaml.safe_load((ROOT / "examples/workflows/roadsync-issue.yml").read_text(encoding="utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"] if "args" in s.get("with", {})]
    assert len(steps) == 1
    return evaluate(steps[0]["with"]["args"], {"github": github})


def test_no_expression_inside_any_run_script() -> None:
    """No ``${{ }}`` appears inside any ``run:`` of action.yml or of the workflows we ship."""
    for path in [ACTION, *WORKFLOWS]:
        for script in run_blocks(yaml.safe_load(path.read_text(encoding="utf-8"))):
            assert "${{" not in script, f"{path.name}: expression inside run: {script!r}"
    assert WORKFLOWS, "no workflows found"


def test_every_input_reaches_the_script_through_env_only() -> None:
    """Each input is mapped onto an env variable of the run step, and run scripts read only env."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    mapped = {
        match for step in steps for value in step.get("env", {}).values()
        for match in re.findall(r"inputs\.([\w-]+)", str(value))
    }
    assert mapped == set(action["inputs"])
    assert all(step.get("shell") == "bash" for step in steps)
    assert action["runs"]["using"] == "composite"


def test_issue_event_maps_that_one_issue_and_reports_outputs_and_summary(
    sandbox_factory: Any, runner_env: dict[str, str], tmp_path: Path
) -> None:
    """An issues event run syncs just that issue, sets the outputs and writes `Drift: N` to the summary."""
    sandbox = sandbox_factory("demo")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    sandbox.write_config(workspace / "roadsync.toml")
    tokens = sandbox.info()["env"]
    github = github_context(runner_env)
    key = f"{EVENT_REPO}#{EVENT_NUMBER}"
    assert issues_workflow_args(github) == f"--only {key}"
    inputs = {
        "mode": "sync",
        "jira-token": tokens["ROADSYNC_SANDBOX_JIRA_TOKEN"],
        "github-token": tokens["ROADSYNC_SANDBOX_GITHUB_TOKEN"],
        "args": issues_workflow_args(github),
    }
    code, outputs, logs = run_action(inputs, runner_env, github, workspace)
    assert code == 0, logs
    document = json.loads(Path(outputs["json-path"]).read_text(encoding="utf-8"))
    assert {c["item"] for c in document["changes"]} == {key}
    assert outputs["changes"] == str(len(document["changes"])) == "2"
    assert outputs["drift-count"] == str(len(document["drift"]))
    assert sandbox.stats()["github"]["writes"] >= 1
    summary = Path(runner_env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert f"Drift: {outputs['drift-count']}" in summary.splitlines()
    assert Path(outputs["report-path"]).read_text(encoding="utf-8") in summary
    assert outputs["exit-code"] == "0"
    for token in tokens.values():
        assert token not in logs + summary + json.dumps(outputs)


def test_plan_mode_writes_nothing(sandbox_factory: Any, runner_env: dict[str, str], tmp_path: Path) -> None:
    """mode plan reports the pending changes and the drift but sends no write to either tracker."""
    sandbox = sandbox_factory("demo")
    sandbox.write_config(tmp_path / "roadsync.toml")
    tokens = sandbox.info()["env"]
    inputs = {"mode": "plan", "jira-token": tokens["ROADSYNC_SANDBOX_JIRA_TOKEN"],
              "github-token": tokens["ROADSYNC_SANDBOX_GITHUB_TOKEN"], "fail-on": "unaligned"}
    code, outputs, logs = run_action(inputs, runner_env, github_context(runner_env), tmp_path)
    assert code == 0, logs
    assert int(outputs["changes"]) > 0 and int(outputs["drift-count"]) > 0
    stats = sandbox.stats()
    assert stats["jira"]["writes"] == 0 and stats["github"]["writes"] == 0
    assert "fail-on is ignored in mode plan" in logs
    markdown = Path(outputs["report-path"]).read_text(encoding="utf-8")
    assert f"Drift: {outputs['drift-count']}" in markdown.splitlines()


def test_state_carried_between_runs_makes_the_second_run_incremental(
    sandbox_factory: Any, runner_env: dict[str, str], tmp_path: Path
) -> None:
    """With the state folder restored (as actions/cache does), a second sync pulls incrementally
    and writes nothing."""
    sandbox = sandbox_factory("demo")
    tokens = sandbox.info()["env"]
    inputs = {"mode": "sync", "jira-token": tokens["ROADSYNC_SANDBOX_JIRA_TOKEN"],
              "github-token": tokens["ROADSYNC_SANDBOX_GITHUB_TOKEN"], "fail-on": "retired_theme"}
    first, second = tmp_path / "run1", tmp_path / "run2"
    for workspace in (first, second):
        workspace.mkdir()
        sandbox.write_config(workspace / "roadsync.toml")
    code, outputs, logs = run_action(inputs, runner_env, github_context(runner_env), first)
    assert code == 3, logs  # the demo has work on a retired theme: fail-on turns it into exit 3
    assert int(outputs["changes"]) > 0
    writes = sandbox.stats()["jira"]["writes"] + sandbox.stats()["github"]["writes"]
    shutil.copytree(first / ".roadsync", second / ".roadsync")  # the cache restore
    code, outputs, logs = run_action(inputs, runner_env, github_context(runner_env), second)
    assert code == 3, logs
    assert outputs["changes"] == "0"
    assert sandbox.stats()["jira"]["writes"] + sandbox.stats()["github"]["writes"] == writes
    sources = json.loads(Path(outputs["json-path"]).read_text(encoding="utf-8"))["sources"]
    for name, source in sources.items():
        assert source["fetched"] < source["total"], f"{name} pulled everything again: {source}"


@pytest.mark.parametrize(
    "args",
    ["--format json", "--output=x.md", "--config other.toml", "--only 'unclosed"],
)
def test_args_that_fight_the_action_are_usage_errors(
    args: str, runner_env: dict[str, str], tmp_path: Path
) -> None:
    """args that set the action's own options, or cannot be split, stop with exit 64 and an error line."""
    code, outputs, logs = run_action({"args": args}, runner_env, github_context(runner_env), tmp_path)
    assert code == 64
    assert "::error title=roadsync::input args" in logs
    assert outputs["exit-code"] == "64" and outputs["drift-count"] == ""


def test_config_error_exits_78_with_a_summary_line(runner_env: dict[str, str], tmp_path: Path) -> None:
    """A missing config exits 78 and the summary says the run stopped and why."""
    github = github_context(runner_env)
    code, outputs, logs = run_action({"config": "missing.toml"}, runner_env, github, tmp_path)
    assert code == 78, logs
    assert outputs["exit-code"] == "78"
    assert outputs["drift-count"] == ""
    summary = Path(runner_env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert "Stopped with exit code 78 (configuration error)" in summary


def test_report_json_rebuilds_the_same_report(sandbox_factory: Any, tmp_path: Path) -> None:
    """The report that --format json wrote rebuilds into a Report whose JSON is the same document
    (but the plan checksum, which covers the plan's ``seen`` stamps that a report leaves out)."""
    sandbox = sandbox_factory("demo")
    config = tmp_path / "roadsync.toml"
    sandbox.write_config(config)
    out = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "roadsync", "report", "--config", str(config), "--format", "json",
         "--output", str(out)],
        env={**os.environ, **sandbox.info()["env"]}, check=True, capture_output=True, timeout=120,
    )
    document = json.loads(out.read_text(encoding="utf-8"))
    rebuilt = report_from_json(document).to_json()
    assert len(document["drift"]) > 0 and len(document["items"]) > 0
    assert {**rebuilt, "checksum": None} == {**document, "checksum": None}


def test_outputs_use_a_delimiter_no_value_contains(tmp_path: Path) -> None:
    """Multi-line values round-trip through GITHUB_OUTPUT in the name<<DELIM form."""
    path = tmp_path / "output"
    values = {"report-path": "/tmp/a b/report.md", "multi": "line 1\nEOF\nline 3", "empty": ""}
    write_outputs(path, values)
    assert parse_output_file(path) == values


def test_summary_is_cut_at_a_line_end_below_the_limit() -> None:
    """A summary over the limit is cut at a line end, stays under the limit, and says so."""
    text = "".join(f"| row {n} | ünïcode |\n" for n in range(100_000))
    cut = fit_summary(text, limit=50_000)
    assert len(cut.encode("utf-8")) <= 50_000
    body, notice = cut.split("\n\n> roadsync:", 1)
    assert text.startswith(body) and body.endswith("|\n") and "1 MiB" in notice
    assert fit_summary("small\n", limit=50_000) == "small\n"


def test_history_input_appends_and_the_summary_shows_the_trend(
    sandbox_factory: Any, runner_env: dict[str, str], tmp_path: Path
) -> None:
    """Two report runs with the history input: each appends one snapshot to the file the
    history-path output names, and the second run's job summary shows the trend of both."""
    sandbox = sandbox_factory("demo")
    sandbox.write_config(tmp_path / "roadsync.toml")
    tokens = sandbox.info()["env"]
    inputs = {"mode": "report", "history": "trend/roadsync-history.jsonl",
              "jira-token": tokens["ROADSYNC_SANDBOX_JIRA_TOKEN"],
              "github-token": tokens["ROADSYNC_SANDBOX_GITHUB_TOKEN"]}  # fmt: skip
    for _ in range(2):
        code, outputs, logs = run_action(inputs, runner_env, github_context(runner_env), tmp_path)
        assert code == 0, logs
    history = Path(outputs["history-path"])
    assert history == (tmp_path / "trend" / "roadsync-history.jsonl").resolve()
    assert len(history.read_text(encoding="utf-8").splitlines()) == 2
    summary = Path(runner_env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert "### Trend" in summary and "2 snapshots" in summary.split("### Trend")[-1]


def test_history_in_args_and_input_at_once_is_a_usage_error(
    runner_env: dict[str, str], tmp_path: Path
) -> None:
    """--history in args while the history input is set: exit 64 before anything runs."""
    inputs = {"history": "h.jsonl", "args": "--history other.jsonl"}
    code, outputs, logs = run_action(inputs, runner_env, github_context(runner_env), tmp_path)
    assert code == 64 and "--history" in logs and outputs["history-path"] == ""
