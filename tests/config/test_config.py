"""Config and roadmap loading: every broken file exits 78 naming the key; overrides, paths, tokens."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from roadsync.cli import main
from roadsync.config.load import find_config_path, load_settings
from roadsync.errors import ConfigError, scrub
from roadsync.mappings.roadmap import MatchBlock, Theme
from tests.paths import REPO

JIRA = '[jira]\nurl = "https://acme.atlassian.net"\nprojects = ["PAY"]\n'
GITHUB = '[github]\nrepos = ["acme/web"]\n'


def theme(tid: str = "checkout", extra: str = "", priority: str = "P1") -> str:
    return f'[[themes]]\nid = "{tid}"\nname = "Theme {tid}"\npriority = "{priority}"\n{extra}\n'


@dataclass(frozen=True)
class Broken:
    name: str
    config: str
    key: str  # the key path the message must name
    says: str = ""  # a fragment of the fix
    roadmap: str | None = None
    line: int | None = None  # the line the message must point at
    files: tuple[tuple[str, bytes], ...] = ()  # files beside the config
    env: tuple[tuple[str, str], ...] = ()  # ROADSYNC_* overrides
    secret: str = ""  # a value that must not appear in the output, nor its length


CASES = [
    Broken("typo in a match block", theme(extra='[[themes.match]]\nlables = ["x"]'),
           "themes[0].match[0].lables", "did you mean `labels`?", line=6),
    Broken("typo at the top level", 'priority_level = ["P0"]\n', "priority_level",
           "did you mean `priority_levels`?", line=1),
    Broken("typo in jira", JIRA + 'projets = ["OPS"]\n', "jira.projets", "did you mean `projects`?", line=4),
    Broken("typo in run", '[run]\nmax_change = 5\n', "run.max_change", "did you mean `max_changes`?", line=2),
    Broken("duplicate theme ids", theme() + theme(), "themes[1].id", "duplicate theme id `checkout`", line=7),
    Broken("alias is another theme's id", theme("a") + theme("b", 'aliases = ["a"]'),
           "themes[1].aliases[0]", "is the id of themes[0]"),
    Broken("alias used twice", theme("a", 'aliases = ["old"]') + theme("b", 'aliases = ["old"]'),
           "themes[1].aliases[0]", "already an alias"),
    Broken("backreference in title", theme(extra="[[themes.match]]\ntitle = '(a)\\1'"),
           "themes[0].match[0].title", "invalid regular expression '(a)\\1'"),
    Broken("lookahead in text", theme(extra="[[themes.match]]\ntext = '(?=pay)'"),
           "themes[0].match[0].text", "no backreferences or lookaround"),
    Broken("unknown priority level", theme(priority="P7"), "themes[0].priority",
           "unknown priority level `P7`"),
    Broken("unknown level in priority values",
           '[fields.priority.jira]\ntarget = "priority"\nvalues = { P9 = "Highest" }\n',
           "fields.priority.jira.values.P9", "not a priority value"),
    Broken("unknown unaligned priority", '[fields]\nunaligned_priority = "low"\n',
           "fields.unaligned_priority", "unknown priority level"),
    Broken("target shares above 1", theme("a", "target_share = 0.7") + theme("b", "target_share = 0.5"),
           "themes", "sum to 1.20"),
    Broken("retired theme without a date", theme(extra='status = "retired"'),
           "themes[0].retire_after", "add one"),
    Broken("label target without prefix", '[fields.theme.jira]\ntarget = "label"\n',
           "fields.theme.jira.prefix", "needs a prefix"),
    Broken("field target without field", '[fields.alignment.jira]\ntarget = "field"\n',
           "fields.alignment.jira.field", "needs the field's name"),
    Broken("project target on jira", '[fields.theme.jira]\ntarget = "project"\nfield = "Theme"\n',
           "fields.theme.jira.target", "does not exist on jira"),
    Broken("priority target on github", '[fields.priority.github]\ntarget = "priority"\n',
           "fields.priority.github.target", "does not exist on github"),
    Broken("field target on github", '[fields.alignment.github]\ntarget = "field"\nfield = "A"\n',
           "fields.alignment.github.target", "does not exist on github"),
    Broken("project target without a board",
           GITHUB + '[fields.theme.github]\ntarget = "project"\nfield = "T"\n',
           "fields.theme.github.target", "needs a [github.project] board"),
    Broken("alignment value typo", '[fields.alignment.github]\ntarget = "label"\nprefix = "a/"\n'
           'values = { alined = "ok" }\n', "fields.alignment.github.values.alined", "not a alignment value"),
    Broken("plain http to a remote host", '[jira]\nurl = "http://jira.acme.com"\nprojects = ["PAY"]\n',
           "jira.url", "use https://", line=2),
    Broken("plain http graphql", GITHUB + 'graphql_url = "http://ghe.acme.com/api/graphql"\n',
           "github.graphql_url", "use https://"),
    Broken("jira without projects", '[jira]\nurl = "https://acme.atlassian.net"\n', "jira.projects",
           "required key is missing"),
    Broken("jira with an empty project list", '[jira]\nurl = "https://a.atlassian.net"\nprojects = []\n',
           "jira.projects", "at least one"),
    Broken("github without repos or org", '[github]\nstate = "open"\n', "github", "needs `repos`"),
    Broken("repo not owner/name", '[github]\nrepos = ["web"]\n', "github.repos[0]", "owner/name"),
    Broken("token in jira", JIRA + 'token = "s3cr3t-value-123"\n', "jira.token", "token_env", line=4),
    Broken("password in github", GITHUB + 'password = "hunter2-long"\n', "github.password", "token_file"),
    Broken("unknown drift kind", '[run]\nfail_on = ["unalined"]\n', "run.fail_on[0]",
           "did you mean `unaligned`?"),
    Broken("bad horizon", theme(extra='horizon = "soon"'), "themes[0].horizon", "'now', 'next' or 'later'"),
    Broken("upper-case theme id", theme("Checkout"), "themes[0].id", "should match pattern"),
    Broken("share above 1 on one theme", theme(extra="target_share = 1.5"), "themes[0].target_share",
           "less than or equal to 1"),
    Broken("theme without a name", '[[themes]]\nid = "x"\npriority = "P1"\n', "themes[0].name",
           "required key is missing"),
    Broken("policy typo", '[fields.priority]\npolicy = "enforced"\n', "fields.priority.policy",
           "'enforce', 'fill' or 'report'"),
    Broken("negative change guard", '[run]\nmax_changes = -1\n', "run.max_changes",
           "greater than or equal to 0"),
    Broken("bad jira key pattern", JIRA + "key_pattern = '[A-Z'\n", "jira.key_pattern", "missing ]"),
    Broken("TOML syntax error", 'priority_levels = ["P0"\n[run]\n', "TOML syntax error", "line"),
    Broken("roadmap file missing", 'roadmap = "roadmap.toml"\n', "roadmap", "not found"),
    Broken("typo in the roadmap file", 'roadmap = "roadmap.toml"\n', "themes[0].ownr",
           "did you mean `owner`?", roadmap=theme(extra='ownr = "li"'), line=5),
    Broken("roadmap levels override", 'roadmap = "roadmap.toml"\n', "themes[0].priority",
           "use one of now, soon", roadmap='priority_levels = ["now", "soon"]\n' + theme(priority="P1")),
    Broken("components target without values", '[fields.theme.jira]\ntarget = "components"\n',
           "fields.theme.jira.values", "needs `values` naming a component"),
    Broken("components value that is not a theme", theme() + '[fields.theme.jira]\ntarget = "components"\n'
           'values = { payouts = "Payouts" }\n', "fields.theme.jira.values.payouts", "is not a theme id"),
    Broken("components target on github", '[fields.theme.github]\ntarget = "components"\n'
           'values = { a = "A" }\n', "fields.theme.github.target", "does not exist on github"),
    Broken("themes in both files", 'roadmap = "roadmap.toml"\n' + theme("a"), "themes",
           "keep them in one place", roadmap=theme("b")),
]

GHP = "ghp_" + "Z9" * 18  # a GitHub-token-shaped canary
PEM_GARBAGE = b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"
GH_LABELS = GITHUB + '[fields.theme.github]\ntarget = "label"\nprefix = "p/"\n'

# Values that pass the schema's types and then failed every run ("unexpected error"), and their
# neighbours of the same kinds: non-finite or absurd numbers, paths that are files or are missing,
# empty lists and strings, label prefixes that collide, keys that reach JQL, tokens pasted into
# names, credentials in URLs, undecodable environment overrides.
RUN_BREAKERS = [
    Broken("overlap of inf minutes", "[run]\noverlap_minutes = inf\n", "run.overlap_minutes",
           "finite number"),
    Broken("refresh every 1e300 hours", "[run]\nfull_refresh_hours = 1e300\n", "run.full_refresh_hours",
           "less than or equal to 8784"),
    Broken("jira timeout of inf", JIRA + "timeout_s = inf\n", "jira.timeout_s", "finite number", line=4),
    Broken("github timeout of nan", GITHUB + "timeout_s = nan\n", "github.timeout_s", "finite number"),
    Broken("github timeout of a day", GITHUB + "timeout_s = 86400\n", "github.timeout_s",
           "less than or equal to 600"),
    Broken("write pacing of inf", GITHUB + "seconds_between_writes = inf\n", "github.seconds_between_writes",
           "finite number"),
    Broken("tolerance of nan", "allocation_tolerance = nan\n", "allocation_tolerance", "finite number"),
    Broken("target share of -inf", theme(extra="target_share = -inf"), "themes[0].target_share",
           "finite number"),
    Broken("board number beyond GraphQL Int",
           GITHUB + '[github.project]\nowner = "acme"\nnumber = 99999999999\n',
           "github.project.number", "less than or equal to 2147483647"),
    Broken("state_dir is a file", '[run]\nstate_dir = "state"\n', "run.state_dir", "is a file, not a folder",
           files=(("state", b"x"),), line=2),
    Broken("state_dir under a file", '[run]\nstate_dir = "state/deeper"\n', "run.state_dir",
           "is under the file", files=(("state", b"x"),)),
    Broken("ca_bundle missing", '[run]\nca_bundle = "ca.pem"\n', "run.ca_bundle", "not found"),
    Broken("ca_bundle not a certificate", '[run]\nca_bundle = "ca.pem"\n', "run.ca_bundle",
           "holds no certificate", files=(("ca.pem", PEM_GARBAGE),)),
    Broken("ca_bundle binary", '[run]\nca_bundle = "ca.pem"\n', "run.ca_bundle", "holds no certificate",
           files=(("ca.pem", bytes(range(256))),)),
    Broken("no priority levels", "priority_levels = []\n", "priority_levels", "at least one level", line=1),
    Broken("a blank priority level", 'priority_levels = ["P0", " "]\n', "priority_levels", "empty level"),
    Broken("no levels in the roadmap file", 'roadmap = "roadmap.toml"\n', "priority_levels", "at least one",
           roadmap="priority_levels = []\n"),
    Broken("empty roadmap name", 'roadmap = ""\n', "roadmap", "is empty", line=1),
    Broken("theme and priority share a label prefix",
           GH_LABELS + '[fields.priority.github]\ntarget = "label"\nprefix = "p/"\n',
           "fields.theme.github.prefix", "overlaps the label prefix"),
    Broken("one prefix inside another", '[fields.theme.jira]\ntarget = "label"\nprefix = "t"\n'
           '[fields.alignment.jira]\ntarget = "label"\nprefix = "t:"\n', "fields.alignment.jira.prefix",
           "overlaps"),
    Broken("jira label prefix with a space", '[fields.theme.jira]\ntarget = "label"\nprefix = "theme "\n',
           "fields.theme.jira.prefix", "Jira refuses labels with spaces"),
    Broken("jira label value with a space", '[fields.alignment.jira]\ntarget = "label"\nprefix = "a:"\n'
           'values = { aligned = "on track" }\n', "fields.alignment.jira.values.aligned", "spaces"),
    Broken("a value mapped to nothing", '[fields.priority.jira]\ntarget = "priority"\nvalues = { P0 = "" }\n',
           "fields.priority.jira.values.P0", "empty value"),
    Broken("project key with a quote", '[jira]\nurl = "https://a.atlassian.net"\nprojects = ["PA\\"Y"]\n',
           "jira.projects[0]", "not a Jira project key"),
    Broken("JQL in a project key", "[jira]\nurl = \"https://a.atlassian.net\"\n"
           "projects = [\"PAY' OR project = 'X\"]\n", "jira.projects[0]", "not a Jira project key"),
    Broken("project name instead of key",
           '[jira]\nurl = "https://a.atlassian.net"\nprojects = ["Payments"]\n',
           "jira.projects[0]", "write the key, not the name"),
    Broken("github token pasted as token_env", GITHUB + f'token_env = "{GHP}"\n', "github.token_env",
           "looks like a token", secret=GHP),
    Broken("atlassian token pasted as token_env", JIRA + 'token_env = "ATATT3xFfGF0q8Zr2mYpKc7"\n',
           "jira.token_env", "looks like a token", secret="ATATT3xFfGF0q8Zr2mYpKc7"),
    Broken("a DC token pasted as token_env", JIRA + 'token_env = "NjY1MzQxOTg0NzYyOkX9q2b7"\n',
           "jira.token_env", "looks like a token", secret="NjY1MzQxOTg0NzYyOkX9q2b7"),
    Broken("token_env not a variable name", JIRA + 'token_env = "MY-TOKEN"\n', "jira.token_env",
           "not the name of an environment variable"),
    Broken("empty token_env", GITHUB + 'token_env = ""\n', "github.token_env", "not the name"),
    Broken("password in the jira URL", '[jira]\nurl = "https://bot:hunter2-long@jira.acme.com"\n'
           'projects = ["PAY"]\n', "jira.url", "has credentials in it", secret="hunter2-long"),
    Broken("user in the github URL", GITHUB + 'url = "https://x-token@ghe.acme.com/api/v3"\n', "github.url",
           "has credentials", secret="x-token"),
    Broken("token in the graphql URL", GITHUB + f'graphql_url = "https://{GHP}@ghe.acme.com/api/graphql"\n',
           "github.graphql_url", "has credentials", secret=GHP),
    Broken("port that is not a number", '[jira]\nurl = "https://jira.acme.com:https"\nprojects = ["PAY"]\n',
           "jira.url", "not a valid URL"),
    Broken("undecodable JSON list in the environment", JIRA, "ROADSYNC_JIRA__PROJECTS", "not valid JSON",
           env=(("ROADSYNC_JIRA__PROJECTS", '["PAY", ' + GHP),), secret=GHP),
    Broken("a table override that is not JSON", JIRA, "ROADSYNC_GITHUB", "valid dictionary",
           env=(("ROADSYNC_GITHUB", "{repos: " + GHP),), secret=GHP),
    Broken("a token in an environment override", JIRA, "jira.token_env", "looks like a token",
           env=(("ROADSYNC_JIRA__TOKEN_ENV", GHP),), secret=GHP),
    Broken("a wrong type from the environment is not echoed", JIRA, "jira.page_size", "valid integer",
           env=(("ROADSYNC_JIRA__PAGE_SIZE", "Zq9" + GHP),), secret=GHP),
    Broken("a string where a number belongs", JIRA + 'timeout_s = "fast"\n', "jira.timeout_s",
           "valid number"),
    Broken("a string where a boolean belongs", JIRA + 'include_subtasks = "maybe"\n', "jira.include_subtasks",
           "valid boolean"),
    Broken("a number where a value string belongs",
           '[fields.priority.jira]\ntarget = "priority"\nvalues = { P0 = 1 }\n',
           "fields.priority.jira.values.P0", "valid string"),
    Broken("no writes at a time", JIRA + "write_concurrency = 0\n", "jira.write_concurrency",
           "greater than or equal to 1"),
    Broken("NUL in state_dir", '[run]\nstate_dir = "st\\u0000ate"\n', "run.state_dir", "control character"),
    Broken("NUL in ca_bundle", '[run]\nca_bundle = "ca\\u0000.pem"\n', "run.ca_bundle", "control character"),
    Broken("newline in token_file", JIRA + 'token_file = "tok\\nen"\n', "jira.token_file",
           "control character"),
    Broken("NUL in the roadmap name", 'roadmap = "road\\u0000map.toml"\n', "roadmap", "control character"),
    Broken("ca_bundle name too long", '[run]\nca_bundle = "' + "c" * 3000 + '"\n', "run.ca_bundle",
           "name too long"),
]
CASES += RUN_BREAKERS


def run_validate(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(["validate", "--config", str(path), *extra])
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_config_exits_78_naming_the_key(
    case: Broken, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each broken config or roadmap exits 78 with a line naming the key path, the line and the fix,
    and never echoes a secret it holds (nor that secret's length)."""
    config = tmp_path / "c.toml"
    config.write_text(case.config, encoding="utf-8")
    if case.roadmap is not None:
        (tmp_path / "roadmap.toml").write_text(case.roadmap, encoding="utf-8")
    for name, data in case.files:
        (tmp_path / name).write_bytes(data)
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    code, out, err = run_validate(config, capsys)
    assert code == 78, err
    assert out == "" and "Traceback" not in err and "_MappingEnvSource" not in err
    lines = [line for line in err.splitlines() if case.key in line or case.key == "TOML syntax error"]
    matching = [line for line in lines if case.key in line and case.says in line]
    assert matching, err
    if case.line is not None:
        name = "roadmap.toml" if case.roadmap is not None else "c.toml"
        assert any(f"{name}:{case.line}: " in line for line in matching), err
    for secret in ("s3cr3t-value-123", "hunter2-long", *([case.secret] if case.secret else [])):
        assert secret not in err and secret[:8] not in err, err
    if case.secret:
        assert str(len(case.secret)) not in err.replace(str(tmp_path), ""), err


