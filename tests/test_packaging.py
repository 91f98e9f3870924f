"""The distribution: the demos ship inside mp-lint as `mp_lint.demos` (their
sources stay in the top-level `demos/` folder), no top-level `demos`
package is installed, and `mp-lint demo` / `mp-lint run` work from a
plain install with no checkout around."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: every demo of the checkout: the installed wheel must list and run them all.
DEMOS = len(list(ROOT.glob("demos/mpl[0-9]*.py")))


def _declared() -> Dict[str, object]:
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return dict(tomllib.load(handle)["tool"]["setuptools"])


def test_every_package_folder_is_declared_and_the_demos_are_mapped() -> None:
    setuptools = _declared()
    on_disk = sorted(
        ".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "mp_lint").rglob("__init__.py")
    )
    assert sorted(setuptools["packages"]) == sorted(on_disk + ["mp_lint.demos"])  # type: ignore[call-overload]
    assert setuptools["package-dir"] == {"mp_lint.demos": "demos"}


def _clean_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["NO_COLOR"] = "1"
    return env


def test_the_editable_install_finds_the_demos_under_mp_lint(tmp_path: Path) -> None:
    # `pip install -e .` maps mp_lint.demos to the checkout's demos/ folder.
    code = "import mp_lint.demos.registry as r; print(r.__file__); print(len(r.all_demos()))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    path, count = done.stdout.split()
    assert Path(path) == ROOT / "demos" / "registry.py" and int(count) == DEMOS


def _run(command: List[str], cwd: Path, timeout: float) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(command, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_the_wheel_installed_in_a_fresh_virtualenv_runs_the_demos(tmp_path: Path) -> None:
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)], ROOT, 600)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("mp_lint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"mp_lint", wheel.name.split("-py")[0] + ".dist-info"}
    assert "mp_lint/demos/runner.py" in names and "mp_lint/demos/mpl201_lambda_to_worker.py" in names

    assert _run([sys.executable, "-m", "venv", str(venv)], tmp_path, 300).returncode == 0
    python, mp_lint = venv / "bin" / "python", venv / "bin" / "mp-lint"
    installed = _run([str(python), "-m", "pip", "install", "-q", str(wheel)], elsewhere, 900)
    assert installed.returncode == 0, installed.stderr

    assert _run([str(python), "-c", "import demos"], elsewhere, 60).returncode != 0  # no top-level `demos`
    listed = _run([str(mp_lint), "demo", "--list"], elsewhere, 120)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == DEMOS and listed.stdout.startswith("MPL101  process-start-at-import")

    one = _run([str(mp_lint), "demo", "MPL201"], elsewhere, 300)
    assert one.returncode == 0, one.stdout + one.stderr
    assert "MPL201: reproduced  |  fix works" in one.stdout
    assert "pitfall.py:5:15: MPL201 lambda sent to a worker via map() cannot be pickled" in one.stdout

    everything = _run([str(mp_lint), "demo", "--all", "--lang", "zh"], elsewhere, 900)
    assert everything.returncode == 0, everything.stdout + everything.stderr
    assert f"{DEMOS}/{DEMOS} 个问题重现，{DEMOS}/{DEMOS} 个改法有效" in everything.stdout

    (elsewhere / "homework.py").write_text("print('hello from homework')\n", encoding="utf-8")
    ran = _run([str(mp_lint), "run", "homework.py"], elsewhere, 300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "hello from homework" in ran.stdout and "no findings on homework.py" in ran.stdout
    assert sorted(p.name for p in elsewhere.iterdir()) == ["homework.py"]
