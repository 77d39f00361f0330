"""`lgc simulate`: run a build's RTL in Verilator on test vectors and compare every score and
class with the PyTorch reference (computed from the model file copied into the build): input
bits into the core, or raw features into the encoded top (input encoder + core)."""

import dataclasses
import importlib.metadata
import os
import time
from importlib import resources

import numpy as np

from ..build import RTL_DIR, BuildDir
from ..errors import LgcError
from ..ir import Netlist
from ..ir.evaluate import check_vectors
from ..reference import of_build
from ..rtl import input_format
from ..tools import verilator
from . import stimulus

TB_TOP = "lgc_tb"
TB_MODULE = "lgc.tb.stream_tb"
SHOWN = 5  # mismatches listed in the report


@dataclasses.dataclass
class SimResult:
    scores: np.ndarray   # int64 [N, k]: the RTL's scores
    pred: np.ndarray     # int64 [N]: the RTL's classes
    match: np.ndarray    # bool [N]: equal to the reference (scores, class and timing)
    report: dict         # report.json's "simulation" section


def simulate(build_dir, x=None, random=0, seed=0, latency=None, opt="auto", raw=None,
             encoded=None, quantize=False):
    """Simulate the build's RTL on the given vectors plus `random` random ones against the
    PyTorch reference; returns a SimResult and records its report in report.json.

    x: input bits [N, n_inputs], into the core (`lgc_core`). raw: raw features [N, n_features]
    (or [N, *shape] of the encoding), values of the build's input format, into the encoded top
    (`lgc_encoded`: the input encoder in front of the core); the reference then runs the
    model's own binarization on them. `quantize` rounds raw values the format does not hold
    (refused otherwise) and reports in "quantization" how many input bits and classes that
    changes against the reference on the values as given. `encoded` (default: whether raw is
    given) picks the encoded top, also for random features alone. `latency` is the cycle count
    the testbench expects (default: the design's; any other must fail the check)."""
    build = BuildDir(build_dir).check()
    rtl = build.rtl()
    if x is not None and raw is not None:
        raise LgcError("give input bits (x) or raw features (raw), not both")
    encoded = raw is not None if encoded is None else encoded
    rng = np.random.default_rng(seed)
    netlist = Netlist.load(build.netlist_path)
    given = None
    if encoded:
        encoding = _encoding(build, rtl, netlist)
        fmt = input_format.recorded(rtl["encoder"])
        vectors = []
        if raw is not None:
            given = input_format.feature_matrix(raw, encoding)
            codes, rounded = input_format.to_codes(fmt, given, quantize)
            vectors.append(codes)
        if random:
            vectors.append(input_format.random_codes(fmt, rng, int(random), encoding))
    else:
        n_inputs = rtl["ports"]["in_bits"]
        vectors = [check_vectors(x, n_inputs)] if x is not None else []
        if random:
            vectors.append(rng.integers(0, 2, (int(random), n_inputs), dtype=np.uint8))
    if not sum(len(v) for v in vectors):
        raise LgcError("no vectors to simulate: give --vectors and/or --random N")
    vectors = np.concatenate(vectors)
    with build.recording("simulation", step="simulate") as report:
        if encoded:
            expected = of_build(build, netlist, raw=input_format.values(fmt, vectors))
            port_bits, sim_dir = input_format.port_bits(fmt, vectors), build.file("sim-encoded")
        else:
            expected = of_build(build, netlist, bits=vectors)
            port_bits, sim_dir = vectors, build.file("sim")
        result = run_rtl(build.file(RTL_DIR), rtl, sim_dir, port_bits, expected.counts,
                         expected.pred, latency=latency, seed=seed, opt=opt, encoded=encoded)
        report.update({"vectors": len(vectors), "given_vectors": len(vectors) - int(random),
                       "random_vectors": int(random), **result.report})
        if encoded:
            report["input_format"] = fmt.name
        if quantize and given is not None:
            report["quantization"] = quantization(of_build(build, netlist, raw=given), expected,
                                                  rounded)
    return dataclasses.replace(result, report=report)


def quantization(exact, quantized, rounded):
    """What rounding raw features into the input format changed, against the reference on the
    values as given (`exact`; `quantized`: the reference on the rounded ones, whose first rows
    are the same vectors; `rounded`: bool [N, F], the features rounding changed)."""
    n = len(exact.pred)
    bits = exact.bits != quantized.bits[:n]
    return {"vectors": n, "features_rounded": int(rounded.sum()),
            "vectors_with_rounded_features": int(rounded.any(axis=1).sum()),
            "input_bits_changed": int(bits.sum()),
            "vectors_with_changed_bits": int(bits.any(axis=1).sum()),
            "classes_changed": int((exact.pred != quantized.pred[:n]).sum())}


