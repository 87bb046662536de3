"""The GitHub Action installs exactly what its lock file pins, each file checked by its hash.

``requirements/action.txt`` is compiled by uv (the command is in its header, with the uv version
and an ``--exclude-newer`` date, so the same command gives the same file); action.yml installs it
with ``--require-hashes`` and wheels only, then roadsync itself offline without build isolation.
These tests keep the lock honest against pyproject.toml: every requirement pinned and hashed,
every dependency of roadsync (and its build backend) present at a version its specifier allows.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "action.txt"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)\s*(?:;\s*(?P<marker>.+))?$")


def _entries() -> list[tuple[str, str, str | None, list[str]]]:
    """(name, version, marker, hashes) for each requirement of the lock file."""
    text = re.sub(r"\\\n\s*", " ", LOCK.read_text(encoding="utf-8"))
    entries = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        spec, *options = re.split(r"\s+(?=--)", line)
        found = PIN.match(spec.strip())
        assert found, f"not pinned with ==: {line}"
        hashes = [o.split(":", 1)[1] for o in options if o.startswith("--hash=sha256:")]
        assert len(options) == len(hashes), f"unexpected options: {line}"
        entries.append((found["name"], found["version"], found["marker"], hashes))
    return entries


def test_every_requirement_is_pinned_with_hashes() -> None:
    """Each line of the lock pins one version (==) and carries at least one sha256 hash."""
    entries = _entries()
    assert len(entries) >= 20
    for name, _, _, hashes in entries:
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name


def _pinned(environment: dict[str, str]) -> dict[str, str]:
    pinned = {}
    for name, version, marker, _ in _entries():
        if marker is None or Marker(marker).evaluate(environment):
            pinned[canonicalize_name(name)] = version
    return pinned


def test_the_lock_satisfies_pyproject_on_every_supported_python() -> None:
    """For Python 3.10 to 3.13, every dependency of roadsync and its build backend is pinned at a
    version its specifier in pyproject.toml allows."""
    wanted = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    wanted += [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    for minor in (10, 11, 12, 13):
        environment = {"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0",
                       "platform_python_implementation": "CPython", "sys_platform": "linux",
                       "platform_system": "Linux", "implementation_name": "cpython", "os_name": "posix"}
        pinned = _pinned(environment)
        for requirement in wanted:
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            name = canonicalize_name(requirement.name)
            assert name in pinned, f"{name} is missing from the lock for Python 3.{minor}"
            assert requirement.specifier.contains(pinned[name], prereleases=True), (
                f"{name}=={pinned[name]} does not satisfy {requirement} (Python 3.{minor}): recompile "
                "with the command in requirements/action.txt")


def test_the_lock_says_how_it_was_made() -> None:
    """The header names the tool, its version and a cut-off date, so the file can be remade."""
    header = LOCK.read_text(encoding="utf-8").splitlines()[:3]
    command = next(line for line in header if "pip compile" in line)
    for part in ("uv@", "--generate-hashes", "--universal", "--exclude-newer", "pyproject.toml",
                 "requirements/action.in"):
        assert part in command, part


def test_the_action_installs_the_lock_and_nothing_unpinned() -> None:
    """action.yml installs the lock with --require-hashes, wheels only, then roadsync from its own
    checkout with no index, no dependencies and no build isolation."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    install = next(step for step in action["runs"]["steps"] if step.get("id") == "install")["run"]
    lines = [line.strip() for line in install.splitlines()]
    installs = [line for line in lines if line.startswith('"${pip[@]}"')]
    assert len(installs) == 2, install
    locked, own = installs
    for option in ("--require-hashes", "--only-binary ':all:'", "--no-deps", "requirements/action.txt"):
        assert option in locked, option
    for option in ("--no-index", "--no-deps", "--no-build-isolation", '"$GITHUB_ACTION_PATH"'):
        assert option in own, option
    others = [line for line in lines if "pip install" in line and line not in installs]
    assert [line.split(" -m pip install")[0] for line in others] == ['pip=("$venv/bin/python"'], others
