"""`lgc verify` proof time vs model size: random lgc.nn models (256 inputs, `depth` layers of
`width` gates, 10 classes) compiled by `lgc compile`, then proven equivalent to their model file.
Each size runs in its own process with a time limit (default 10 minutes), widths doubling until
one does not finish.

    python -m bench.verify [--start 500] [--depth 4] [--limit 600] [--keep DIR]
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

STEPS = ("spec", "read_rtl", "structure", "elaborate", "simulate", "prove_group_bits", "prove_argmax")


def one(width, depth, folder):
    """Make, compile and verify one model in `folder`; prints one JSON line."""
    import torch

    from lgc.compile import compile_model
    from lgc.formal.verify import verify_build
    from lgc.nn import GroupSum, LogicLayer

    gen = torch.Generator().manual_seed(width)
    layers, dim = [], 256
    for _ in range(depth):
        layers.append(LogicLayer(dim, width, generator=gen))
        dim = width
    model = torch.nn.Sequential(*layers, GroupSum(10)).eval()
    path = pathlib.Path(folder) / f"random_{depth}x{width}.pt"
    torch.save(model, path)
    start = time.perf_counter()
    report = compile_model(str(path), str(pathlib.Path(folder) / "build"))
    compiled = time.perf_counter() - start
    proof, _ = verify_build(str(pathlib.Path(folder) / "build"))
    print(json.dumps({"width": width, "gates": depth * width, "optimized": report["rtl"]["gates"],
                      "latency": proof.latency, "compile": round(compiled, 1),
                      "equivalent": proof.equivalent, "refinements": proof.refinements,
                      **{k: round(v, 1) for k, v in proof.seconds.items()}}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=int, default=500, help="first layer width")
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--limit", type=float, default=600, help="seconds per size")
    parser.add_argument("--keep", help="keep each size's model and build under this folder")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args.one, args.depth, args.folder)
    print(f"{'gates':>8} {'after':>7} {'compile':>8} " + " ".join(f"{s:>10}" for s in STEPS)
          + f" {'proof':>7}  result")
    width = args.start
    while True:
        with tempfile.TemporaryDirectory(prefix="lgc-bench-") as scratch:
            folder = pathlib.Path(args.keep) / f"w{width}" if args.keep else pathlib.Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, "-m", __spec__.name, "--one", str(width),
                       "--depth", str(args.depth), "--folder", str(folder)]
            start = time.perf_counter()
            try:
                out = subprocess.run(command, capture_output=True, text=True, timeout=args.limit)
            except subprocess.TimeoutExpired:
                print(f"{args.depth * width:>8} did not finish in {args.limit:.0f} s")
                break
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if out.returncode or not lines:
            print(f"{args.depth * width:>8} failed: {out.stderr.strip().splitlines()[-1:]}")
            break
        r = json.loads(lines[-1])
        proof = sum(r.get(s, 0) for s in STEPS)
        print(f"{r['gates']:>8} {r['optimized']:>7} {r['compile']:>8.1f} "
              + " ".join(f"{r.get(s, 0):>10.1f}" for s in STEPS)
              + f" {proof:>7.1f}  {'proven' if r['equivalent'] else 'NOT proven'}"
              f" ({time.perf_counter() - start:.0f} s wall)", flush=True)
        width *= 2


if __name__ == "__main__":
    main()
