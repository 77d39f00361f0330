"""`lgc verify` proof time vs model size, both proof methods side by side on the same builds:
random difflogic models (784 inputs, `depth` LogicLayers of gates/depth each, GroupSum(10), as
bench/scale.py makes them) compiled by `lgc compile --target-mhz 50`, then proven against their
model file by each method in its own process with a time limit.

    python -m bench.verify [--gates 64000 256000 1000000] [--depth 5] [--methods stages whole]
                           [--limit 1800] [--keep DIR]
    python -m bench.verify --model FILE.pt ...   # a model file (a trained one) instead
    python -m bench.verify --clgn-mnist 16 ...   # torchlogix's ClgnMnist, random weights


Each line gives the method, the gates (the model's, the RTL's after the passes), the compile
time, the proof's steps (seconds), its total, its peak memory (the proving process's VmHWM and
its tools', which run as child processes: ru_maxrss of the children) and the load average.
"""

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

TARGET_MHZ = 50
STEPS = ("spec", "read_rtl", "read_stages", "structure", "elaborate", "prove_argmax", "simulate", "aim", "match",
         "prove_stages", "prove_group_bits")


def prove_one(folder, method):
    """Prove the build in `folder`; prints one JSON line."""
    from lgc.formal.verify import verify_build

    proof, _ = verify_build(str(pathlib.Path(folder) / "build"), method=method)
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    tools = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"equivalent": proof.equivalent, "reason": proof.reason,
                      "refinements": proof.refinements, "peak_mb": round(peak / 1024),
                      "tools_mb": round(tools / 1024),
                      **{k: round(v, 1) for k, v in proof.seconds.items()}}), flush=True)


def build_one(gates, depth, folder, model=None, clgn_mnist=None, layers_per_stage=None):
    """Write (or take `model`) and compile one model in `folder` (at TARGET_MHZ, or with
    `layers_per_stage` LUT levels per gate stage and the fastest clock the core allows);
    returns (RTL gates, compile seconds)."""
    import torch

    from lgc.compile import compile_model
    from tests.support.models import (
        clgn_mnist_spec,
        random_torchlogix_state_dict,
        save_difflogic_model,
    )

    arch = None
    if clgn_mnist:
        arch = clgn_mnist_spec(clgn_mnist)
        model = pathlib.Path(folder) / "model.state_dict.pt"
        torch.save(random_torchlogix_state_dict(arch), model)
    elif model is None:
        model = save_difflogic_model(pathlib.Path(folder) / "model.pt", 784, [gates // depth] * depth)
    start = time.perf_counter()
    # one clock target for every size (the default 200 MHz fits only the small ones)
    clock = {"target_mhz": TARGET_MHZ} if layers_per_stage is None else {"layers_per_stage": layers_per_stage}
    report = compile_model(str(model), str(pathlib.Path(folder) / "build"),
                           load_options={"arch": arch} if arch else None, **clock)
    return report["rtl"]["gates"], time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, nargs="+", default=[64000, 256000, 1000000])
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--methods", nargs="+", default=["stages", "whole"], choices=["stages", "whole"])
    parser.add_argument("--limit", type=float, default=1800, help="seconds per proof")
    parser.add_argument("--keep", help="keep each size's model and build under this folder")
    parser.add_argument("--model", help="compile and prove this model file (its gates in the "
                        "--gates column) instead of random ones")
    parser.add_argument("--clgn-mnist", type=int, metavar="K_NUM", help="compile and prove "
                        "torchlogix's ClgnMnist layer stack with random weights (k_num kernels)")
    parser.add_argument("--prove", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prove:
        return prove_one(args.folder, args.prove)
    print(f"{'method':>7} {'gates':>8} {'after':>7} {'compile':>8} " + " ".join(f"{s:>10}" for s in STEPS)
          + f" {'proof':>7} {'peak MB':>8} {'tools MB':>8}  result  (load)")
    one = args.model or args.clgn_mnist
    for gates in [0] if one else args.gates:
        with tempfile.TemporaryDirectory(prefix="lgc-bench-") as scratch:
            name = (pathlib.Path(args.model).stem if args.model else
                    f"clgn_mnist_k{args.clgn_mnist}" if args.clgn_mnist else f"g{gates}")
            folder = pathlib.Path(args.keep) / name if args.keep else pathlib.Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            after, compiled = build_one(gates, args.depth, folder, args.model, args.clgn_mnist)
            if one:
                with open(folder / "build" / "report.json") as f:
                    gates = json.load(f)["passes"]["gates_before"]
            for method in args.methods:
                command = [sys.executable, "-m", __spec__.name, "--prove", method, "--folder", str(folder)]
                head = f"{method:>7} {gates:>8} {after:>7} {compiled:>8.1f} "
                load = os.getloadavg()[0]
                try:
                    out = subprocess.run(command, capture_output=True, text=True, timeout=args.limit)
                except subprocess.TimeoutExpired:
                    print(f"{head}did not finish in {args.limit:.0f} s (load {load:.1f})", flush=True)
                    continue
                lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
                if out.returncode or not lines:
                    print(f"{head}failed: {out.stderr.strip().splitlines()[-1:]}", flush=True)
                    continue
                r = json.loads(lines[-1])
                proof = sum(r.get(s, 0) for s in STEPS)
                print(head + " ".join(f"{r.get(s, 0):>10.1f}" for s in STEPS)
                      + f" {proof:>7.1f} {r['peak_mb']:>8} {r['tools_mb']:>8}  "
                      f"{'proven' if r['equivalent'] else 'NOT proven: ' + r['reason']}"
                      f"  ({load:.1f}-{os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
