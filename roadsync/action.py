"""The GitHub Action's entry point: ``python -m roadsync.action`` (the action's one run step).

The composite action (``action.yml``) passes its inputs through ``env:`` only, as
``INPUT_CONFIG``, ``INPUT_MODE``, ``INPUT_FAIL_ON``, ``INPUT_JIRA_TOKEN``,
``INPUT_GITHUB_TOKEN``, ``INPUT_WORKING_DIRECTORY``, ``INPUT_HISTORY`` and ``INPUT_ARGS``. This module:

1. reads them (``args`` is split with :func:`shlex.split`, never by a shell);
2. puts ``jira-token`` / ``github-token`` into the environment variables the config's
   ``token_env`` names (learned with :func:`roadsync.config.load.load_settings`), never printing them;
3. runs the verb once with this interpreter (``python -m roadsync``): ``plan`` writes the
   Markdown report (``--format markdown``) and the plan JSON (``--out``); ``report`` and ``sync``
   write the report JSON (``--format json``), from which the Markdown is rendered here, so the
   summary shows exactly what that one run saw and did; with ``history`` the verb appends its
   snapshot to that JSON-lines file (``--history``) and the summary's trend reads it;
4. appends the Markdown to ``$GITHUB_STEP_SUMMARY`` (kept under GitHub's 1 MiB per step),
   writes ``changes``, ``drift-count``, ``report-path``, ``json-path``, ``history-path`` and ``exit-code`` to
   ``$GITHUB_OUTPUT`` (``name<<DELIM`` form, random delimiter), and exits with roadsync's code.

``mode: plan`` runs ``plan`` and never writes to the trackers.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadsync.errors import ConfigError, UsageError, register_secret
from roadsync.sync.report import Report

__all__ = [
    "MODES",
    "SUMMARY_LIMIT",
    "ActionInputs",
    "fit_summary",
    "main",
    "report_from_json",
    "token_env_names",
    "write_outputs",
]

MODES = ("plan", "sync", "report")
# GitHub aborts a step summary above 1024 KiB; keep a margin for what earlier writes left.
SUMMARY_LIMIT = 1024 * 1024 - 4096
# Options the action sets itself; passing them in ``args`` would fight over the output files.
_OWNED_OPTIONS = ("--config", "--format", "--output")
_EXIT_MEANING = {
    0: "done",
    1: "runtime error (network, auth, the tracker refused)",
    2: "changes pending",
    3: "drift found that fail-on names",
    4: "incomplete: a source failed; the rest was processed and reported",
    5: "the change guard refused the plan; nothing written (raise run.max_changes or review the plan)",
    64: "usage error",
    75: "another run holds the lock",
    78: "configuration error",
}


@dataclass(frozen=True)
class ActionInputs:
    """The action's inputs, read from the ``INPUT_*`` variables that action.yml sets."""

    config: str
    mode: str
    fail_on: str
    jira_token: str
    github_token: str
    working_directory: Path
    args: tuple[str, ...]
    history: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionInputs:
        """Read and check the inputs; a bad mode or ``args`` is a :class:`UsageError` (exit 64)."""
        mode = env.get("INPUT_MODE", "").strip() or "report"
        if mode not in MODES:
            raise UsageError(f"input mode is {mode!r}", hint=f"use one of: {', '.join(MODES)}")
        try:
            args = tuple(shlex.split(env.get("INPUT_ARGS", "")))
        except ValueError as exc:
            raise UsageError(f"input args cannot be split ({exc})", hint="check its quotes") from None
        history = env.get("INPUT_HISTORY", "").strip()
        owned = _OWNED_OPTIONS + (("--out",) if mode == "plan" else ()) + (("--history",) if history else ())
        clash = [a for a in args if a.split("=", 1)[0] in owned]
        if clash:
            raise UsageError(
                f"input args sets {', '.join(clash)}, which the action sets itself",
                hint="use the action's inputs (config, history) for those; read report-path for the report",
            )
        return cls(
            config=env.get("INPUT_CONFIG", "").strip() or "roadsync.toml",
            mode=mode,
            fail_on=env.get("INPUT_FAIL_ON", "").strip(),
            jira_token=env.get("INPUT_JIRA_TOKEN", "").strip(),
            github_token=env.get("INPUT_GITHUB_TOKEN", "").strip(),
            working_directory=Path(env.get("INPUT_WORKING_DIRECTORY", "").strip() or "."),
            args=args,
            history=history,
        )


@dataclass(frozen=True)
class RunFiles:
    """Where one run's documents go (a fresh folder under ``$RUNNER_TEMP``)."""

    markdown: Path
    json: Path

    @classmethod
    def fresh(cls, env: Mapping[str, str]) -> RunFiles:
        base = env.get("RUNNER_TEMP") or None
        if base:
            Path(base).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="roadsync-", dir=base)).resolve()
        return cls(markdown=folder / "report.md", json=folder / "report.json")


