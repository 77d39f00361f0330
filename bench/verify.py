"""`lgc verify` proof time vs model size, both proof methods side by side on the same builds:
random difflogic models (784 inputs, `depth` LogicLayers of gates/depth each, GroupSum(10), as
bench/scale.py makes them) compiled by `lgc compile --target-mhz 50`, then proven against their
model file by each method in its own process with a time limit.

    python -m bench.verify [--gates 64000 256000 1000000] [--depth 5] [--methods stages whole]
                           [--limit 1800] [--keep DIR]
    python -m bench.verify --model FILE.pt ...   # a model file (a trained one) instead
    python -m bench.verify --clgn-mnist 16 ...   # torchlogix's ClgnMnist, random weights
    python -m bench.verify --gates 4000000 --layers-per-stage 1   # no clock target fits 4M gates
    python -m bench.verify --baseline REV ...    # each proof also by lgc at git revision REV
    python -m bench.verify --memory-limit 14 ... # a proof (and its tools) stops above 14 GB


Each line gives the method, the gates (the model's, the RTL's after the passes), the compile
time, the proof's steps (seconds), its total, its peak memory (the proving process's VmHWM and
its tools', which run as child processes: ru_maxrss of the children) and the load average; a
second line the proving process's peak per step (VmHWM, reset where each step starts). Every
proof starts from an empty verify/ folder (nothing reused). With --baseline, lgc at REV (a git
worktree in a temporary folder) proves each build right after the checkout's lgc does; the
build is the checkout's, so a revision whose proof cannot read its RTL fails (83707ed does not
read the popcount compressors merged after it).
"""

import argparse
import contextlib
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

TARGET_MHZ = 50
ADDER_LEVELS = 4  # per popcount stage, with --layers-per-stage (build_one)
STEPS = ("spec", "read_rtl", "read_stages", "structure", "elaborate", "prove_argmax", "simulate",
         "aim", "match", "prove_stages", "prove_group_bits")


def prove_one(folder, method):
    """Prove the build in `folder`; prints one JSON line."""
    from lgc.formal import proof as whole
    from lgc.formal import stage_proof
    from lgc.formal.verify import verify_build

    peaks = {}
    for module in (whole, stage_proof):
        module.step = _with_peak(module.step, peaks)
    proof, _ = verify_build(str(pathlib.Path(folder) / "build"), method=method)
    with open("/proc/self/status") as f:
        peak = max([next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))]
                   + [1024 * mb for mb in peaks.values()])  # (each step reset VmHWM)
    tools = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"equivalent": proof.equivalent, "reason": proof.reason,
                      "refinements": proof.refinements, "peak_mb": round(peak / 1024),
                      "tools_mb": round(tools / 1024), "peaks": peaks,
                      **{k: round(v, 1) for k, v in proof.seconds.items()}}), flush=True)


def _with_peak(step, peaks):
    """lgc.build.step that also records each step's peak memory (MB) in `peaks`: VmHWM, reset
    where the step starts (Linux's clear_refs)."""
    @contextlib.contextmanager
    def timed(times, name):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        with step(times, name):
            yield
        with open("/proc/self/status") as f:
            peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) // 1024
        peaks[name] = max(peaks.get(name, 0), peak)
    return timed


def _limit_memory(gigabytes):
    """For subprocess's preexec_fn: the proof and its tools (which inherit it) stop above
    `gigabytes` of data (RLIMIT_DATA)."""
    limit = int(gigabytes * (1 << 30))
    return lambda: resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


@contextlib.contextmanager
def _checkout(revision):
    """A git worktree of the repository at `revision` in a temporary folder (removed after)."""
    root = pathlib.Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="lgc-baseline-") as scratch:
        tree = pathlib.Path(scratch) / "lgc"
        subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", str(tree), revision],
                       check=True, capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)],
                           capture_output=True)


