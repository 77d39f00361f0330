"""Compile time and peak memory of the passes and the RTL at 64k / 256k / 1M gates.

    python -m bench.rtl [--gates 64000 256000 1000000] [--depth 5] [--no-opt]

Each size runs in its own process (a clean peak RSS) on a random difflogic-shaped netlist
(tests/support/models.py): 784 inputs, `depth` layers, 10 classes, default RTL options. The passes
remove most of a random netlist (unread gates); --no-opt gives the RTL the whole netlist.
"""

import argparse
import pathlib
import resource
import subprocess
import sys
import tempfile
import time


def one(gates, depth, optimize):
    from lgc.passes import run_pipeline
    from lgc.rtl import Core
    from lgc.rtl.verilog import core_verilog
    from tests.support.models import random_difflogic_netlist

    netlist = random_difflogic_netlist(784, gates // depth, depth)
    times = {}
    start = time.perf_counter()
    if optimize:
        netlist, _ = run_pipeline(netlist)
    times["passes"] = time.perf_counter() - start
    start = time.perf_counter()
    core = Core(netlist)
    times["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    files = core.verilog_files()
    times["gate/popcount text"] = time.perf_counter() - start
    start = time.perf_counter()
    files.update(core_verilog(core))
    times["amaranth+yosys"] = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            pathlib.Path(tmp, name).write_text(text)
    times["write"] = time.perf_counter() - start
    regs = core.registers()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rtl = sum(v for k, v in times.items() if k != "passes")
    parts = ", ".join(f"{k} {v:.2f}" for k, v in times.items() if k != "passes")
    print(f"{gates:>9,} gates ({netlist.gate_count():,} after passes): passes "
          f"{times['passes']:.2f} s, RTL {rtl:.2f} s ({parts}"
          + f"), {sum(map(len, files.values())) / 1e6:.0f} MB of Verilog, peak RSS {peak:.0f} MB; "
          f"latency {core.latency}, {regs['total']:,} FFs ({regs['delay']:,} delay)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, nargs="+", default=[64_000, 256_000, 1_000_000])
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--no-opt", action="store_true", help="Skip the passes.")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args.one, args.depth, not args.no_opt)
    for gates in args.gates:
        subprocess.run([sys.executable, "-m", __spec__.name, "--one", str(gates),
                        "--depth", str(args.depth)] + ["--no-opt"] * args.no_opt, check=True)


if __name__ == "__main__":
    main()