def token_env_names(config: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The variable each tracker's token is read from (``{"jira": ..., "github": ...}``), for
    the trackers the config uses; empty when the config does not load (the verb then says why)."""
    from roadsync.config.load import load_settings

    try:
        settings = load_settings(config, env=env)
    except (ConfigError, OSError):
        return {}
    names: dict[str, str] = {}
    if settings.model.jira is not None:
        names["jira"] = settings.model.jira.token_env
    if settings.model.github is not None:
        names["github"] = settings.model.github.token_env
    return names


def child_env(inputs: ActionInputs, env: Mapping[str, str]) -> dict[str, str]:
    """The verb's environment: no ``INPUT_*`` variables, tokens under the names the config reads."""
    result = {k: v for k, v in env.items() if not k.startswith("INPUT_")}
    names = token_env_names(inputs.working_directory / inputs.config, env)
    for source, token in (("jira", inputs.jira_token), ("github", inputs.github_token)):
        register_secret(token)
        if token and source in names:
            result[names[source]] = token
    return result


def verb_command(inputs: ActionInputs, files: RunFiles) -> list[str]:
    """The roadsync command line for this mode, run with this interpreter."""
    command = [sys.executable, "-I", "-m", "roadsync", inputs.mode, "--config", inputs.config]
    if inputs.mode == "plan":
        command += ["--format", "markdown", "--output", str(files.markdown), "--out", str(files.json)]
    else:
        command += ["--format", "json", "--output", str(files.json)]
        if inputs.fail_on:
            command += ["--fail-on", inputs.fail_on]
    if inputs.history:
        command += ["--history", inputs.history]
    return command + list(inputs.args)


def report_from_json(document: Mapping[str, Any]) -> Report:
    """Rebuild the :class:`Report` that ``--format json`` wrote, so the Markdown shows the very
    run the JSON describes."""
    return Report.from_json(document)


def fit_summary(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """``text`` unchanged when it fits in ``limit`` UTF-8 bytes, else cut at a line end with a
    closing notice (the renderer already keeps reports under 1 MB; this is the last guard)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    notice = "\n\n> roadsync: the report was cut to fit GitHub's 1 MiB step-summary limit; " \
             "the full report is at the action's report-path output.\n"
    head = data[: limit - len(notice.encode("utf-8"))].decode("utf-8", errors="ignore")
    return head[: head.rfind("\n") + 1] + notice


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append outputs in the ``name<<DELIM`` form with a delimiter no value contains."""
    with path.open("a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def _results(inputs: ActionInputs, files: RunFiles) -> tuple[dict[str, str], str | None]:
    """The outputs and the Markdown of a run that wrote its documents; ``({}, None)`` if it did not."""
    if not files.json.is_file():
        return {}, None
    document = json.loads(files.json.read_text(encoding="utf-8"))
    if inputs.mode == "plan":
        changes = len(document.get("changes", []))
        markdown = files.markdown.read_text(encoding="utf-8") if files.markdown.is_file() else None
    else:
        report = report_from_json(document)
        changes = report.changes_applied if inputs.mode == "sync" else report.changes_pending
        from roadsync.sync.render.markdown import render_markdown

        markdown = render_markdown(report)
        files.markdown.write_text(markdown, encoding="utf-8")
    outputs = {"changes": str(changes), "drift-count": str(len(document.get("drift", [])))}
    outputs["json-path"] = str(files.json)
    if markdown is not None:
        outputs["report-path"] = str(files.markdown)
    return outputs, markdown


def _append_summary(env: Mapping[str, str], text: str) -> None:
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    path = Path(target)
    used = path.stat().st_size if path.is_file() else 0
    with path.open("a", encoding="utf-8") as handle:
        handle.write(fit_summary(text, max(SUMMARY_LIMIT - used, 4096)))


def run(env: Mapping[str, str]) -> int:
    """Run the action once with ``env`` as its environment; returns roadsync's exit code."""
    inputs = ActionInputs.from_env(env)
    if inputs.fail_on and inputs.mode == "plan":
        print("::warning title=roadsync::fail-on is ignored in mode plan (use mode report as a drift gate)")
    files = RunFiles.fresh(env)
    command = verb_command(inputs, files)
    print(f"roadsync: running {shlex.join(['roadsync', *command[4:]])}", flush=True)
    code = subprocess.run(
        command, env=child_env(inputs, env), cwd=inputs.working_directory, stdin=subprocess.DEVNULL,
        check=False,
    ).returncode
    outputs, markdown = _results(inputs, files)
    outputs["exit-code"] = str(code)
    history = inputs.working_directory / inputs.history
    if inputs.history and history.is_file():
        outputs["history-path"] = str(history.resolve())
    if markdown is None:
        meaning = _EXIT_MEANING.get(code, "unexpected exit")
        markdown = f"### roadsync {inputs.mode}\n\nStopped with exit code {code} ({meaning}); see the log.\n"
    _append_summary(env, markdown)
    if env.get("GITHUB_OUTPUT"):
        write_outputs(Path(env["GITHUB_OUTPUT"]), outputs)
    return code


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m roadsync.action``: exit with roadsync's exit code (64 for a bad input)."""
    del argv  # the action takes everything from its environment
    try:
        code = run(os.environ)
    except UsageError as exc:
        print(f"::error title=roadsync::{exc.one_line()}", flush=True)
        code = exc.exit_code
        if os.environ.get("GITHUB_OUTPUT"):
            write_outputs(Path(os.environ["GITHUB_OUTPUT"]), {"exit-code": str(code)})
    sys.exit(code)


if __name__ == "__main__":
    main()
