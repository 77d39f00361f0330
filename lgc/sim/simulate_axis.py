"""The AXI4-Stream top `lgc_axis` in Verilator, driven by cocotbext-axi (tb/axis_tb.py): vectors
in as frames with random pauses on both sides, every result checked against the PyTorch
reference, in order, none lost or duplicated; with no pauses, the clocks the stream took.

With one beat per vector, vectors travel in frames of 1..`frame_vectors` vectors (TLAST on some
beats) and the results must come back in the same frames. With several beats per vector each
vector is a frame, and the vectors listed in `malformed` are sent with their TLAST one beat early
or one beat late (alternately): they must be dropped and the error output set.
"""

import dataclasses
import json
import os

import numpy as np

from ..build import RTL_DIR, BuildDir
from ..errors import LgcError
from ..ir import Netlist
from ..ir.evaluate import check_vectors
from ..reference import of_build
from ..rtl import AXIS_TOP, input_format
from ..tools import verilator

TB_MODULE = "lgc.tb.axis_tb"
SIM_DIR = "sim-axis"


@dataclasses.dataclass
class AxisResult:
    scores: np.ndarray     # int64 [R, k]: the scores of every result beat received, in order
    pred: np.ndarray       # int64 [R]
    frames: list           # results per received frame
    error: bool            # the error output at the end
    clocks: int            # from the first accepted input beat to the last result beat
    expected_scores: np.ndarray   # the reference's, of the vectors that were well framed
    expected_pred: np.ndarray
    expected_frames: list

    @property
    def bit_exact(self):
        """Every well-framed vector's result, in order, none lost, duplicated or regrouped."""
        return (self.scores.shape == self.expected_scores.shape
                and np.array_equal(self.scores, self.expected_scores)
                and np.array_equal(self.pred, self.expected_pred)
                and self.frames == self.expected_frames)


def simulate_axis(build_dir, x=None, raw=None, random=0, seed=0, pause=(0.0, 0.0),
                  frame_vectors=4, malformed=(), opt="auto"):
    """Stream vectors (input bits x, or raw features for a build with an encoding, plus
    `random` random ones) through the build's lgc_axis; returns an AxisResult. `pause`: the
    probabilities that the source, and the sink, holds back on a clock."""
    if len(pause) != 2 or not all(0 <= p < 1 for p in pause):
        raise LgcError(f"pause probabilities must be at least 0 and below 1, got {pause}")
    build = BuildDir(build_dir).check()
    rtl = build.rtl()
    axis = rtl.get("axis")
    if not axis:
        raise LgcError(f"{build.path}: the build has no AXI4-Stream top; recompile it")
    netlist = Netlist.load(build.netlist_path)
    rng = np.random.default_rng(seed)
    bits, reference_input = _vectors(rtl, axis, netlist, x, raw, random, rng)
    if not len(bits):
        raise LgcError("no vectors to stream: give vectors and/or random ones")
    beats, lanes = axis["beats_per_vector"], axis["beat_width"] // 8
    malformed = sorted(set(int(i) for i in malformed))
    if malformed and beats == 1:
        raise LgcError("with one beat per vector TLAST cannot be early or late (compile with "
                       "--axis-width)")
    frames, expected_frames, keep = _frames(bits, beats, lanes, frame_vectors, malformed, rng)
    expected = of_build(build, netlist, **{k: v[keep] for k, v in reference_input.items()})

    with build.recording("axis_simulation", step="simulate axis") as report:
        result = _run(build, rtl, axis, frames, expected, expected_frames, pause, seed, opt,
                      frame_vectors)
        report.update({"top": AXIS_TOP, "wraps": axis["wraps"], "vectors": len(bits),
                       "malformed": len(malformed), "expected_results": len(expected.pred),
                       "results": len(result.pred), "bit_exact": result.bit_exact,
                       "error": result.error, "pause": list(map(float, pause)),
                       "beats_per_vector": beats, "clocks": result.clocks,
                       "latency": axis["latency"], "seed": seed})
    return result


def _vectors(rtl, axis, netlist, x, raw, random, rng):
    """(the wrapped top's input bits [N, n], {the reference's keyword: its input [N, ...]}):
    raw features in the build's input format when lgc_axis wraps the encoded top, else bits."""
    if axis["wraps"] != rtl["top"]:
        fmt = input_format.recorded(rtl["encoder"])
        encoding = netlist.graph.graph["encoding"]
        codes = [input_format.to_codes(fmt, input_format.feature_matrix(raw, encoding))[0]] \
            if raw is not None else []
        codes.append(input_format.random_codes(fmt, rng, int(random), encoding))
        codes = np.concatenate(codes)
        return input_format.port_bits(fmt, codes), {"raw": input_format.values(fmt, codes)}
    n = rtl["ports"]["in_bits"]
    x = [check_vectors(x, n)] if x is not None else []
    bits = np.concatenate(x + [rng.integers(0, 2, (int(random), n), dtype=np.uint8)])
    return bits, {"bits": bits}