def test_enough_broken_cases() -> None:
    """The table covers at least 80 distinct broken configs and roadmaps, 40 of them values that
    used to pass validate and then fail a run."""
    assert len({c.name for c in CASES}) == len(CASES) >= 80
    assert len(RUN_BREAKERS) >= 40


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Problems in different sections and files are all listed in one error, one line each."""
    (tmp_path / "roadmap.toml").write_text(theme("a", 'horizon = "soon"') + theme("a", priority="P9"))
    config = tmp_path / "c.toml"
    config.write_text('roadmap = "roadmap.toml"\n[jira]\nurl = "http://x.example"\nprojects = ["PAY"]\n'
                      '[run]\nfail_on = ["nope"]\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    keys = [p.split(": ")[1] for p in raised.value.problems]
    assert keys == ["themes[0].horizon", "themes[1].id", "themes[1].priority", "jira.url", "run.fail_on[0]"]


def test_a_few_broken_configs_through_python_m(tmp_path: Path) -> None:
    """``python -m roadsync validate`` exits 78 and names the key, in a real subprocess."""
    for text, key in ((theme(priority="P8"), "themes[0].priority"), ('[jira]\nur = "x"\n', "jira.ur")):
        config = tmp_path / "c.toml"
        config.write_text(text)
        done = subprocess.run([sys.executable, "-m", "roadsync", "validate", "--config", str(config)],
                              capture_output=True, text=True, cwd=REPO, timeout=60)
        assert done.returncode == 78, done.stderr
        assert key in done.stderr and "Traceback" not in done.stderr


def test_example_config_validates_with_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    """config.example.toml validates (exit 0) and mentions every option of the schema."""
    from pydantic import BaseModel

    from roadsync.config.model import SettingsModel
    from roadsync.config.source import _inner_model

    code, out, err = run_validate(REPO / "config.example.toml", capsys)
    assert code == 0, err
    assert out.startswith("ok: 6 themes, sources: jira (2 projects), github (3 repos)")
    text = (REPO / "config.example.toml").read_text()
    missing: list[str] = []
    todo: list[type[BaseModel]] = [SettingsModel]
    while todo:
        model = todo.pop()
        for name, info in model.model_fields.items():
            if f"{name} =" not in text and f"[{name}" not in text and f".{name}]" not in text:
                missing.append(f"{model.__name__}.{name}")
            inner = _inner_model(info.annotation)
            if inner is not None:
                todo.append(inner)
    assert missing == []


def test_example_config_has_a_realistic_roadmap() -> None:
    """The example roadmap has 5+ themes in every status and uses every match condition."""
    settings = load_settings(REPO / "config.example.toml", env={})
    themes = settings.roadmap.themes
    assert len(themes) >= 5
    assert {t.status for t in themes} == {"active", "paused", "retired"}
    assert {t.horizon for t in themes} == {"now", "next", "later"}
    used = {name for t in themes for block in t.match for name, value in vars(block).items() if value}
    assert used == set(vars(MatchBlock()).keys())


def test_environment_overrides_nested_keys(tmp_path: Path) -> None:
    """ROADSYNC_JIRA__URL and ROADSYNC_RUN__MAX_CHANGES override the file; JSON sets lists."""
    config = tmp_path / "c.toml"
    config.write_text(JIRA + "[run]\nmax_changes = 10\n")
    env = {"ROADSYNC_JIRA__URL": "https://other.atlassian.net", "ROADSYNC_RUN__MAX_CHANGES": "25",
           "ROADSYNC_JIRA__PROJECTS": '["OPS", "WEB"]', "UNRELATED": "x"}
    model = load_settings(config, env=env).model
    assert model.jira is not None
    assert (model.jira.url, model.jira.projects, model.run.max_changes) == (
        "https://other.atlassian.net", ["OPS", "WEB"], 25)


def test_environment_overrides_any_case_beside_other_roadsync_variables(tmp_path: Path) -> None:
    """An override in lower case applies (pydantic-settings reads names case-insensitively), and
    ``ROADSYNC_*`` variables that name no setting (tokens, the config path) override nothing."""
    config = tmp_path / "c.toml"
    config.write_text(JIRA + "[run]\nmax_changes = 10\n")
    others = {"ROADSYNC_SANDBOX_JIRA_TOKEN": "t", "ROADSYNC_CONFIG": str(config), "ROADSYNC_RUNS": "1"}
    assert load_settings(config, env=others).model.run.max_changes == 10
    lower = {**others, "roadsync_run__max_changes": "25"}
    assert load_settings(config, env=lower).model.run.max_changes == 25


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    """A broken override is reported with the environment variable that set it, not its value."""
    config = tmp_path / "c.toml"
    config.write_text(JIRA)
    with pytest.raises(ConfigError) as raised:
        load_settings(config, env={"ROADSYNC_RUN__MAX_CHANGES": "lots"})
    assert raised.value.exit_code == 78
    assert raised.value.problems == [  # the value itself is never echoed: it could be a token
        f"{config} (environment ROADSYNC_RUN__MAX_CHANGES): run.max_changes: Input should be a valid "
        "integer, unable to parse string as an integer"]


def test_config_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--config wins over $ROADSYNC_CONFIG, which wins over ./roadsync.toml; missing files say how to fix."""
    (tmp_path / "roadsync.toml").write_text("")
    (tmp_path / "env.toml").write_text("")
    (tmp_path / "cli.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    env = {"ROADSYNC_CONFIG": str(tmp_path / "env.toml")}
    assert find_config_path(tmp_path / "cli.toml", env) == tmp_path / "cli.toml"
    assert find_config_path(None, env) == tmp_path / "env.toml"
    assert find_config_path(None, {}) == Path("roadsync.toml")
    with pytest.raises(ConfigError) as raised:
        find_config_path(None, {"ROADSYNC_CONFIG": str(tmp_path / "gone.toml")})
    assert "gone.toml not found (from $ROADSYNC_CONFIG)" in str(raised.value)
    assert "roadsync init" in str(raised.value) and "config.example.toml" in str(raised.value)


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """state_dir, the roadmap file and token_file resolve beside the config, whatever the cwd."""
    folder = tmp_path / "conf"
    (folder / "secrets").mkdir(parents=True)
    (folder / "secrets" / "gh").write_text("ghp_filetoken_123\n")
    (folder / "roadmap.toml").write_text(theme("a"))
    (folder / "c.toml").write_text('roadmap = "roadmap.toml"\n[run]\nstate_dir = "state"\n'
                                   '[github]\nrepos = ["acme/web"]\ntoken_file = "secrets/gh"\n')
    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("conf/c.toml"), env={})
    assert settings.state_dir == (folder / "state").resolve()
    assert settings.roadmap_path == Path("conf/roadmap.toml")
    assert [t.id for t in settings.roadmap.themes] == ["a"]
    assert settings.github_token() == "ghp_filetoken_123"