def _encoding(build, rtl, netlist):
    """The netlist's input encoding, which the build's encoded top implements."""
    if not rtl.get("encoder"):
        raise LgcError(f"{build.path}: the model has no input encoding, so the build has no "
                       "encoder for raw features; give 0/1 input bits (x), or compile the model "
                       "with --encoding")
    return netlist.graph.graph["encoding"]


def run_rtl(rtl_dir, rtl, sim_dir, x, expected_scores, expected_pred, latency=None, seed=0,
            opt="auto", encoded=False):
    """Stream x through the core in `rtl_dir` (described by `rtl`, the summary lgc.rtl.generate
    returned) in Verilator, building it in `sim_dir` unless cached, and compare every result and
    the out_valid of every clock with the expected scores and classes. With `encoded`, x holds
    the bits of the encoded top's `in_raw` (lgc.rtl.input_format.port_bits) and the encoded top
    is simulated."""
    # the simulator runs in sim_dir
    rtl_dir, sim_dir = os.path.abspath(rtl_dir), os.path.abspath(sim_dir)
    sources = [os.path.join(rtl_dir, name) for name in rtl["files"]]
    sources.append(str(resources.files("lgc.tb") / f"{TB_TOP}.v"))
    top = rtl["encoder"] if encoded else rtl
    ports = top["ports"]
    parameters = {"N_IN": ports["in_raw" if encoded else "in_bits"],
                  "SCORE_BITS": ports["out_scores"], "CLASS_BITS": ports["out_class"]}
    opt = verilator.opt_level(opt, rtl["live_gates"])
    build_seconds, cached = verilator.build(sim_dir, sources, TB_TOP, parameters, opt,
                                            defines={"LGC_TB_ENCODED": 1} if encoded else None)

    stim = stimulus.stimulus(x, top["latency"], seed)
    resp, sim_seconds, wall_seconds = run_stimulus(sim_dir, TB_TOP, stim, ports)
    result = stimulus.check(stim, resp, top["latency"] if latency is None else latency,
                          expected_scores, expected_pred, rtl["score_width"], rtl["score_signed"])

    bad = np.flatnonzero(~result.match)
    report = {
        "top": top["top"],
        "input": "raw features" if encoded else "bits",
        "seed": seed,
        "clocks": stim.clocks,
        "latency": top["latency"],
        "bit_exact": not len(bad) and not len(result.stray_valid),
        "mismatches": len(bad),
        "stray_out_valid": len(result.stray_valid),
        "first_mismatches": [_mismatch(i, expected_scores, expected_pred, result)
                             for i in bad[:SHOWN]],
        "ties": int(_ties(expected_scores)),
        "sim_seconds": round(sim_seconds, 3),
        "sim_wall_seconds": round(wall_seconds, 3),
        "vectors_per_second": round(len(x) / max(sim_seconds, 1e-6), 1),
        "verilator_build_seconds": round(build_seconds, 3),
        "verilator_build_cached": cached,
        "cxx_opt": opt,
        "tools": {"verilator": importlib.metadata.version("verilator"),
                  "cocotb": importlib.metadata.version("cocotb")},
    }
    return SimResult(result.scores, result.pred, result.match, report)


def _mismatch(i, expected_scores, expected_pred, result):
    return {"index": int(i), "out_valid": bool(result.valid[i]),
            "expected": {"scores": expected_scores[i].tolist(), "class": int(expected_pred[i])},
            "got": {"scores": result.scores[i].tolist(), "class": int(result.pred[i])}}


def _ties(counts):
    top = np.sort(counts, axis=1)
    return (top[:, -1] == top[:, -2]).sum() if counts.shape[1] > 1 else 0


def run_stimulus(sim_dir, tb_top, stim, ports):
    """Run the simulator of testbench `tb_top` built in `sim_dir` on `stim` (lgc.sim.stimulus):
    (the responses, the simulator's own seconds, wall seconds)."""
    stimulus_path = os.path.join(sim_dir, "stimulus.hex")
    responses_path = os.path.join(sim_dir, "responses.hex")
    stimulus.write_stimulus(stimulus_path, stim)
    start = time.perf_counter()
    sim_seconds = verilator.run(sim_dir, tb_top, TB_MODULE,
                                [f"+stimulus={stimulus_path}", f"+responses={responses_path}"],
                                {"LGC_CYCLES": str(stim.clocks)})
    wall = time.perf_counter() - start
    resp = stimulus.read_responses(responses_path, ports["out_class"], ports["out_scores"])
    for path in (stimulus_path, responses_path):
        os.remove(path)
    return resp, sim_seconds, wall