def _run(build, rtl, axis, frames, expected, expected_frames, pause, seed, opt, frame_vectors):
    beats = axis["beats_per_vector"]
    sim_dir = build.file(SIM_DIR)
    os.makedirs(sim_dir, exist_ok=True)
    rtl_dir = os.path.abspath(build.file(RTL_DIR))
    sources = [os.path.join(rtl_dir, name) for name in rtl["files"] + axis["files"]]
    verilator.build(os.path.abspath(sim_dir), sources, AXIS_TOP, {},
                    verilator.opt_level(opt, rtl["live_gates"]), public=True)
    paths = {name: os.path.abspath(os.path.join(sim_dir, name))
             for name in ("frames.hex", "received.json")}
    with open(paths["frames.hex"], "w") as f:
        f.writelines(frame.hex() + "\n" for frame in frames)
    env = {"LGC_AXIS_FRAMES": paths["frames.hex"], "LGC_AXIS_OUT": paths["received.json"],
           "LGC_AXIS_RESULTS": str(len(expected.pred) * axis["beats_per_result"]),
           "LGC_AXIS_PAUSE": ",".join(map(str, map(float, pause))), "LGC_AXIS_SEED": str(seed),
           # clocks without a result after which one counts as lost: far beyond any pause
           "LGC_AXIS_IDLE": str(int((axis["latency"] + 100 + frame_vectors
                                     * (beats + axis["beats_per_result"]))
                                    / (1 - max(pause)) ** 2))}
    verilator.run(os.path.abspath(sim_dir), AXIS_TOP, TB_MODULE, [], env)
    with open(paths["received.json"]) as f:
        out = json.load(f)
    scores, pred, per_frame = _results(out["frames"], build.report()["interface"])
    return AxisResult(scores, pred, per_frame, bool(out["error"]),
                      out["last_out"] - out["first_in"] + 1 if out["last_out"] else 0,
                      expected.counts, expected.pred, expected_frames)


def _frames(bits, beats, lanes, frame_vectors, malformed, rng):
    """(frames as bytes, results expected per frame, bool [N]: vectors that must come out)."""
    n, width = bits.shape
    padded = np.zeros((n, beats * lanes * 8), np.uint8)
    padded[:, :width] = bits
    vectors = np.packbits(padded, axis=1, bitorder="little")   # byte 0 = bits 0..7
    keep = np.ones(n, bool)
    keep[malformed] = False
    if beats == 1:
        sizes = []
        while sum(sizes) < n:
            sizes.append(int(min(rng.integers(1, frame_vectors + 1), n - sum(sizes))))
        ends = np.cumsum(sizes)
        return ([vectors[end - size:end].tobytes() for size, end in zip(sizes, ends)],
                sizes, keep)
    frames = []
    for i, vector in enumerate(vectors):
        frame = vector.tobytes()
        if i in malformed:   # TLAST early (a beat short) or late (a beat too many)
            late = malformed.index(i) % 2
            frame = frame + bytes(rng.integers(0, 256, lanes, dtype=np.uint8)) if late \
                else frame[:-lanes]
        frames.append(frame)
    return frames, [1] * int(keep.sum()), keep


def _results(received, interface):
    """(scores [R, k], classes [R], results per frame) of the received frames' bytes, read as
    interface.json says (so the simulation checks the contract too)."""
    out, scores = interface["tops"][AXIS_TOP]["output"], interface["scores"]
    k, w = interface["classes"], scores["width"]
    width = out["tdata_width"] * out["beats_per_result"]     # the bits of one result
    data = [bytes.fromhex(frame) for frame in received]
    per_frame = [len(frame) * 8 // width for frame in data]
    raw = np.frombuffer(b"".join(data), np.uint8).reshape(-1, width // 8)
    bits = np.unpackbits(raw, axis=1, bitorder="little").astype(np.int64)
    low, high = out["class"]
    pred = (bits[:, low:high] << np.arange(high - low)).sum(axis=1)
    low, high = out["scores"]
    fields = bits[:, low:high].reshape(-1, k, w)
    values = (fields << np.arange(w)).sum(axis=2)
    if scores["signed"]:
        values -= fields[:, :, -1] << w
    return values, pred, per_frame
