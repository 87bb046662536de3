"""Load and validate the config and roadmap into :class:`Settings`; find tokens when asked.

Where the config comes from: ``--config PATH``, else ``$ROADSYNC_CONFIG``, else
``./roadsync.toml``. The TOML is read, ``ROADSYNC_``-prefixed environment variables override
it (nested keys with ``__``: ``ROADSYNC_JIRA__URL``, ``ROADSYNC_RUN__MAX_CHANGES``), and
everything is checked at once (:mod:`roadsync.config.checks`): any problem raises one
:class:`~roadsync.errors.ConfigError` (exit 78) listing every problem, one line each.

Relative paths in the config (``roadmap``, ``run.state_dir``, ``token_file``) resolve against
the config file's folder. Loading never needs a token: ``Settings.jira_token()`` and
``Settings.github_token()`` read them when a verb talks to a tracker.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from roadsync.config.checks import Loc, Source, check
from roadsync.config.local import CREATE_HINT, config_file_problem, local_problems, path_problem
from roadsync.config.model import AppCredentials, GithubAppConfig, MatchModel, SettingsModel, ThemeModel
from roadsync.config.secrets import read_token_file, token_value_problem
from roadsync.errors import ConfigError, register_secret
from roadsync.mappings.roadmap import MatchBlock, Roadmap, Theme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "ENV_PREFIX",
    "Settings",
    "find_config_path",
    "load_roadmap",
    "load_settings",
    "to_roadmap",
]

CONFIG_ENV = "ROADSYNC_CONFIG"
_PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.+-----END [A-Z ]*PRIVATE KEY-----", re.S)
ENV_PREFIX = "ROADSYNC_"
DEFAULT_CONFIG = Path("roadsync.toml")

@dataclass(frozen=True)
class Settings:
    """A validated config: the schema object, the roadmap, resolved paths, and warnings."""

    path: Path
    model: SettingsModel
    roadmap: Roadmap
    state_dir: Path
    warnings: tuple[str, ...] = ()
    roadmap_path: Path | None = None
    env: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def folder(self) -> Path:
        """The config file's folder: relative paths resolve against it."""
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        """A path from the config, resolved against the config file's folder."""
        return (self.folder / Path(relative).expanduser()).resolve()

    def tls_verify(self) -> bool | str:
        """What HTTPS clients verify against: the configured CA bundle (corporate proxies) or the
        default trust store. Verification is never turned off."""
        bundle = self.model.run.ca_bundle
        return str(self.resolve(bundle)) if bundle else True

    def check_tokens(self) -> None:
        """Read the token of every configured tracker before anything talks to one; raises one
        :class:`ConfigError` (exit 78) listing every token that is missing or unusable, each
        naming its variable or file, so a first run is not fixed one token at a time. GitHub
        reads what it authenticates with: the App's private key with ``[github.app]``, else a token."""
        readers: dict[str, Callable[[], object]] = {
            "jira": self.jira_token, "github": self.github_credentials,
        }  # fmt: skip
        problems = []
        for section, read in readers.items():
            if getattr(self.model, section) is None:
                continue
            try:
                read()
            except ConfigError as exc:
                problems.append(exc.one_line())
        if problems:
            count = f"{len(problems)} token{'s' if len(problems) > 1 else ''}"
            raise ConfigError(f"{self.path}: {count} missing or unusable", problems=problems,
                              hint="set each one below, then run again")

    def jira_token(self) -> str:
        """The Jira token from ``jira.token_file`` or the variable named by ``jira.token_env``."""
        jira = self.model.jira
        if jira is None:
            raise ConfigError(f"{self.path}: no [jira] section", hint="add one (see config.example.toml)")
        what = "a Jira API token or personal access token"
        return self._token("jira", jira.token_env, jira.token_file, what)

    def github_token(self) -> str:
        """The GitHub token from ``github.token_file`` or the variable named by ``github.token_env``."""
        github = self.model.github
        if github is None:
            raise ConfigError(f"{self.path}: no [github] section", hint="add one (see config.example.toml)")
        return self._token("github", github.token_env, github.token_file, "a GitHub token")

    def github_credentials(self) -> str | AppCredentials:
        """What roadsync authenticates to GitHub with: the App installation of ``[github.app]``
        (its private key from ``private_key_file`` or ``$private_key_env``), else the token."""
        github = self.model.github
        if github is None or github.app is None:
            return self.github_token()
        app = github.app
        return AppCredentials(str(app.app_id), self._private_key(app), app.installation_id)

    def _private_key(self, app: GithubAppConfig) -> str:
        """The App's PEM key, whole (a token file's first-line rule would cut it). A key pasted into a
        variable with literal ``\\n`` (as CI secrets often are) is unfolded."""
        fix = "put the App's private key there, from -----BEGIN to -----END (GitHub gives it as a .pem)"
        if app.private_key_file:
            path = self.resolve(app.private_key_file)
            where = f"github.app.private_key_file {path}"
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or "not a text file"
                raise ConfigError(f"{where} cannot be read ({reason})", hint=fix) from None
        else:
            environ = os.environ if self.env is None else self.env
            where = f"environment variable {app.private_key_env}"
            text = environ.get(app.private_key_env, "")
            if not text.strip():
                raise ConfigError(f"github.app private key missing: {where} is not set",
                                  hint=f"export {app.private_key_env}=\"$(cat app.pem)\", or name the "
                                  "file in github.app.private_key_file")
        key = text.strip()
        if "\n" not in key and "\\n" in key:
            key = key.replace("\\n", "\n")
        if not _PEM_KEY.search(key):
            raise ConfigError(f"{where} holds no PEM private key", hint=fix)
        register_secret(key)
        return key

    def _token(self, section: str, token_env: str, token_file: str | None, what: str) -> str:
        secret = self._read_token(section, token_env, token_file, what)
        value = secret.get_secret_value()
        register_secret(value)
        return value

    def _read_token(self, section: str, token_env: str, token_file: str | None, what: str) -> SecretStr:
        if token_file:
            path = self.resolve(token_file)
            return SecretStr(read_token_file(path, f"{section}.token_file", what, token_env))
        environ = os.environ if self.env is None else self.env
        value = environ.get(token_env, "").strip()
        if not value:
            raise ConfigError(f"{section} token missing: environment variable {token_env} is not set",
                              hint=f"export {token_env}=<{what}>, or name a file that holds it in "
                              f"{section}.token_file (the variable's name is {section}.token_env)")
        problem = token_value_problem(value)
        if problem:
            raise ConfigError(f"{section} token: environment variable {token_env} {problem}",
                              hint=f"set {token_env} to {what} and nothing else")
        return SecretStr(value)


