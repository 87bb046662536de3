"""TOML text of the config and the draft roadmap that ``roadsync init`` writes (pure; no I/O).

The config names token variables, never tokens. Every managed field starts on policy
``report``: the first runs only report drift, so nothing is written until a person reads a
plan and switches a field to ``enforce``.
"""

from __future__ import annotations

import json
import os
from datetime import date

from roadsync.escaping import json_text, one_line
from roadsync.init.discover import Board, Discovery, GithubFound, InitOptions, JiraFound, ThemeDraft

__all__ = ["config_text", "roadmap_text"]

LEVELS = ("P0", "P1", "P2", "P3", "P4")


def _q(value: str) -> str:
    # A JSON string is a TOML basic string once DEL and C1 controls, which TOML forbids raw, are
    # \u escapes too.
    return json_text(json.dumps(value, ensure_ascii=False))


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _map(pairs: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{k} = {_q(v)}" for k, v in pairs.items()) + " }"


def level_map(names: list[str]) -> dict[str, str]:
    """P0..P4 onto ``names`` in order (the highest first); levels past the end take the last name."""
    return {level: names[min(i, len(names) - 1)] for i, level in enumerate(LEVELS)} if names else {}


def config_text(discovery: Discovery, options: InitOptions, today: date | None = None) -> str:
    """The commented ``roadsync.toml``."""
    roadmap = os.path.relpath(options.roadmap_path.resolve(), options.config_path.resolve().parent)
    parts = [
        f"# roadsync config written by `roadsync init` on {(today or date.today()).isoformat()}.",
        "# Tokens are NOT in this file: they are read from the environment variables named below.",
        "# Check it with: roadsync validate && roadsync doctor",
        "",
        "# The PM's file: themes, priorities and horizons (a DRAFT proposed by init; edit it).",
        f"roadmap = {_q(roadmap)}",
        "",
    ]
    if discovery.jira:
        parts += _jira_section(discovery.jira)
    if discovery.github:
        parts += _github_section(discovery.github)
    parts += _fields_section(discovery)
    parts += ["[run]", "# state, journal and lock live here (relative to this file)",
              'state_dir = ".roadsync"', ""]
    return "\n".join(parts)


def _jira_section(jira: JiraFound) -> list[str]:
    auth = "basic" if jira.email else "bearer"
    lines = [
        "[jira]",
        f"url = {_q(jira.url)}",
        f"flavor = {_q(jira.flavor)}",
        f"auth = {_q(auth)}  # basic: email + API token (Cloud); bearer: personal access token (Data Center)",
    ]
    if jira.email:
        lines.append(f"email = {_q(jira.email)}")
    lines += [
        f"token_env = {_q(jira.token_env)}",
        f"projects = {_list(jira.projects)}",
    ]
    others = [k for k in jira.visible if k not in jira.projects]
    if others:
        lines.append(f"# other projects this token can see: {', '.join(others)}")
    lines.append("# jql = \"labels != ignore\"  # an optional filter added to every project's query")
    if jira.estimate_field:
        lines.append(f"estimate_field = {_q(jira.estimate_field)}")
    else:
        lines.append("# no story-point field found: allocation counts items instead of estimates")
    return [*lines, ""]


def _github_section(github: GithubFound) -> list[str]:
    lines = ["[github]", f"url = {_q(github.url)}", f"token_env = {_q(github.token_env)}"]
    if github.listed_repos or not github.org:
        lines.append(f"repos = {_list(github.repos)}")
    else:
        lines += [f"org = {_q(github.org)}",
                  f"# every repository of {github.org} is in scope ({len(github.repos)} today: "
                  f"{', '.join(github.repos[:8])}{', …' if len(github.repos) > 8 else ''});",
                  '# narrow it with include = ["web*"] / exclude = ["legacy-*"]']
    lines.append("")
    if github.board:
        board = github.board
        # Site text in a comment stays on its line: a newline would end the comment and start TOML.
        lines += [f"# the Projects v2 board \"{one_line(board.title)}\" (reading it needs a token with "
                  "project access;",
                  "# the Actions GITHUB_TOKEN cannot reach projects)",
                  "[github.project]", f"owner = {_q(board.owner)}", f"number = {board.number}",
                  f"owner_type = {_q(board.owner_type)}", ""]
    elif github.boards:
        listed = ", ".join(f"#{n} {one_line(t)}" for n, t in github.boards)
        lines += [f"# Projects boards found: {listed}. To use one, add:",
                  "# [github.project]", f"# owner = {_q(github.board_owner or '')}",
                  f"# number = {github.boards[0][0]}", ""]
    return lines


