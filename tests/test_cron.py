"""roadsync run the way cron runs it: no terminal, stdin closed, a minimal environment.

Each run is a real ``python -m roadsync`` process with only PATH, HOME and the token variables,
its stdout and stderr captured (pipes, never a TTY), against the sandbox trackers. The
examples in examples/cron, examples/systemd and examples/kubernetes are read to run the very
command line they ship.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
Site = tuple[Any, Path, dict[str, str]]  # (sandbox, config path, cron's environment)


def cron_env(sandbox: Any, home: Path) -> dict[str, str]:
    """What cron gives a job: PATH, HOME and (from the crontab) the token variables."""
    return {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(home),
            **sandbox.info()["env"]}


def run_as_cron(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "roadsync", *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )


def json_lines(stderr: str) -> list[dict[str, Any]]:
    """Every stderr line parsed as JSON (fails the test on the first line that is not)."""
    events = []
    for line in stderr.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"stderr line is not JSON: {line!r}")
    return events


def crontab_args() -> list[str]:
    """The roadsync arguments of the crontab example's job line, without the shell redirections."""
    lines = [
        line for line in (EXAMPLES / "cron" / "crontab").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and "roadsync " in line
    ]
    assert len(lines) == 1
    command = lines[0].split("roadsync ", 1)[1].split(">>", 1)[0]
    return shlex.split(command)


def with_config(args: list[str], config: Path, output: Path) -> list[str]:
    """The example's arguments with its --config and --output pointed at this test's files."""
    mapped = {"--config": str(config), "--output": str(output)}
    return [mapped.get(args[i - 1], arg) if i else arg for i, arg in enumerate(args)]


@pytest.fixture
def site(sandbox_factory: Any, tmp_path: Path) -> Site:
    sandbox = sandbox_factory("demo")
    config = tmp_path / "etc" / "roadsync.toml"
    config.parent.mkdir()
    sandbox.write_config(config)
    return sandbox, config, cron_env(sandbox, tmp_path)


def test_crontab_line_runs_quietly_with_json_lines(site: Site, tmp_path: Path) -> None:
    """The crontab's command exits 0, prints nothing on stdout and only JSON lines on stderr."""
    sandbox, config, env = site
    args = crontab_args()
    assert args[0] == "sync" and "--log-format" in args and args[args.index("--log-format") + 1] == "json"
    report = tmp_path / "last-run.json"
    proc = run_as_cron(with_config(args, config, report), env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    events = json_lines(proc.stderr)
    done = [e for e in events if e["event"] == "sync.done"]
    assert len(done) == 1 and done[0]["applied"] > 0 and done[0]["failed"] == 0
    assert "\x1b[" not in proc.stderr  # no colour, no progress bar without a terminal
    assert json.loads(report.read_text(encoding="utf-8"))["applied"]["applied"] == done[0]["applied"]
    for token in sandbox.info()["env"].values():
        assert token not in proc.stderr


def test_spent_github_budget_exits_4_and_still_reports(site: Site, tmp_path: Path) -> None:
    """With GitHub's rate-limit budget spent, the run exits 4, keeps Jira's work, and logs JSON only."""
    sandbox, config, env = site
    budget = sandbox.info()["control"] + "/github/budget"
    httpx.post(budget, json={"remaining": 0}, timeout=10).raise_for_status()
    report = tmp_path / "last-run.json"
    proc = run_as_cron(with_config(crontab_args(), config, report), env, tmp_path)
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout == ""
    sources = {e["source"]: e for e in json_lines(proc.stderr) if e["event"] == "pull.source"}
    assert sources["github"]["failed"] is True and sources["jira"]["failed"] is False
    assert json.loads(report.read_text(encoding="utf-8"))["sources"]["jira"]["total"] > 0


def test_a_run_still_holding_the_lock_makes_the_next_exit_75(
    site: Site, tmp_path: Path
) -> None:
    """While another process holds <state_dir>/roadsync.lock, a cron run exits 75 with one JSON error line."""
    _, config, env = site
    lock = config.parent / ".roadsync" / "roadsync.lock"
    lock.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, filelock; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); "
         "print('held', flush=True); sys.stdin.read()", str(lock)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        proc = run_as_cron(with_config(crontab_args(), config, tmp_path / "out.json"), env, tmp_path)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    assert proc.returncode == 75
    assert proc.stdout == ""
    events = json_lines(proc.stderr)
    assert [e["event"] for e in events] == ["run.failed"]
    assert events[0]["exit_code"] == 75 and str(lock) in events[0]["error"]
    assert not (tmp_path / "out.json").exists()


def test_stdout_is_one_json_document_without_output(site: Site, tmp_path: Path) -> None:
    """Without --output, a piped report prints exactly one JSON object on stdout and JSON lines on stderr."""
    _, config, env = site
    args = ["report", "--config", str(config), "--format", "json", "--log-format", "json"]
    proc = run_as_cron(args, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema"] == "roadsync.report/1"
    assert all(e["level"] in ("info", "warning") for e in json_lines(proc.stderr))


def test_examples_name_the_exit_codes_to_alert_on() -> None:
    """Each scheduler example lists exit codes 1, 4, 75 and 78 (and 3 with --fail-on) in its comments."""
    files = [EXAMPLES / "cron" / "crontab", EXAMPLES / "systemd" / "roadsync.service",
             EXAMPLES / "kubernetes" / "cronjob.yaml"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for code in ("1", "4", "75", "78", "3"):
            line = re.search(rf"^#\s+{code}\s+\w", text, re.MULTILINE)
            assert line, f"{path.name}: no comment line for exit code {code}"
        assert re.search(r"--log-format[ ,]+json", text)


def test_kubernetes_cronjob_never_overlaps_and_keeps_secrets_and_state_outside() -> None:
    """The CronJob forbids overlap, reads tokens from a Secret and keeps state on a volume claim."""
    import yaml

    text = (EXAMPLES / "kubernetes" / "cronjob.yaml").read_text("utf-8")
    documents = [d for d in yaml.safe_load_all(text) if d]
    job = next(d for d in documents if d["kind"] == "CronJob")
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    secret_refs = [e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e]
    assert secret_refs and all("name" in ref and "key" in ref for ref in secret_refs)
    assert any("persistentVolumeClaim" in volume for volume in pod["volumes"])
    assert "PersistentVolumeClaim" in {d["kind"] for d in documents}
    assert "--log-format" in container["args"]


def test_table_output_has_no_colour_when_piped(site: Site, tmp_path: Path) -> None:
    """The default table format, piped as cron pipes it, carries no terminal escape codes."""
    _, config, env = site
    proc = run_as_cron(["report", "--config", str(config)], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() and "\x1b[" not in proc.stdout + proc.stderr
