"""`lgc verify --method stages` against large builds broken on purpose: each mutant of
tests/support/mutants.py applied to one gate stage of a copy of a build (made by
`python -m bench.verify --keep DIR`: DIR/gGATES/build), proven in this process; a refutation
counts only when the PyTorch reference, run on the counterexample, gives the spec's scores and
not the RTL's.

    python -m bench.verify_mutants BUILD [--mutants invert swap rare] [--stage 1]

Each line gives the mutant, the stage file, the proof's verdict, its seconds, the refinements
and the load average.
"""

import argparse
import os
import pathlib
import shutil
import tempfile
import time

from lgc.formal.verify import verify_build
from tests.support import mutants

MUTANTS = {"invert": mutants.invert_gate, "swap": mutants.swap_register_bits,
           "rare": mutants.rare_difference}


def run_one(build, name, stage, scratch):
    copy = pathlib.Path(scratch) / name
    shutil.copytree(build, copy)  # with its verify/ folder: the unchanged stages' AIGs are reused
    stage_file = f"lgc_gates_s{stage}.v"
    MUTANTS[name](copy, stage_file)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proof, ref = verify_build(str(copy), method="stages")
    seconds = time.perf_counter() - start
    if proof.equivalent:
        verdict = "PROVEN (the mutant was not caught)"
    elif proof.counterexample is None:
        verdict = f"refused without a counterexample: {proof.reason}"
    else:
        cex = proof.counterexample
        confirmed = ref.counts[0].tolist() == cex.spec_scores.tolist() != cex.rtl_scores.tolist()
        verdict = ("refuted, the reference confirms the counterexample" if confirmed
                   else "refuted, but the reference does NOT confirm the counterexample")
    print(f"{name:>7} {stage_file:>16} {seconds:>8.1f} {proof.refinements:>5}  {verdict}"
          f"  (load {load:.1f}-{os.getloadavg()[0]:.1f})", flush=True)
    shutil.rmtree(copy)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", help="a compiled build folder")
    parser.add_argument("--mutants", nargs="+", default=list(MUTANTS), choices=list(MUTANTS))
    parser.add_argument("--stage", type=int, default=1, help="the gate stage to break")
    args = parser.parse_args()
    print(f"{'mutant':>7} {'stage':>16} {'seconds':>8} {'refinements':>5}  verdict")
    with tempfile.TemporaryDirectory(prefix="lgc-mutants-") as scratch:
        for name in args.mutants:
            run_one(args.build, name, args.stage, scratch)


if __name__ == "__main__":
    main()
