"""The proof of a recurrent core (lgc_recurrent) against its model file, over all input streams
(docs/formal.md, "Recurrent cores").

1. The spec: the model's step function from the model file's gates, run over a stream in C
   round-robin slots as the interface defines it (spec_recurrent.py); at each clock it says
   whether the clock's step belongs to a started sequence (a valid step of a slot whose sequence
   began with in_first) and gives that step's group bits.
2. The RTL's step function (rtl_structure): with the state registers (named by the build's
   report) cut into inputs, every path from the inputs and the state to out_scores and
   out_class crosses the build's latency L in registers, so the outputs at t + L are the step
   function (every other register a wire) of the inputs and the state at t. Its score fields
   are exact sums of leaf bits, read off its adders; with the fields cut free, out_class is
   the spec's argmax of them (proof._prove_argmax).
3. Random streams run through the spec, the RTL and its step function fed with the RTL's own
   state (one and-inverter graph with registers): each group bit is paired with a leaf of its
   class, or a constant, on the compared clocks; outputs that differ there are a counterexample
   stream at once.
4. The sequential miter: the same three from the all-zero register state, reset low, one output
   that is set when out_valid differs, or when on a compared clock a pair differs or a constant
   is not. ABC's `dprove` proves it never set, or gives the input stream that sets it: that
   stream joins the random ones (a counterexample, or a better pairing).
"""

import dataclasses
import os

import numpy as np

from ..build import step
from ..errors import LgcError
from ..tools import yosys
from . import aig
from .proof import (
    AIG_FLOW,
    CUT,
    DENSITIES,
    MAX_REFINEMENTS,
    Proof,
    _check_ports,
    _field_sources,
    _pair,
    _prove_argmax,
    _Values,
    _write_json,
    read_rtl,
)
from .rtl_structure import Module, combinational, derive, pipeline_latency, score_sums
from .spec_recurrent import sequential_spec, write_recurrent_spec

SPEC, RTL, STEP, MITER = "lgc_spec", "rtl_state", "rtl_step", "lgc_miter"
STEP_INPUTS = ("in_bits", "in_valid", "in_first", "in_last", "state")
STREAMS, CLOCKS = 2048, 48  # random streams of the pairing and the clocks of each (times C)


@dataclasses.dataclass
class SequenceCounterexample:
    bits: np.ndarray         # uint8 [T, n_inputs]: one sequence, from its in_first to the step
                             # that differs
    spec_scores: np.ndarray  # int [k]: the spec's (the model's) integer scores at its last step
    spec_class: int
    rtl_scores: np.ndarray   # int [k]: the RTL's at that step
    rtl_class: int
    stream: dict = None      # the whole input stream that shows it: {port: uint8 [clocks, width]}