def _fields_section(discovery: Discovery) -> list[str]:
    jira, github = discovery.jira, discovery.github
    board = github.board if github else None
    lines = [
        "# Managed fields. Every policy is \"report\" for safety: roadsync only REPORTS drift and writes",
        "# nothing until you review `roadsync plan` and switch a field to policy = \"enforce\"",
        "# (or \"fill\").",
        "",
        "[fields.priority]",
        'policy = "report"',
    ]
    if jira:
        values = level_map(jira.priorities)
        lines += ["# the site's priorities in order, highest first", f"jira = {{ target = \"priority\", "
                  f"values = {_map(values)} }}"]
    if github:
        lines.append(_github_priority(board))
    lines += ["", "[fields.theme]", 'policy = "report"']
    if jira:
        lines.append('jira = { target = "label", prefix = "theme:" }')
    if github:
        lines.append('github = { target = "label", prefix = "theme/" }  # missing labels are created')
    lines += ["", *_alignment(jira, board), ""]
    return lines


def _github_priority(board: Board | None) -> str:
    options = board.fields.get("Priority") if board else None
    if options:
        values = {} if all(level in options for level in LEVELS) else level_map(options)
        mapped = f", values = {_map(values)}" if values else ""
        return f'github = {{ target = "project", field = "Priority"{mapped} }}  # the board\'s Priority field'
    return 'github = { target = "label", prefix = "priority/" }  # priority/P0..P4, created when missing'


def _alignment(jira: JiraFound | None, board: Board | None) -> list[str]:
    targets = []
    if jira and jira.fields.get("Alignment") in ("option", "string"):
        targets.append('jira = { target = "field", field = "Alignment" }')
    if board and "Alignment" in board.fields:
        targets.append('github = { target = "project", field = "Alignment" }')
    if not targets:
        return ["# alignment (aligned / inherited / unaligned / retired / paused) can be written to a field",
                "# named Alignment: create one (Jira select field or board single-select) and add",
                "# [fields.alignment] with policy and targets (see config.example.toml)"]
    return ["[fields.alignment]", 'policy = "report"', *targets]


# -- the roadmap ---------------------------------------------------------------------------------


def roadmap_text(discovery: Discovery, today: date | None = None) -> str:
    """The draft ``roadmap.toml``: themes from the most used labels, components and epics."""
    lines = [
        "# DRAFT roadmap written by `roadsync init` on "
        f"{(today or date.today()).isoformat()}: a starting point for the PM to edit.",
        f"# Themes were proposed from the most used labels, components and epics among "
        f"{discovery.sampled} open items.",
        "# Rename them, fix priorities (P0 highest .. P4) and horizons (now / next / later), merge or",
        "# delete them, and add target_share (0..1) when you know the split of effort you want.",
        "# Then: roadsync validate && roadsync roadmap",
        "",
    ]
    drafts = discovery.themes or [ThemeDraft("example", "Example theme (replace me)", "labels", "roadmap", 0)]
    for index, draft in enumerate(drafts):
        lines += _theme(draft, index, len(drafts))
    return "\n".join(lines)


def _theme(draft: ThemeDraft, index: int, total: int) -> list[str]:
    third = max(1, -(-total // 3))
    priority = ("P1", "P2", "P3")[min(index // third, 2)]
    horizon = "now" if index < max(1, total // 2) else "next"
    source = {"labels": "label", "components": "component", "epics": "epic"}[draft.kind]
    return [
        "[[themes]]",
        f"# DRAFT from {source} {_q(draft.value)} ({draft.count} open items)",
        f"id = {_q(draft.id)}",
        f"name = {_q(draft.name)}",
        f"priority = {_q(priority)}",
        f"horizon = {_q(horizon)}",
        "[[themes.match]]",
        f"{draft.kind} = {_list([draft.value])}",
        "",
    ]
