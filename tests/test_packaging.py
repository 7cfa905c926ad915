"""A non-editable install works away from the source tree: prompts, strings, the sample catalog, keyword
resources and migrations are package data, not files next to a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


UV = Path(sys.executable).parent / "uv"  # `make install` puts uv in the virtualenv (pip is its fallback)


def _build_and_install(wheels: Path, site: Path) -> list[subprocess.CompletedProcess[str]]:
    """Build the project's wheel with its own build backend (pyproject.toml's `[build-system]`, in an isolated
    build environment) and install it into `site`: with uv when `make install` used it (~3 s, build
    environment cached), else with pip (~8 s)."""
    if UV.exists():
        build = [str(UV), "build", "--wheel", "--quiet", "-o", str(wheels), str(REPO)]
        install = [str(UV), "pip", "install", "--no-deps", "--quiet", "--python", sys.executable, "--target"]
    else:
        build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(REPO)]
        install = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target"]
    built = subprocess.run(build, capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        return [built]
    (wheel,) = wheels.glob("xiaoer-*.whl")
    installed = subprocess.run([*install, str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    return [built, installed]


@pytest.mark.slow
def test_wheel_install_answers_from_another_directory(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    site = tmp_path / "site"
    for step in _build_and_install(wheels, site):
        assert step.returncode == 0, step.stderr
    assert len(list(wheels.glob("xiaoer-*.whl"))) == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed copy comes first on the path; the dependencies come from this environment.
    env = {**os.environ, "PYTHONPATH": str(site), "XIAOER_DATA_DIR": str(tmp_path / "data")}

    def xiaoer(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys, bot; from bot.cli.main import main; print(bot.__file__, file=sys.stderr); main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            cwd=elsewhere,
            env=env,
            timeout=300,
        )

    ingested = xiaoer("ingest", "--sample", "--quiet")
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stderr.splitlines()[0].startswith(str(site)), "the wheel's copy must be the one running"
    answer = xiaoer("ask", "运费怎么算？")
    assert answer.returncode == 0, answer.stderr
    assert "99" in answer.stdout  # the shipping policy's free-shipping threshold, from the bundled policies