def prove_recurrent(rtl_files, model, work, top, rtl_report, engine=None, seed=0):
    """Prove the recurrent RTL (Verilog files, top `top`, report.json's rtl section
    `rtl_report`) equivalent to the model file over all input streams; work files go to the
    folder `work`. Returns a Proof (method "recurrent")."""
    os.makedirs(work, exist_ok=True)
    ys = yosys.in_folder(work, engine, "verify")
    proof = Proof(False, yosys=ys.version, method="recurrent")
    seconds = proof.seconds
    cslow, latency = int(rtl_report["cslow"]), int(rtl_report["latency"])
    last_only = bool(rtl_report.get("emit_last_only"))
    with step(seconds, "spec"):
        spec = write_recurrent_spec(model, os.path.join(work, "spec_step.v"), SPEC)
    proof.spec_gates = spec.gates
    with step(seconds, "read_rtl"):
        rtl = read_rtl(ys, work, rtl_files, top)
    try:
        with step(seconds, "structure"):
            ports = _check_ports(rtl, spec)
            for name in ("in_first", "in_last"):
                rtl.port(name)
            state = _state_bits(rtl, rtl_report)
            # the step function: the state registers cut into inputs, balanced to the outputs
            proof.latency = pipeline_latency(Module(derive(rtl, cut={"state": state})),
                                             data_inputs=STEP_INPUTS,
                                             outputs=("out_scores", "out_class"))
            if proof.latency != latency:
                raise LgcError(f"the RTL's registers give a latency of {proof.latency} clocks, "
                               f"the build's report says {latency}")
            step_json = derive(combinational(rtl), cut={"state": state})
            core = Module(step_json)
            sums = score_sums(core, spec.n_classes, ports["score_width"])
    except LgcError as e:
        proof.reason = str(e)
        return proof
    leaves = sorted({b for s in sums for b in s.terms})
    proof.leaves = len(leaves)
    with step(seconds, "prove_argmax"):
        cut = [b for c in range(spec.n_classes) for b in _field_sources(core, ports, c)]
        _write_json(work, "cut.json", CUT, derive(core, cut={"cut": cut}))
        failure = _prove_argmax(ys, spec, ports, len(cut), valid=False)
    if failure:
        proof.reason = failure
        return proof
    _write_json(work, f"{RTL}.json", RTL, derive(rtl, outputs={"state": state}))
    _write_json(work, f"{STEP}.json", STEP, derive(core, outputs={"leaves": leaves}))
    miter = _Miter(ys, spec, cslow, latency, last_only, len(leaves), len(state))
    with step(seconds, "elaborate"):
        circuit = miter.elaborate("stream", init=None)
    streams = _random_streams(spec.n_inputs, cslow, seed)
    for proof.refinements in range(MAX_REFINEMENTS + 1):
        with step(seconds, "simulate"):
            out = aig.simulate_frames(*circuit, streams)
            bad = miter.disagreement(out)
        if bad is not None:
            proof.counterexample = miter.counterexample(circuit, streams, bad[0])
            proof.reason = "the RTL and the model disagree on an input stream"
            return proof
        compared = out["compare"][..., 0].astype(bool)
        values = _Values(out["groups"][compared], out["leaves"][compared], None)
        pairs, constants, why = _pair(values, sums, leaves, spec)
        if why:
            proof.reason = f"the group bits cannot be paired with the RTL's: {why}"
            return proof
        proof.pairs, proof.constants = len(pairs), len(constants)
        with step(seconds, "prove_sequential"):
            stream = miter.prove(pairs, constants, _init_hint(out, spec, compared))
        if stream is None:
            break
        streams = _append(streams, stream)  # it shows a disagreement or tells bits apart
    else:
        proof.reason = f"no pairing of the group bits held after {MAX_REFINEMENTS} refinements"
        return proof
    proof.equivalent = True
    return proof


def _state_bits(rtl, report):
    """The bits of the state registers the build's report names (rtl section)."""
    names = report.get("state_registers")
    if not names:
        raise LgcError("the build's report names no state registers (rebuild it with this lgc)")
    nets = rtl.json["netnames"]
    missing = [n for n in names if n not in nets]
    if missing:
        raise LgcError(f"the RTL has no register {missing[0]}")
    bits = [b for n in names for b in nets[n]["bits"]]
    if any(not isinstance(b, int)
           or rtl.cells.get(rtl.driver.get(b, ("",))[0], {}).get("type") != "$dff"
           for b in bits):
        raise LgcError(f"the state {', '.join(names)} is not held in plain registers")
    return bits


def _fit(values, clocks):
    """Values [clocks', ...] cut or padded with idle clocks (zeros) to `clocks` clocks."""
    out = np.zeros((clocks, *values.shape[1:]), np.uint8)
    out[:min(clocks, len(values))] = values[:clocks]
    return out


def _append(streams, stream):
    """The streams and one more (idle clocks added at the end of the shorter)."""
    clocks = max(len(next(iter(streams.values()))), len(next(iter(stream.values()))))
    return {port: np.concatenate([_fit(v, clocks), _fit(stream[port][:, None], clocks)], axis=1)
            for port, v in streams.items()}


def _random_streams(n_inputs, cslow, seed):
    """{port: uint8 [clocks, streams, width]}: random valid, first and last flags (sequences of
    a few steps, empty slots mixed in) and input bits of the DENSITIES."""
    rng = np.random.default_rng(seed)
    clocks = CLOCKS * cslow
    density = np.array(DENSITIES)[np.arange(STREAMS) % len(DENSITIES)]
    return {"clk": np.zeros((clocks, STREAMS, 1), np.uint8),  # in the AIG, read by nothing
            "in_valid": (rng.random((clocks, STREAMS, 1)) < 0.8).astype(np.uint8),
            "in_first": (rng.random((clocks, STREAMS, 1)) < 0.25).astype(np.uint8),
            "in_last": (rng.random((clocks, STREAMS, 1)) < 0.3).astype(np.uint8),
            "in_bits": (rng.random((clocks, STREAMS, n_inputs))
                        < density[None, :, None]).astype(np.uint8)}


