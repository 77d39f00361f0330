"""The two yosys engines side by side on the same designs, in one run: native (pyosys) and wasm
(YoWASP). Per design and engine, in a fresh process each: the wall time and the peak resident memory
of the yosys processes (and ABC's; sampled from /proc every 0.1 s), and the result, which must be
the same for both engines.

- synth: `synth_ecp5 -nowidelut` of a compiled core for the LFE5U-85F, exactly the script
  `lgc synth --device LFE5U-85F` runs (cells must agree between the engines);
- verify: `lgc verify` of a compiled random lgc.nn model (256 inputs, 4 layers, 10 classes, as
  bench/verify.py makes them).

    python -m bench.yosys_engines [--synth examples/digits.pt 128000] [--verify 64000 256000]
                                  [--engines native wasm] [--limit 3600]

A --synth/--verify entry is a model file or a gate count (a random model of that size).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

from tests.support.models import save_lgc_nn_model

DEVICE = "LFE5U-85F"


def model_for(entry, folder):
    """A model file: the entry itself, or a random lgc.nn model of `entry` gates."""
    if not entry.isdigit():
        return entry
    gates = int(entry)
    return str(save_lgc_nn_model(pathlib.Path(folder) / f"random_{gates}.pt", 256, gates // 4, 4,
                                 seed=gates))


def synth_one(build, engine):
    from lgc.build import RTL_DIR, BuildDir
    from lgc.synth import report
    from lgc.synth.devices import FAMILIES, find_device
    from lgc.synth.flow import yosys_script
    from lgc.tools import yosys

    rtl = BuildDir(build).rtl()
    family = FAMILIES[find_device(DEVICE).family]
    work = pathlib.Path(build, f"synth-{engine}")
    work.mkdir()
    script = yosys_script([f"../{RTL_DIR}/{f}" for f in rtl["files"]], rtl["top"],
                          f"{family.synth} {family.synth_opts} -top {rtl['top']}")
    seconds = yosys.Yosys(str(work), engine).run("synth", script)
    cells = report.cell_counts(report.read_json(work / "stat.json", "yosys statistics"))
    return {"seconds": seconds, "result": report.resources(cells, family)}


def verify_one(build, engine):
    from lgc.formal.verify import verify_build

    proof, _ = verify_build(build, engine=engine)
    return {"seconds": round(sum(proof.seconds.values()), 1), "result": proof.equivalent,
            "steps": {k: round(v, 1) for k, v in proof.seconds.items()}}


def child(kind, build, engine):
    """One measurement in this fresh process; prints one JSON line."""
    peak, done = [0], threading.Event()
    sampler = threading.Thread(target=_sample_children, args=(peak, done))
    sampler.start()
    start = time.perf_counter()
    try:
        out = {"synth": synth_one, "verify": verify_one}[kind](build, engine)
    finally:
        done.set()
        sampler.join()
    out["wall"] = round(time.perf_counter() - start, 1)
    out["peak_mib"] = round(peak[0] / 1024)
    print(json.dumps(out), flush=True)


def _sample_children(peak, done):
    """The largest resident set (KiB) any descendant of this process reaches. (The kernel's
    ru_maxrss of children would count this Python's own memory, copied at fork.)"""
    me = os.getpid()
    while not done.wait(0.1):
        parents = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        for pid in parents:
            ancestor = parents.get(pid)
            while ancestor and ancestor != me:
                ancestor = parents.get(ancestor)
            if ancestor == me:
                peak[0] = max(peak[0], _rss_kib(pid))


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def measure(kind, build, engine, limit):
    command = [sys.executable, "-m", __spec__.name, "--child", kind, build, engine]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {limit:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last[:160]}
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth", nargs="*", default=["examples/digits.pt", "128000"])
    parser.add_argument("--verify", nargs="*", default=["64000", "256000"])
    parser.add_argument("--engines", nargs="+", default=["native", "wasm"])
    parser.add_argument("--limit", type=float, default=3600, help="seconds per measurement")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    from lgc.compile import compile_model

    print(f"{'job':<7} {'model':<22} {'gates':>8} {'after':>7} "
          + " ".join(f"{e + ' s':>9} {e + ' MiB':>11}" for e in args.engines) + "  result")
    with tempfile.TemporaryDirectory(prefix="lgc-engines-") as tmp:
        for kind, entries in (("synth", args.synth), ("verify", args.verify)):
            for i, entry in enumerate(entries):
                model = model_for(entry, tmp)
                build = str(pathlib.Path(tmp, f"{kind}{i}"))
                report = compile_model(model, build)
                rows = {engine: measure(kind, build, engine, args.limit) for engine in args.engines}
                results = {json.dumps(r.get("result"), sort_keys=True) for r in rows.values()}
                verdict = ("same" if len(results) == 1 else "DIFFER") + ": " + \
                    "; ".join(f"{e} {r.get('result', r.get('error'))}" for e, r in rows.items())
                print(f"{kind:<7} {pathlib.Path(entry).name:<22} {report['model']['gates']:>8} "
                      f"{report['rtl']['gates']:>7} "
                      + " ".join(f"{r.get('wall', float('nan')):>9.1f} "
                                 f"{r.get('peak_mib', float('nan')):>11.0f}" for r in rows.values())
                      + f"  {verdict}", flush=True)


if __name__ == "__main__":
    main()