def test_roadmap_file_builds_the_roadmap(tmp_path: Path) -> None:
    """Themes from roadmap.toml become Theme/MatchBlock values in file order; its levels win."""
    (tmp_path / "roadmap.toml").write_text(
        'priority_levels = ["high", "low"]\nallocation_tolerance = 0.2\n'
        + theme("b", '[[themes.match]]\nlabels = ["x"]\ntitle = "pay"', priority="low")
        + theme("a", 'aliases = ["old-a"]\nretire_after = 2030-01-01', priority="high"))
    config = tmp_path / "c.toml"
    config.write_text('roadmap = "roadmap.toml"\npriority_levels = ["P0"]\n')
    roadmap = load_settings(config, env={}).roadmap
    assert roadmap.levels == ("high", "low") and roadmap.allocation_tolerance == 0.2
    assert roadmap.themes == (
        Theme(id="b", name="Theme b", priority="low", order=0,
              match=(MatchBlock(labels=("x",), title="pay"),)),
        Theme(id="a", name="Theme a", priority="high", order=1,
              aliases=("old-a",), retire_after=date(2030, 1, 1)),
    )
    assert roadmap.resolve("old-a") == roadmap.themes[1]


def test_token_from_environment_is_scrubbed(tmp_path: Path) -> None:
    """A token read from the named variable is returned and from then on scrubbed from messages."""
    config = tmp_path / "c.toml"
    config.write_text(JIRA + 'token_env = "ACME_JIRA"\n')
    settings = load_settings(config, env={"ACME_JIRA": "jira-secret-9876"})
    assert settings.jira_token() == "jira-secret-9876"
    assert scrub("sent jira-secret-9876") == "sent ***"


