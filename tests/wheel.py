"""Build roadsync's wheel and install it into a fresh virtual environment, offline.

Tests never download: the wheel is built without build isolation from this interpreter's
setuptools, installed with ``--no-index --no-deps``, and roadsync's dependencies come from this
interpreter's site-packages through a ``.pth`` file added after the install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.paths import REPO

__all__ = ["build_roadsync_wheel", "build_wheel", "lend_dependencies"]

_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "node_modules", "__pycache__", "artifacts"
)


def build_wheel(source: Path, out: Path) -> Path:
    """The wheel of the project in ``source``, written into ``out``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return next(out.glob("*.whl"))


def build_roadsync_wheel(scratch: Path) -> Path:
    """roadsync's wheel, built from a copy of the source: setuptools packs whatever a stale
    ``build/`` folder of an earlier install holds, so building in the checkout could pass for the
    wrong reason."""
    source = scratch / "source" / "roadsync"
    shutil.copytree(REPO, source, symlinks=True, ignore=_NOT_SOURCE)
    return build_wheel(source, scratch / "wheel")


def lend_dependencies(venv_python: Path) -> Path:
    """Let the venv of ``venv_python`` import this interpreter's packages (roadsync's
    dependencies), after its own. Call it after installing: pip would otherwise find this
    interpreter's roadsync and skip installing the wheel under test. Returns the venv's site-packages."""
    site = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return Path(site)