def build_one(gates, depth, folder, model=None, clgn_mnist=None, layers_per_stage=None):
    """Write (or take `model`) and compile one model in `folder` (at TARGET_MHZ, or with
    `layers_per_stage` LUT levels per gate stage and ADDER_LEVELS per popcount stage: at the
    slow clock a 4M-gate core allows, 29 MHz, a popcount stage sums thousands of operands in one
    expression, which overflows yosys's stack); returns (RTL gates, compile seconds)."""
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
        model = save_difflogic_model(pathlib.Path(folder) / "model.pt", 784,
                                     [gates // depth] * depth)
    start = time.perf_counter()
    # one clock target for every size (the default 200 MHz fits only the small ones)
    clock = ({"target_mhz": TARGET_MHZ} if layers_per_stage is None else
             {"layers_per_stage": layers_per_stage, "adder_levels_per_stage": ADDER_LEVELS})
    report = compile_model(str(model), str(pathlib.Path(folder) / "build"),
                           load_options={"arch": arch} if arch else None, **clock)
    return report["rtl"]["gates"], time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, nargs="+", default=[64000, 256000, 1000000])
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--methods", nargs="+", default=["stages", "whole"],
                        choices=["stages", "whole"])
    parser.add_argument("--limit", type=float, default=1800, help="seconds per proof")
    parser.add_argument("--keep", help="keep each size's model and build under this folder")
    parser.add_argument("--model", help="compile and prove this model file (its gates in the "
                        "--gates column) instead of random ones")
    parser.add_argument("--clgn-mnist", type=int, metavar="K_NUM", help="compile and prove "
                        "torchlogix's ClgnMnist layer stack with random weights (k_num kernels)")
    parser.add_argument("--layers-per-stage", type=int, help="compile with this many LUT levels "
                        f"per gate stage and {ADDER_LEVELS} adder levels per popcount stage "
                        f"instead of {TARGET_MHZ} MHz")
    parser.add_argument("--baseline", metavar="REV", help="also prove each build by lgc at this "
                        "git revision, right after this checkout's lgc")
    parser.add_argument("--memory-limit", type=float, metavar="GB", help="stop a proof (and its "
                        "tools) that needs more memory than this")
    parser.add_argument("--prove", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prove:
        return prove_one(args.folder, args.prove)
    print(f"{'method':>7} {'lgc':>8} {'gates':>8} {'after':>7} {'compile':>8} "
          + " ".join(f"{s:>10}" for s in STEPS)
          + f" {'proof':>7} {'peak MB':>8} {'tools MB':>8}  result  (load)")
    one = args.model or args.clgn_mnist
    with contextlib.ExitStack() as stack:
        lgcs = [("checkout", None)]
        if args.baseline:
            lgcs.append((args.baseline, stack.enter_context(_checkout(args.baseline))))
        for gates in [0] if one else args.gates:
            with tempfile.TemporaryDirectory(prefix="lgc-bench-") as scratch:
                name = (pathlib.Path(args.model).stem if args.model else
                        f"clgn_mnist_k{args.clgn_mnist}" if args.clgn_mnist else f"g{gates}")
                folder = pathlib.Path(args.keep) / name if args.keep else pathlib.Path(scratch)
                folder.mkdir(parents=True, exist_ok=True)
                after, compiled = build_one(gates, args.depth, folder, args.model, args.clgn_mnist,
                                            args.layers_per_stage)
                if one:
                    with open(folder / "build" / "report.json") as f:
                        gates = json.load(f)["passes"]["gates_before"]
                for method in args.methods:
                    for label, tree in lgcs:
                        head = f"{method:>7} {label:>8} {gates:>8} {after:>7} {compiled:>8.1f} "
                        _prove(folder, method, tree, head, args)


def _prove(folder, method, tree, head, args):
    """One proof of the build in `folder` in its own process (by the lgc of the git worktree
    `tree`, None: this checkout's); prints its line."""
    shutil.rmtree(folder / "build" / "verify", ignore_errors=True)
    if tree is None:
        command, cwd, env = [sys.executable, "-m", __spec__.name], None, None
    else:  # this script, importing lgc from the worktree
        command, cwd, env = [sys.executable, __file__], tree, dict(os.environ, PYTHONPATH=str(tree))
    command += ["--prove", method, "--folder", str(folder.resolve())]
    load = os.getloadavg()[0]
    limit = _limit_memory(args.memory_limit) if args.memory_limit else None
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=args.limit, cwd=cwd,
                             env=env, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        print(f"{head}did not finish in {args.limit:.0f} s (load {load:.1f})", flush=True)
        return
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode or not lines:
        print(f"{head}failed: {out.stderr.strip().splitlines()[-1:]}  "
              f"({load:.1f}-{os.getloadavg()[0]:.1f})", flush=True)
        return
    r = json.loads(lines[-1])
    proof = sum(r.get(s, 0) for s in STEPS)
    print(head + " ".join(f"{r.get(s, 0):>10.1f}" for s in STEPS)
          + f" {proof:>7.1f} {r['peak_mb']:>8} {r['tools_mb']:>8}  "
          f"{'proven' if r['equivalent'] else 'NOT proven: ' + r['reason']}"
          f"  ({load:.1f}-{os.getloadavg()[0]:.1f})", flush=True)
    print("    peak MB per step: " + ", ".join(f"{k} {v}" for k, v in r["peaks"].items()),
          flush=True)


if __name__ == "__main__":
    main()
