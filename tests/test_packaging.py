"""The distribution owns one import name, ``roadsync``, and installs beside packages named like its stages.

The product card keeps the stage folders (``connectors/``, ``mappings/``, ``sync/``, and the
emulators' ``sandbox/``) at the repository root; setuptools' ``package-dir`` mapping installs them
as ``roadsync.connectors`` and so on, and in a checkout ``roadsync/<stage>`` are symlinks to the same
folders. These tests build the real wheel and install it into a fresh virtual environment that
already holds unrelated distributions called ``sync``, ``connectors`` and ``mappings`` (each is
also a name on the package index), then check that both sides still import.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from tests.paths import REPO
from tests.wheel import build_wheel, lend_dependencies

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

STAGES = {"connectors": "connectors", "mappings": "mappings", "sync": "sync", "sandbox": "sandbox"}
OLD_TOP_LEVEL = set(STAGES)
SOURCE_DIRS = ("roadsync", *STAGES, "tests", "bench")


def _pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _packages_on_disk() -> set[str]:
    """Every folder with an ``__init__.py``, named as the wheel installs it."""
    found: set[str] = set()
    roots = [("roadsync", "roadsync"), *((folder, f"roadsync.{name}") for name, folder in STAGES.items())]
    for root, prefix in roots:
        base = REPO / root
        # rglob does not descend into roadsync/<stage>, the checkout's symlinks to the stage folders
        for init in base.rglob("__init__.py"):
            found.add(".".join((prefix, *init.parent.relative_to(base).parts)))
    return found


def test_the_package_list_names_every_package_folder() -> None:
    """pyproject's package list is exactly the package folders, so nothing is left out of the wheel."""
    setuptools = _pyproject()["tool"]["setuptools"]  # type: ignore[index]
    assert set(setuptools["packages"]) == _packages_on_disk()
    assert setuptools["package-dir"] == {"roadsync": "roadsync"} | {
        f"roadsync.{k}": v for k, v in STAGES.items()
    }
    for name, folder in STAGES.items():
        link = REPO / "roadsync" / name
        assert link.is_symlink() and link.resolve() == (REPO / folder).resolve()


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_code_imports_a_stage_by_its_bare_folder_name() -> None:
    """Code and tests import ``roadsync.sync``, never ``sync``: bare names belong to other distributions."""
    offenders = [
        f"{path.relative_to(REPO)}:{line}: import {module}"
        for folder in SOURCE_DIRS
        for path in (REPO / folder).rglob("*.py")
        for line, module in _imports(path)
        if module.split(".")[0] in OLD_TOP_LEVEL
    ]
    assert offenders == []


def _fake_distribution(folder: Path, name: str) -> Path:
    """A tiny distribution whose top-level package is ``name`` (like ``sync`` on the index)."""
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text(f'MARKER = "the other {name}"\n', encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "{name}"
            version = "9.9"
            [tool.setuptools]
            packages = ["{name}"]
            """
        ),
        encoding="utf-8",
    )
    return folder


def test_the_wheel_holds_only_the_roadsync_namespace(roadsync_wheel: Path) -> None:
    """Every file in the wheel is under ``roadsync/`` (or its metadata), and each stage arrived whole."""
    names = zipfile.ZipFile(roadsync_wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"roadsync"}
    for name, folder in STAGES.items():
        expected = {str(p.relative_to(REPO / folder)) for p in (REPO / folder).rglob("*.py")}
        shipped = {n.removeprefix(f"roadsync/{name}/") for n in names if n.startswith(f"roadsync/{name}/")}
        assert expected <= shipped, f"{name}: missing {sorted(expected - shipped)[:5]}"
    assert "roadsync/sandbox/github/schema.graphql" in names
    assert "roadsync/sandbox/demo_roadmap.toml" in names


def test_roadsync_installs_beside_distributions_named_sync_connectors_and_mappings(
    tmp_path: Path, roadsync_wheel: Path
) -> None:
    """A venv holding ``sync``, ``connectors`` and ``mappings`` takes roadsync; both sides still import."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    wheels = [
        build_wheel(_fake_distribution(tmp_path / name, name), tmp_path / f"{name}-wheel")
        for name in STAGES
        if name != "sandbox"
    ]
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
    ]
    subprocess.run([*pip, *map(str, wheels)], check=True, timeout=300)
    subprocess.run([*pip, str(roadsync_wheel)], check=True, timeout=300)
    # roadsync's dependencies come from this interpreter's site-packages (no downloads in tests),
    # appended after the new venv's own site-packages. Added only now: pip would otherwise find
    # this interpreter's roadsync there and skip installing the wheel under test.
    site = str(lend_dependencies(python))
    check = (
        "import sync, connectors, mappings\n"
        "assert (sync.MARKER, connectors.MARKER, mappings.MARKER) == "
        "('the other sync', 'the other connectors', 'the other mappings')\n"
        "import roadsync.sync.plan, roadsync.connectors.model, roadsync.mappings.engine\n"
        "import roadsync.sandbox.server\n"
        "import roadsync.cli\n"
        "print(roadsync.sync.plan.__file__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [str(python), "-I", "-c", check], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(site)
    version = subprocess.run(
        [str(venv / "bin" / "roadsync"), "--version"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert version.returncode == 0 and "roadsync" in version.stdout, version.stderr
    validate = subprocess.run(
        [str(venv / "bin" / "roadsync"), "validate", "--config", str(REPO / "config.example.toml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert validate.returncode == 0, validate.stderr