def find_config_path(cli_path: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """``--config PATH``, else ``$ROADSYNC_CONFIG``, else ``./roadsync.toml``; it must exist."""
    environ = os.environ if env is None else env
    if cli_path is not None:
        path, origin = Path(cli_path), "--config"
    elif environ.get(CONFIG_ENV):
        path, origin = Path(environ[CONFIG_ENV]), f"${CONFIG_ENV}"
    else:
        path, origin = DEFAULT_CONFIG, "the default"
    problem = config_file_problem(path, origin)
    if problem is not None:
        raise problem
    return path


NO_THEMES = ("the roadmap has no themes, so every item would map to none; add a [[themes]] table "
             "(id, name, priority) with a [[themes.match]] block (see config.example.toml)")  # fmt: skip


def load_settings(path: Path, *, env: Mapping[str, str] | None = None, today: date | None = None,
                  require_themes: bool = False) -> Settings:  # fmt: skip
    """Read, override from the environment, check everything, and build :class:`Settings`.

    ``env`` defaults to ``os.environ`` and ``today`` to the current date (for the warning
    about active themes past their ``retire_after``). Raises ConfigError with every problem.
    ``require_themes`` (``validate``) counts a roadmap without themes among the problems: it maps
    nothing, though ``pull`` and the other verbs that need no roadmap still run with it.
    """
    path = Path(path)
    environ = dict(os.environ if env is None else env)
    config = _read_source(path, "config")
    overrides, env_vars = _env_overrides(environ, config)
    config.data = _deep_merge(config.data, overrides)
    config.env_vars = env_vars
    roadmap, roadmap_problem = _roadmap_source(config)
    checked = check(config, roadmap, today or date.today())
    # "no themes" goes with whichever list is reported, so validate shows every problem at once
    themeless = []
    if require_themes and checked.theme_file is not None:
        themeless.append(f"{checked.theme_file}: themes: {NO_THEMES}")
    problems = ([roadmap_problem] if roadmap_problem else []) + checked.problems
    if problems:
        raise _problems(path, "in the configuration", problems + themeless)
    model = SettingsModel.model_validate(checked.data)
    problems = local_problems(config, model.run.state_dir, model.run.ca_bundle)
    if problems or themeless:
        where = "in the configuration" if themeless else "with local paths"
        raise _problems(path, where, problems + themeless)
    folder = path.parent
    return Settings(
        path=path,
        model=model,
        roadmap=to_roadmap(model),
        state_dir=(folder / Path(model.run.state_dir).expanduser()).resolve(),
        warnings=tuple(checked.warnings),
        roadmap_path=roadmap.path if roadmap is not None else None,
        env=environ,
    )


def load_roadmap(settings: Settings) -> Roadmap:
    """The roadmap of validated settings (themes inline or from the separate roadmap file)."""
    return settings.roadmap


def _problems(path: Path, where: str, problems: list[str]) -> ConfigError:
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    return ConfigError(f"{path}: {count} {where}", problems=problems,
                       hint="fix each line below, then run 'roadsync validate' again")


def to_roadmap(model: SettingsModel) -> Roadmap:
    """Plain frozen dataclasses from the validated schema; ``order`` is the file position."""
    return Roadmap(
        themes=tuple(_to_theme(theme, order) for order, theme in enumerate(model.themes)),
        levels=tuple(model.priority_levels),
        allocation_tolerance=model.allocation_tolerance,
    )


def _to_theme(theme: ThemeModel, order: int) -> Theme:
    return Theme(
        id=theme.id,
        name=theme.name,
        priority=theme.priority,
        horizon=theme.horizon,
        status=theme.status,
        target_share=theme.target_share,
        owner=theme.owner,
        aliases=tuple(theme.aliases),
        retire_after=theme.retire_after,
        match=tuple(_to_block(block) for block in theme.match),
        order=order,
    )


def _to_block(block: MatchModel) -> MatchBlock:
    return MatchBlock(
        labels=tuple(block.labels),
        components=tuple(block.components),
        epics=tuple(block.epics),
        parents=tuple(block.parents),
        repos=tuple(block.repos),
        projects=tuple(block.projects),
        issue_types=tuple(block.issue_types),
        title=block.title,
        text=block.text,
        keys=tuple(block.keys),
        status=tuple(block.status),
    )


# --- reading files and the environment -------------------------------------------------

_LINE_RE = re.compile(r"at line (\d+)")


def _parse(path: Path, what: str) -> tuple[Source | None, str | None]:
    """The parsed file, or one problem line saying why it cannot be read."""
    problem = path_problem(path)
    if problem is not None:
        return None, f"{path}: {what} file {problem}"
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is not a TOML syntax error.
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return None, f"{path}: {what} file cannot be read ({exc.strerror}); check its permissions"
    except UnicodeDecodeError as exc:
        return None, (f"{path}: {what} file is not UTF-8 text (byte {exc.start + 1} cannot be read); "
                      "save it as UTF-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _LINE_RE.search(str(exc))
        where = f"{path}:{found.group(1)}" if found else str(path)
        return None, f"{where}: TOML syntax error: {exc}; fix the syntax (strings need quotes, tables [name])"
    except RecursionError:  # tomllib parses nested arrays/tables recursively
        return None, f"{path}: {what} file nests arrays or tables too deeply to read; flatten it"
    return Source(path=path, text=text, data=data), None


def _read_source(path: Path, what: str) -> Source:
    source, problem = _parse(path, what)
    if source is None:
        hint = CREATE_HINT if path_problem(path) == "not found" else "fix the line below"
        raise ConfigError(f"{path}: the {what} cannot be loaded", problems=[problem or ""], hint=hint)
    return source


def _roadmap_source(config: Source) -> tuple[Source | None, str | None]:
    name = config.data.get("roadmap")
    if not isinstance(name, str) or not name:
        return None, None  # absent, or a wrong type that the schema check reports
    path = config.path.parent / Path(name).expanduser()
    source, problem = _parse(path, "roadmap")
    if source is None and path_problem(path) == "not found":
        problem = config.problem(("roadmap",), f"roadmap file {path} not found; create it or fix the path "
                                 "(relative paths resolve against the config file's folder)")
    return source, problem


def _env_overrides(environ: Mapping[str, str], config: Source) -> tuple[dict[str, Any], dict[Loc, str]]:
    """The ``ROADSYNC_*`` overrides as nested data, and which variable set each key."""
    try:
        overrides = _read_overrides(environ)
    except Exception:  # pydantic-settings raises SettingsError on undecodable JSON values
        names = _undecodable(environ)
        raise ConfigError(
            f"{config.path}: {len(names) or 'an'} environment override{'s' if len(names) > 1 else ''} "
            "cannot be read",
            problems=[f"environment variable {name}: not valid JSON" for name in names],
            hint="ROADSYNC_* values for lists and tables must be JSON, "
            "e.g. ROADSYNC_JIRA__PROJECTS='[\"PAY\"]'",
        ) from None
    return overrides, dict(_env_names(overrides, ()))


def _undecodable(environ: Mapping[str, str]) -> list[str]:
    """The ``ROADSYNC_*`` variables that pydantic-settings cannot decode, tried one at a time
    (its own error names only the top-level field and its source class, and may show the value)."""
    found = []
    for name in sorted(environ):
        if not name.upper().startswith(ENV_PREFIX) or name.upper() == CONFIG_ENV:
            continue
        try:
            _read_overrides({name: environ[name]})
        except Exception:
            found.append(name)
    return found


def could_override(name: str) -> bool:
    """Whether pydantic-settings would read environment variable ``name`` for a setting: the
    prefix and a top-level field, alone or followed by the nested delimiter ``__`` (any case)."""
    lowered = name.lower()
    return any(lowered == field or lowered.startswith(f"{field}__") for field in _ENV_FIELDS)


_ENV_FIELDS = tuple(ENV_PREFIX.lower() + name for name in SettingsModel.model_fields)


def _read_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The overrides ``environ`` sets; without a variable that could set one, nothing, and
    pydantic-settings is not imported (:mod:`roadsync.config.environment`)."""
    if not any(could_override(name) for name in environ):
        return {}
    from roadsync.config.environment import read_overrides

    return read_overrides(environ, ENV_PREFIX)


def _env_names(node: Any, loc: Loc) -> list[tuple[Loc, str]]:
    if isinstance(node, dict) and node:
        return [pair for key, value in node.items() for pair in _env_names(value, (*loc, key))]
    return [(loc, ENV_PREFIX + "__".join(str(part) for part in loc).upper())]


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
