"""lgc compile from 64k to 16M gates, stage by stage, beside difflogic's C-code generation on the
same model files.

    python -m bench.scale [--gates 64000 256000 1000000 4000000 16000000] [--depth 5]
                          [--difflogic-path DIR [DIR ...]] [--models DIR]

For each size a random difflogic model (784 inputs, `depth` LogicLayers of gates/depth each,
GroupSum(10)) is written as `torch.save(model)` writes it with difflogic 0.1.0 installed
(tests.support.models.save_difflogic_model), then measured in fresh processes, one at a time:

- lgc: `compile_model`, what `lgc compile MODEL` runs (default options), with every stage timed
  and its peak memory taken: load, passes, verification (the checks between the passes add up),
  RTL, save (the netlist and the model copy); the Verilog written.
- difflogic, with --difflogic-path (the folders holding the difflogic package and a stand-in
  `difflogic_cuda` module; they go on PYTHONPATH next to this Python's torch): torch.load,
  CompiledLogicNet(model, device='cpu'), get_c_code(), each timed with its peak memory. Then
  difflogic's own forward on 16 random vectors, whose scores the netlist lgc compiled must equal.

Peak memory is the kernel's peak resident set of the process (VmHWM), reset at the start of every
stage by writing 5 to /proc/self/clear_refs: a stage's peak is the most the process held while
it ran, including what earlier stages still hold (the model, the netlist). "peak" is the largest.
Each size prints the load average (the machine is shared); --models keeps the model files.
"""

import argparse
import contextlib
import functools
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

N_INPUTS, K, CHECK_VECTORS = 784, 10, 16


# --- measuring, in the child processes ---------------------------------------------------------

def peak_mib():
    """The process's peak resident set since the last reset (VmHWM), MiB."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


class Stages:
    """Seconds and peak memory per named stage; a stage entered again adds to its time."""

    def __init__(self):
        self.seconds, self.peak, self.current, self.began = {}, {}, None, None

    def _switch(self, name):
        now = time.perf_counter()
        if self.current is not None:
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self.began
            self.peak[self.current] = max(self.peak.get(self.current, 0.0), peak_mib())
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current resident set
        self.current, self.began = name, now

    @contextlib.contextmanager
    def stage(self, name):
        outer = self.current
        self._switch(name)
        try:
            yield
        finally:
            self._switch(outer)

    def measured(self, name, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.stage(name):
                return function(*args, **kwargs)
        return wrapper

    def result(self):
        return {"seconds": self.seconds, "peak_mib": self.peak}


def lgc_child(model, out_dir):
    stages = Stages()
    with stages.stage("import"):
        import lgc.compile
        from lgc.passes import verify
    # compile_model's own steps, each also measured as a stage; the Verifier's work between the
    # passes counts as verification, not as passes.
    names = {"load": "load", "optimize": "passes", "rtl": "RTL", "save": "save"}
    step = lgc.compile.step

    @contextlib.contextmanager
    def measured_step(times, name):
        with step(times, name), stages.stage(names[name]):
            yield

    lgc.compile.step = measured_step
    for method in ("__init__", "check"):
        setattr(verify.Verifier, method,
                stages.measured("verification", getattr(verify.Verifier, method)))
    report = lgc.compile.compile_model(model, out_dir)
    rtl_dir = pathlib.Path(out_dir, "rtl")
    return {**stages.result(), "gates": report["model"]["gates"],
            "gates_after": report["rtl"]["gates"],
            "verification": report["passes"]["verification"],
            "verilog_bytes": sum(p.stat().st_size for p in rtl_dir.iterdir()),
            "verilog_files": len(list(rtl_dir.iterdir()))}


def difflogic_child(model, vectors_path):
    stages = Stages()
    with stages.stage("import"):
        import torch
        from difflogic import CompiledLogicNet
    with stages.stage("torch.load"):
        net = torch.load(model, weights_only=False)
    with stages.stage("CompiledLogicNet"):
        compiled = CompiledLogicNet(net, device="cpu")
    with stages.stage("get_c_code"):
        code = compiled.get_c_code()
    result = {**stages.result(), "c_bytes": len(code), "c_lines": code.count("\n") + 1}
    del code, compiled
    x = np.random.default_rng(1).integers(0, 2, (CHECK_VECTORS, N_INPUTS), dtype=np.uint8)
    net.eval()
    with torch.no_grad():
        scores = net(torch.from_numpy(x).float()) * net[-1].tau
    np.savez(vectors_path, x=x, scores=np.rint(scores.numpy()).astype(np.int64))
    return result


def write_model_child(path, gates, depth):
    from tests.support.models import save_difflogic_model

    save_difflogic_model(path, N_INPUTS, [int(gates) // int(depth)] * int(depth), k=K)
    return {}


CHILDREN = {"lgc": lgc_child, "difflogic": difflogic_child, "model": write_model_child}


# --- the parent: one process per measurement ---------------------------------------------------

def run_child(kind, args, env=None):
    """Run a measurement in a fresh Python; (its result dict, wall seconds of the process)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", __spec__.name, "--child", kind, out.name,
                        *map(str, args)], check=True, env=env, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        return json.loads(pathlib.Path(out.name).read_text()), wall


