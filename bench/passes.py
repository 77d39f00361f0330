"""Pass-pipeline time and peak memory on random difflogic-shaped netlists (64k, 256k, 1M gates).

    python -m bench.passes [--gates 64000 256000 1000000] [--depth 4] [--arity 2] [--verify]

--arity 2 builds difflogic-shaped netlists (the 16 gates, uniformly); other arities random LUTs.

Each size runs in a fresh process so its peak RSS is its own; "extra" is the peak minus the RSS
once the netlist is built (what the passes themselves add).
"""

import argparse
import multiprocessing
import resource
import time

import numpy as np

from tests.support.models import random_difflogic_netlist


def rss_mib():
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def random_lut_netlist(n_inputs, width, depth, arity, k=10, seed=0):
    from lgc.ir import Netlist
    from lgc.ir.truthtable import table_mask

    rng = np.random.default_rng(seed)
    layers, in_dim = [], n_inputs
    for _ in range(depth):
        tt = rng.integers(0, 2**63, width, dtype=np.uint64) * np.uint64(2) & table_mask(arity)
        layers.append((tt | rng.integers(0, 2, width, dtype=np.uint64),
                       rng.integers(0, in_dim, (width, arity), dtype=np.int32)))
        in_dim = width
    return Netlist.from_layers(n_inputs, layers, groups=k,
                               name=f"random_lut{arity}_{depth}x{width}")


def one(gates, depth, arity, verify, queue):
    from lgc.passes import run_pipeline

    netlist = random_difflogic_netlist(784, gates // depth, depth) if arity == 2 else \
        random_lut_netlist(784, gates // depth, depth, arity)
    base = current_rss_mib()
    start = time.perf_counter()
    out, stats = run_pipeline(netlist, verify=verify)
    seconds = time.perf_counter() - start
    by_pass = {}
    for a in stats["applications"]:
        by_pass[a["pass"]] = by_pass.get(a["pass"], 0.0) + a["seconds"]
    queue.put((netlist.gate_count(), out.gate_count(), stats["rounds"], seconds,
               stats["verification"], rss_mib(), rss_mib() - base, by_pass))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, nargs="+", default=[64_000, 256_000, 1_000_000])
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--arity", type=int, default=2, choices=range(1, 7))
    parser.add_argument("--verify", action="store_true",
                        help="verify after every pass (default off)")
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    for gates in args.gates:
        queue = ctx.Queue()
        proc = ctx.Process(target=one, args=(gates, args.depth, args.arity, args.verify, queue))
        proc.start()
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"the {gates}-gate run failed")
        before, after, rounds, seconds, verification, peak, extra, by_pass = queue.get()
        passes = ", ".join(f"{name} {s:.2f}" for name, s in by_pass.items())
        print(f"{before:8d} gates -> {after:8d} in {rounds} rounds: {seconds:6.2f} s, peak RSS "
              f"{peak:6.0f} MiB ({extra:5.0f} MiB extra); verification {verification['mode']}; "
              f"pass seconds: {passes}")


if __name__ == "__main__":
    main()
