"""The wheel, installed into a fresh venv outside the checkout, runs the flow with a clean
environment: no PATH entries, YOSYS or MAKEFLAGS set by hand; lgc finds its tools itself."""

import os
import shutil
import subprocess
import sys

import pytest

from lgc.build import BuildDir
from tests.support.fixtures import ROOT, fixture_path

SOURCES = ["pyproject.toml", "README.md", "lgc", "boards", "tb", "hdl_templates"]


def _run(cmd, **kwargs):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv holding only the built wheel and its dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:               # a copy: building leaves no build/ in the checkout
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, src / name)
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", tmp / "dist", src])
    wheel, = (tmp / "dist").glob("lgc-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv])
    pip = venv / "bin" / "pip"
    # the CPU build, as the Makefile does; no byte-compiling of every module installed (most of
    # the install's time): what runs compiles what it imports
    _run([pip, "install", "--quiet", "--no-compile", "torch==2.13.0"])
    _run([pip, "install", "--quiet", "--no-compile", wheel])
    return venv


def clean_env():
    """What a user's shell has before anything of lgc's: HOME and the system PATH."""
    return {"HOME": os.environ["HOME"], "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def test_installed_lgc_compiles_simulates_and_synthesizes_with_a_clean_environment(installed,
                                                                                tmp_path):
    lgc = installed / "bin" / "lgc"
    shutil.copy(fixture_path("difflogic_untrained_ties"), tmp_path / "model.pt")

    def run(*args):
        return _run([lgc, *args], cwd=tmp_path, env=clean_env())

    boards = run("boards")
    assert "ulx3s-85f" in boards.stdout and "tangnano9k" in boards.stdout
    run("compile", "model.pt", "--board", "ulx3s-85f")
    build = BuildDir(tmp_path / "build" / "model")
    assert build.report()["board"]["name"] == "ulx3s-85f"
    assert "bit-exact" in run("simulate", "build/model", "--random", 300).stdout
    run("-q", "synth", "build/model")                  # for the board it was compiled for
    assert os.path.getsize(build.file("synth", "top.bit")) > 10_000
    run("-q", "synth", "build/model", "--device", "LFE5U-85F")
    report = build.report()
    assert report["synthesis"]["ffs"] == report["rtl"]["registers"]["total"]
    run("-q", "verify", "build/model")                 # with the native yosys the wheel brought
    assert build.report()["verify"]["equivalent"]
    assert build.report()["verify"]["yosys"].startswith("pyosys 0.70 (native)")
    # the installed package, not the checkout, did the work
    where = _run([installed / "bin" / "python", "-c", "import lgc; print(lgc.__file__)"],
                 cwd=tmp_path, env=clean_env()).stdout
    assert str(installed) in where