def _init_hint(out, spec, compared):
    """The spec's state before any step, for the proof engine only (no state read before a
    sequence starts is compared): a bit that holds its initial value in every started slot of
    the random streams (a bit the passes folded) starts there; any other bit starts at 0, as
    the RTL's registers do."""
    state = out["state"][out["started"][..., 0].astype(bool)]
    reset = np.asarray(spec.reset, np.uint8)
    constant = (state == reset).all(axis=0) if len(state) else np.ones(len(reset), bool)
    return np.where(constant, reset, 0).astype(np.uint8)


class _Miter:
    """The spec and the RTL side by side in one sequential circuit (yosys makes its AIG)."""

    def __init__(self, ys, spec, cslow, latency, last_only, n_leaves, n_state):
        self.ys, self.spec, self.cslow, self.latency = ys, spec, cslow, latency
        self.last_only, self.n_leaves, self.n_state = last_only, n_leaves, n_state


    def _write(self, name, init, bad):
        spec, k = self.spec, self.spec.n_classes
        with open(os.path.join(self.ys.folder, f"{name}_spec.v"), "w") as f:
            f.write(sequential_spec(spec, self.cslow, self.latency, self.last_only, init))
        g, w = k * spec.group_size, k * spec.score_width
        n, cw = spec.n_inputs, spec.class_width
        outputs = ("output wire bad" if bad is not None else
                   f"output wire compare, output wire [{g - 1}:0] groups, "
                   f"output wire [{self.n_leaves - 1}:0] leaves,\n"
                   f"  output wire spec_valid, output wire rtl_valid, "
                   f"output wire [{w - 1}:0] spec_scores,\n"
                   f"  output wire [{w - 1}:0] rtl_scores, output wire [{cw - 1}:0] spec_class,\n"
                   f"  output wire [{cw - 1}:0] rtl_class, "
                   f"output wire [{spec.state_bits - 1}:0] state,\n"
                   f"  output wire started")
        wires = "" if bad is None else (
            f"  wire compare, spec_valid, rtl_valid;\n  wire [{g - 1}:0] groups;\n"
            f"  wire [{self.n_leaves - 1}:0] leaves;\n  wire [{w - 1}:0] spec_scores, rtl_scores;\n"
            f"  wire [{cw - 1}:0] spec_class, rtl_class;\n")
        with open(os.path.join(self.ys.folder, f"{name}.v"), "w") as f:
            f.write(f"""// The spec and the RTL side by side (lgc.formal.recurrent_proof).
module {MITER} (input wire clk, input wire in_valid, input wire in_first, input wire in_last,
  input wire [{n - 1}:0] in_bits, {outputs});
{wires}  {SPEC} spec (.clk(clk), .in_valid(in_valid), .in_first(in_first), .in_last(in_last),
    .in_bits(in_bits), .compare(compare), .groups(groups), .scores(spec_scores),
    .class(spec_class), .out_valid(spec_valid)
    {"" if bad is not None else ", .slot_state(state), .slot_started(started)"});
  wire [{self.n_state - 1}:0] rtl_state;
  {RTL} rtl (.clk(clk), .rst(1'b0), .in_valid(in_valid), .in_first(in_first), .in_last(in_last),
    .in_bits(in_bits), .out_valid(rtl_valid), .out_scores(rtl_scores), .out_class(rtl_class),
    .state(rtl_state));
  {STEP} rtl_step (.clk(clk), .rst(1'b0), .in_valid(in_valid), .in_first(in_first),
    .in_last(in_last), .in_bits(in_bits), .state(rtl_state), .leaves(leaves));
{"" if bad is None else f"  assign bad = (spec_valid != rtl_valid) | (compare & |{bad});"}
endmodule
""")
        self.ys.run(name, [f"read_json {RTL}.json", f"read_json {STEP}.json",
                           f"read_verilog -sv spec_step.v {name}_spec.v {name}.v",
                           f"hierarchy -top {MITER}", "proc", "flatten", "setundef -zero -init",
                           *AIG_FLOW, f"write_aiger -zinit -symbols {name}.aig"])
        return os.path.join(self.ys.folder, f"{name}.aig")

    def elaborate(self, name, init):
        """The miter with every value the pairing reads as outputs: (Aig, latches)."""
        return aig.read_sequential(self._write(name, init, None))

    def disagreement(self, out):
        """(stream, clock) of the first output that differs on a compared step, or None."""
        k = self.spec.n_classes
        valid = out["spec_valid"][..., 0] != out["rtl_valid"][..., 0]
        wrong = valid.copy()
        if self.latency < len(valid):  # the step compared at t leaves the RTL at t + latency
            compare = out["compare"][:len(valid) - self.latency, :, 0].astype(bool)
            scores = [_fields(out[f"{side}_scores"], k) for side in ("spec", "rtl")]
            classes = [_number(out[f"{side}_class"]) for side in ("spec", "rtl")]
            later = slice(self.latency, None)
            differ = ((scores[0][:len(compare)] != scores[1][later]).any(-1)
                      | (classes[0][:len(compare)] != classes[1][later]))
            wrong[later] |= compare & differ
        if not wrong.any():
            return None
        clock, stream = np.argwhere(wrong)[0]
        return int(stream), int(clock)

    def prove(self, pairs, constants, init):
        """ABC on the sequential miter of these pairs and constants: None when proven, else
        the refuting stream {port: uint8 [clocks, width]}."""
        terms = [f"groups[{j}] ^ leaves[{i}]" for j, i in pairs]
        terms += [f"{'groups' if side == 'group' else 'leaves'}[{i}] ^ 1'b{v}"
                  for side, i, v in constants]
        # one flat vector of the differences (a chain of thousands of | nests too deep for yosys)
        path = self._write("miter", init, "{" + ",\n    ".join(terms or ["1'b0"]) + "}")
        folder = self.ys.folder
        for suffix in ("status", "cex"):
            if os.path.exists(os.path.join(folder, f"miter.{suffix}")):
                os.remove(os.path.join(folder, f"miter.{suffix}"))
        self.ys.abc("miter", [f"read_aiger {os.path.basename(path)}", "dprove",
                              "write_status miter.status", "write_cex -a miter.cex"])
        verdict = ""
        if os.path.exists(os.path.join(folder, "miter.status")):
            with open(os.path.join(folder, "miter.status")) as f:
                verdict = f.read().split(" ")[0]
        if verdict == "snl_UNSAT":
            return None
        if verdict != "snl_SAT":
            raise LgcError(f"ABC gave no verdict on the sequential miter "
                           f"({verdict or 'no status'}; see {folder})")
        return self._stream(path, os.path.join(folder, "miter.cex"))

    def _stream(self, path, cex):
        raw, latches = aig.read_binary(path)
        with open(cex) as f:
            lines = [line.strip() for line in f if line.strip() and line[0] in "01"]
        # AIGER 1.9 witness: the latches' initial values, then one line per clock
        frames = lines[1:]
        is_latch = set(latches[:, 0].tolist())
        stream = {port: np.zeros((len(frames), max(bits) + 1), np.uint8)
                  for port, bits in raw.inputs.items() if not set(bits.values()) <= is_latch}
        for t, line in enumerate(frames):
            for port, bits in raw.inputs.items():
                if port in stream:
                    for j, var in bits.items():
                        stream[port][t, j] = int(line[var - 1])
        return stream

    def counterexample(self, circuit, streams, index):
        """The sequence of stream `index` that ends in the first step whose output differs, with
        the spec's and the RTL's scores and class for that step."""
        one = {port: _fit(v[:, index], len(v) + self.latency) for port, v in streams.items()}
        out = aig.simulate_frames(*circuit, {p: v[:, None] for p, v in one.items()})
        _, clock = self.disagreement(out)
        last = clock - self.latency  # the step whose outputs (or out_valid) differ
        steps = []
        for t in range(last, -1, -self.cslow):  # the step's slot, back to its sequence's start
            if one["in_valid"][t, 0]:
                steps.append(t)
                if one["in_first"][t, 0]:
                    break
        k = self.spec.n_classes
        pick = lambda side, when: (_fields(out[f"{side}_scores"][when, 0], k),
                                   int(_number(out[f"{side}_class"][when, 0])))
        (spec_scores, spec_class), (rtl_scores, rtl_class) = pick("spec", last), pick("rtl", clock)
        return SequenceCounterexample(one["in_bits"][steps[::-1]], spec_scores, spec_class,
                                      rtl_scores, rtl_class,
                                      {p: v[:last + 1] for p, v in one.items()})


def _number(bits):
    return (bits.astype(np.int64) << np.arange(bits.shape[-1], dtype=np.int64)).sum(-1)


def _fields(bits, k):
    w = bits.shape[-1] // k
    return _number(bits.reshape(*bits.shape[:-1], k, w))
