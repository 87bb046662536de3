"""Where tokens meet the config: names that must not be tokens, URLs that must not carry
credentials, and token values read from files and variables.

The rule for every message here: it may name a key, a variable or a file, never show a value
that could be a secret, nor its length.

Token formats recognised by prefix: GitHub's ``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``
and ``github_pat_`` (https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
and https://github.blog/2022-10-18-introducing-fine-grained-personal-access-tokens-for-github/);
Atlassian API tokens ``ATATT`` (https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/
shows tokens of that form). Other random-looking strings (mixed case with digits, 20+ characters)
count too: Jira Data Center personal access tokens are base64 text without a prefix.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from roadsync.errors import ConfigError

__all__ = [
    "ENV_NAME",
    "looks_like_token",
    "read_token_file",
    "shown_url",
    "token_env_problem",
    "token_value_problem",
    "url_credentials_problem",
]

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "ATATT", "ATCTT", "glpat-")
# A header value: visible ASCII only (RFC 9110 field-value without spaces, which no token has).
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")


def looks_like_token(value: object) -> bool:
    """True when ``value`` reads like a credential: a known token prefix, a character no name
    has, or a long random-looking mix of upper case, lower case and digits."""
    if not isinstance(value, str) or len(value) < 8:
        return False
    if value.startswith(_PREFIXES):
        return True
    mixed = any(c.islower() for c in value) and any(c.isupper() for c in value)
    return len(value) >= 20 and mixed and any(c.isdigit() for c in value) and "_" not in value


def token_env_problem(value: str) -> str | None:
    """Why ``value`` cannot be the name of the variable that holds a token, or None."""
    if looks_like_token(value):
        return ("holds something that looks like a token, not the name of an environment variable; "
                "remove it from the file now (and revoke it if the file was shared), then name the "
                'variable that holds the token, e.g. token_env = "JIRA_API_TOKEN"')
    if not ENV_NAME.fullmatch(value):
        return ("is not the name of an environment variable (letters, digits and _; not starting with "
                'a digit); write the variable\'s name, e.g. token_env = "GITHUB_TOKEN"')
    return None


def shown_url(url: str) -> str:
    """``url`` as messages may show it: any user name or password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def url_credentials_problem(url: str) -> str | None:
    """A problem when ``url`` carries a user name or password (``https://bot:PW@jira...``)."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    if "@" not in netloc:
        return None
    return (f"`{shown_url(url)}` has credentials in it; remove them from the URL (they would end up in "
            "links, reports and the state file) and give the token through token_env or token_file")


def token_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as a token (it never shows the value), or None."""
    if not value:
        return "is empty"
    if not _TOKEN_CHARS.fullmatch(value):
        return ("holds characters no token has (spaces, control characters or non-ASCII); "
                "put the token alone on one line")
    return None


def read_token_file(path: Path, key: str, what: str, token_env: str) -> str:
    """The token in ``path``: its first line, surrounding whitespace stripped (later lines, such
    as a comment, are ignored). Raises ConfigError naming ``key`` and the file, never its content."""
    fix = f"put {what} alone on the first line of that file, or remove {key} and set ${token_env}"
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigError(f"{key} {path} is a folder, not a file", hint=fix) from None
    except OSError as exc:
        raise ConfigError(f"{key} {path} cannot be read ({exc.strerror})", hint=fix) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{key} {path} is not a text file (it holds binary data)", hint=fix) from None
    if "\x00" in text:
        raise ConfigError(f"{key} {path} is not a text file (it holds NUL bytes)", hint=fix)
    first = text.splitlines()[0].strip() if text.strip() else ""
    if not first:
        where = "is empty" if not text.strip() else "has an empty first line"
        raise ConfigError(f"{key} {path} {where}", hint=fix)
    problem = token_value_problem(first)
    if problem:
        raise ConfigError(f"the first line of {key} {path} {problem}", hint=fix)
    return first