def difflogic_env(paths):
    """This Python's environment with difflogic's folders first on PYTHONPATH (and not the bench's
    or lgc's: difflogic runs on its own)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths)
    return env


def load_average():
    return os.getloadavg()[0]


def stage_line(result, stages):
    parts = [f"{name} {result['seconds'][name]:.2f} s / {result['peak_mib'][name]:,.0f} MiB"
             for name in stages if name in result["seconds"]]
    return " | ".join(parts)


def measure(gates, args, models_dir):
    depth = args.depth
    width = gates // depth // K * K
    model = pathlib.Path(models_dir, f"difflogic_{N_INPUTS}x{depth}x{width}.pt")
    if not model.exists():
        run_child("model", [model, width * depth, depth])
    row = {"gates": width * depth, "model_mb": model.stat().st_size / 1e6}
    with tempfile.TemporaryDirectory(prefix="lgc-scale-") as tmp:
        row["load_average"] = load_average()
        lgc_result, lgc_wall = run_child("lgc", [model, pathlib.Path(tmp, "build")])
        row.update(lgc=lgc_result, lgc_process_seconds=lgc_wall)
        s = lgc_result["seconds"]
        row["lgc_compile_seconds"] = sum(s.get(k, 0.0)
                                         for k in ("load", "passes", "verification", "RTL"))
        row["lgc_peak_mib"] = max(lgc_result["peak_mib"].values())
        print(f"{row['gates']:>11,} gates ({lgc_result['gates_after']:,} after the passes), "
              f"model file {row['model_mb']:,.0f} MB, load average {row['load_average']:.1f}")
        compile_stages = ['import', 'load', 'passes', 'verification', 'RTL', 'save']
        print(f"  lgc compile: {stage_line(lgc_result, compile_stages)}")
        verification = lgc_result["verification"]
        checked = verification["given_vectors"] + verification["random_vectors"]
        print(f"    load+passes+verification+RTL {row['lgc_compile_seconds']:.2f} s, peak "
              f"{row['lgc_peak_mib']:,.0f} MiB; process {lgc_wall:.1f} s; Verilog "
              f"{lgc_result['verilog_bytes'] / 1e6:,.0f} MB in {lgc_result['verilog_files']} "
              f"files; verification {verification['mode']}, "
              f"{verification['vectors_per_pass']} vectors after each pass, "
              f"{checked} at the end", flush=True)
        if args.difflogic_path:
            vectors = pathlib.Path(tmp, "difflogic_vectors.npz")
            row["difflogic_load_average"] = load_average()
            dl, dl_wall = run_child("difflogic", [model, vectors],
                                    env=difflogic_env(args.difflogic_path))
            row.update(difflogic=dl, difflogic_process_seconds=dl_wall)
            print(f"  difflogic:   "
                  f"{stage_line(dl, ['import', 'torch.load', 'CompiledLogicNet', 'get_c_code'])}")
            speedup = dl["seconds"]["get_c_code"] / row["lgc_compile_seconds"]
            row["speedup_vs_get_c_code"] = speedup
            print(f"    C code {dl['c_bytes'] / 1e6:,.0f} MB ({dl['c_lines']:,} lines); process "
                  f"{dl_wall:.1f} s; lgc compile is {speedup:.1f}x as fast as get_c_code() alone")
            row["same_scores"] = same_scores(pathlib.Path(tmp, "build"), vectors)
            print(f"    lgc's compiled netlist {'==' if row['same_scores'] else '!= (MISMATCH)'} "
                  f"difflogic's forward on {CHECK_VECTORS} vectors", flush=True)
    return row


def same_scores(build_dir, vectors):
    from lgc.build import BuildDir
    from lgc.ir import Netlist

    with np.load(vectors) as v:
        scores, _ = Netlist.load(BuildDir(build_dir).netlist_path).evaluate(v["x"])
        return bool(np.array_equal(scores, v["scores"]))


def summary_table(rows):
    """The figures as a Markdown table (for the README)."""
    lines = ["| gates | after passes | load | passes | verification | RTL | lgc total | lgc peak "
             "| Verilog | difflogic get_c_code | its peak | speed-up | load avg |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        s = r["lgc"]["seconds"]
        dl = r.get("difflogic")
        lines.append(
            f"| {r['gates']:,} | {r['lgc']['gates_after']:,} | {s['load']:.2f} s | "
            f"{s['passes']:.2f} s | {s.get('verification', 0):.2f} s | {s['RTL']:.2f} s | "
            f"{r['lgc_compile_seconds']:.2f} s | {r['lgc_peak_mib']:,.0f} MiB | "
            f"{r['lgc']['verilog_bytes'] / 1e6:,.0f} MB | "
            + (f"{dl['seconds']['get_c_code']:.2f} s | {dl['peak_mib']['get_c_code']:,.0f} MiB | "
               f"{r['speedup_vs_get_c_code']:.1f}x" if dl else "— | — | —")
            + f" | {r['load_average']:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, nargs="+",
                        default=[64_000, 256_000, 1_000_000, 4_000_000, 16_000_000])
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--difflogic-path", nargs="+", metavar="DIR",
                        help="folders holding difflogic 0.1.0 and a stand-in difflogic_cuda module")
    parser.add_argument("--models",
                        help="keep the model files in this folder (reused when present)")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, out, *rest = args.child
        result = CHILDREN[kind](*rest)
        pathlib.Path(out).write_text(json.dumps(result))
        return
    rows = []
    with contextlib.ExitStack() as stack:
        models = args.models or stack.enter_context(
            tempfile.TemporaryDirectory(prefix="lgc-models-"))
        os.makedirs(models, exist_ok=True)
        for gates in args.gates:
            rows.append(measure(gates, args, models))
    print()
    print(summary_table(rows))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