def test_missing_token_names_the_variable(tmp_path: Path) -> None:
    """Without the token, the error (exit 78) names the variable and both ways to provide it."""
    config = tmp_path / "c.toml"
    config.write_text(JIRA + GITHUB)
    settings = load_settings(config, env={})
    with pytest.raises(ConfigError) as raised:
        settings.github_token()
    assert raised.value.exit_code == 78
    assert "environment variable GITHUB_TOKEN is not set" in str(raised.value)
    assert "export GITHUB_TOKEN=" in str(raised.value) and "github.token_file" in str(raised.value)
    with pytest.raises(ConfigError, match="JIRA_API_TOKEN"):
        settings.jira_token()


def test_missing_token_file_is_a_config_error(tmp_path: Path) -> None:
    """A token_file that does not exist is reported with its resolved path."""
    config = tmp_path / "c.toml"
    config.write_text(JIRA + 'token_file = "nope.txt"\n')
    with pytest.raises(ConfigError, match=r"nope\.txt cannot be read"):
        load_settings(config, env={}).jira_token()


def test_past_retire_after_is_a_warning_not_an_error(tmp_path: Path) -> None:
    """An active theme past its retire_after date loads, with a warning naming the key."""
    config = tmp_path / "c.toml"
    config.write_text(GITHUB + theme("a", "retire_after = 2024-01-31"))
    assert load_settings(config, env={}, today=date(2024, 1, 31)).warnings == ()
    warnings = load_settings(config, env={}, today=date(2024, 2, 1)).warnings
    assert len(warnings) == 1 and "themes[0].retire_after" in warnings[0] and "has passed" in warnings[0]


