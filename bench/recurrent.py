"""Recurrent cores on ECP5: LUTs, flip-flops, Fmax and steps per second, side by side in one run.

The trained digits model (tests/data/recurrent_digits.pt, rows as steps) and a random model with
output_reads="old" and a 3-level next-state logic, each compiled (passes on) four ways
(`configurations`), simulated bit-exact over their sequences, proven by lgc verify, then
synthesized out of context for an LFE5U-25F with the build's default clock target. Steps per
second: Fmax, one step per clock overall (with C slots, C sequences each get Fmax / C).

    python -m bench.recurrent [--device LFE5U-25F] [--keep DIR]
"""

import argparse
import pathlib
import tempfile

import numpy as np

from lgc.compile import compile_model
from lgc.formal.verify import verify_build
from lgc.sim.sequences import simulate_sequences
from lgc.synth.flow import synthesize
from tests.support.fixtures import fixture_path
from tests.support.models import random_recurrent_model


def models(folder):
    random_path = pathlib.Path(folder) / "random_old.pt"
    random_recurrent_model(random_path, n_inputs=16, next_state=(128, 96, 64), output=(400, 100),
                           k=10, output_reads="old", seed=7)
    rng = np.random.default_rng(0)
    random_vectors = {"x": rng.integers(0, 2, (200, 12, 16)), "lengths": rng.integers(1, 13, 200)}
    with np.load(fixture_path("recurrent_digits", ".vectors.npz")) as data:
        digits_vectors = {"x": data["x"], "lengths": data["lengths"]}
    # (name, model, sequences, the larger --cslow): the digits' next-state net is 2 levels deep
    return [("recurrent_digits", fixture_path("recurrent_digits"), digits_vectors, 2),
            ("random_old", str(random_path), random_vectors, 3)]


def configurations(cslow):
    """(--cslow, --adder-levels-per-stage) pairs: the sums and argmax in one clock after the
    output net (0, as before they were pipelined), the default, and a register after every tree
    level."""
    return [(1, 0), (1, None), (cslow, None), (cslow, 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="LFE5U-25F")
    parser.add_argument("--keep", help="keep the builds in this folder")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="lgc-bench-recurrent-")
    pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
    rows = []
    for name, path, vectors, larger in models(folder):
        for cslow, levels in configurations(larger):
            out = pathlib.Path(folder) / f"{name}_c{cslow}_a{levels}"
            report = compile_model(path, str(out), cslow=cslow, adder_levels_per_stage=levels)
            *_, sim = simulate_sequences(str(out), vectors["x"], vectors["lengths"])
            proof, _ = verify_build(str(out))
            proven = f"{proof.equivalent} ({sum(proof.seconds.values()):.1f} s)"
            syn = synthesize(str(out), device=args.device)
            mhz = min(f["achieved_mhz"] for f in syn["fmax"].values())
            rtl = report["rtl"]
            rows.append((name, cslow, rtl["adder_levels_per_stage"], rtl["latency"],
                         report["model"]["gates"], rtl["gates"], rtl["state_bits"],
                         rtl["loop_depth"], sim["bit_exact"], sim["checked_steps"], proven,
                         syn["luts"], syn["ffs"], mhz, mhz * 1e6))
    print("| model | --cslow | adder levels | latency | gates | after passes | state bits | loop "
          "levels | bit-exact (steps) | proven (time) | LUTs | FFs | Fmax MHz | steps/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(map(str, r[:8])) + f" | {r[8]} ({r[9]}) | {r[10]} | {r[11]} "
              f"| {r[12]} | {r[13]:.1f} | {r[14]:.3g} |")


if __name__ == "__main__":
    main()