def test_loopback_http_is_allowed_and_insecure_http_can_be_opted_into(tmp_path: Path) -> None:
    """http:// is fine for loopback hosts, and for others only with run.allow_insecure_http."""
    config = tmp_path / "c.toml"
    config.write_text('[jira]\nurl = "http://127.0.0.1:8080"\nprojects = ["PAY"]\n'
                      '[github]\nrepos = ["a/b"]\nurl = "http://localhost:9000"\n')
    assert load_settings(config, env={}).model.jira is not None
    config.write_text('[jira]\nurl = "http://jira.lan"\nprojects = ["PAY"]\n'
                      '[run]\nallow_insecure_http = true\n')
    assert load_settings(config, env={}).model.run.allow_insecure_http


def test_a_byte_order_mark_is_not_a_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A config and a roadmap saved with a UTF-8 byte-order mark (as Windows editors do) validate."""
    config = tmp_path / "c.toml"
    config.write_bytes(b"\xef\xbb\xbf" + b'roadmap = "roadmap.toml"\n' + GITHUB.encode())
    (tmp_path / "roadmap.toml").write_bytes(b"\xef\xbb\xbf" + theme("a").encode())
    code, out, err = run_validate(config, capsys)
    assert code == 0, err
    assert out.startswith("ok: 1 theme")


@dataclass(frozen=True)
class Misleading:
    name: str
    make: str  # what to build at c.toml (or at roadmap.toml, for roadmap cases)
    says: str
    not_says: str = "not found"
    code: int = 78


MISLEADING = [
    Misleading("config is a symlink loop", "loop", "symbolic link that loops"),
    Misleading("config is a folder", "folder", "is a directory", code=64),  # click checks --config
    Misleading("config is under a file", "under-file", "is under a file"),
    Misleading("roadmap is a symlink loop", "roadmap-loop", "symbolic link that loops"),
    Misleading("roadmap is a folder", "roadmap-folder", "is a folder, not a file"),
    Misleading("config is not UTF-8", "latin-1", "is not UTF-8 text", not_says="syntax error"),
]


@pytest.mark.parametrize("case", MISLEADING, ids=[c.name for c in MISLEADING])
def test_unreadable_files_say_why(
    case: Misleading, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A config or roadmap that cannot be read says what is wrong with it, not "not found"."""
    config = tmp_path / "c.toml"
    roadmap = tmp_path / "roadmap.toml"
    if case.make.startswith("roadmap"):
        config.write_text('roadmap = "roadmap.toml"\n')
    if case.make in ("loop", "roadmap-loop"):
        target = config if case.make == "loop" else roadmap
        target.symlink_to(target.name)
    elif case.make in ("folder", "roadmap-folder"):
        (config if case.make == "folder" else roadmap).mkdir()
    elif case.make == "under-file":
        (tmp_path / "file").write_text("x")
        config = tmp_path / "file" / "c.toml"
    elif case.make == "latin-1":
        config.write_bytes('[[themes]]\nid = "caf\xe9"\n'.encode("latin-1"))
    code, out, err = run_validate(config, capsys)
    assert code == case.code and out == "", err
    assert case.says in err and case.not_says not in err and "Traceback" not in err, err


def test_a_bad_retire_after_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A retired theme whose retire_after is not a date gets one problem, not a second one saying
    the date is missing."""
    config = tmp_path / "c.toml"
    config.write_text(theme(extra='status = "retired"\nretire_after = 2025-13-01'))
    code, _, err = run_validate(config, capsys)
    assert code == 78
    config.write_text(theme(extra='status = "retired"\nretire_after = "last june"'))
    code, _, err = run_validate(config, capsys)
    assert code == 78
    problems = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(problems) == 1 and "themes[0].retire_after" in problems[0], err
    assert "add one" not in err
