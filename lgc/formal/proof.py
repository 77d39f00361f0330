"""The proof behind `lgc verify`: the RTL computes the same scores and class as the unoptimized
network of the model file, for every input (docs/formal.md gives the argument).

1. The spec: behavioural Verilog written from the model file's gates (spec.py).
2. The pipeline: the RTL's registers are balanced, L on every path (rtl_structure): at each clock
   t >= L it computes its combinational function ("the core", registers as wires) of the inputs
   of clock t - L, and out_valid is in_valid delayed by the same L.
3. The sums: each out_scores field of the core is an exact integer sum of single bits of logic
   (the leaves) plus a constant, read off its adders (rtl_structure): no SAT for adder trees.
4. The group bits: random vectors pair every spec group bit with a leaf of its class (same
   values) or a constant; SAT proves each pair equal for all inputs (ABC's &cec in yosys). Paired
   bits and matching constants make every leaf sum equal its class's count in the spec. A pairing
   that SAT refutes gains the refuting vector and is paired again (values now tell the bits apart).
5. The argmax: with the score fields cut into free inputs, each at most its group size (what 3
   and 4 show they are), SAT proves the core's class equal the spec's argmax of its fields, and
   out_valid equal in_valid.
A vector on which the spec and the core disagree is a counterexample, from any step.
"""

import collections
import dataclasses
import json
import logging
import os

import numpy as np

from ..build import step
from ..errors import LgcError
from ..tools import yosys
from . import aig
from .rtl_structure import Module, combinational, derive, output_cone, pipeline_latency, score_sums
from .spec import argmax_module, write_spec

log = logging.getLogger("lgc")

SPEC, CORE, CUT = "lgc_spec", "core_comb", "core_cut"
CONTROL = {"clk": "1'b0", "rst": "1'b0"}  # the proof covers operation with reset low
# Bit probabilities of the random vectors: skewed ones reach rarely-set bits (OR pooling, ...).
DENSITIES = (0.5, 0.1, 0.9, 0.25, 0.75, 0.03, 0.97)
MAX_REFINEMENTS = 64
# To and-inverter gates: conditionals with constant leaves fold first, aigmap maps the word-level
# cells itself (techmap first needs several times the memory: a 128k-gate spec hit wasm32's 4 GB).
AIG_FLOW = ["opt_expr -mux_bool", "opt_clean", "aigmap", "techmap", "aigmap", "opt_clean"]


@dataclasses.dataclass
class Counterexample:
    bits: np.ndarray        # uint8 [n_inputs]: the input vector (in_bits)
    spec_scores: np.ndarray  # int [k]: the spec's (the model's) integer scores
    spec_class: int
    rtl_scores: np.ndarray  # int [k]: what the RTL outputs (its registers as wires)
    rtl_class: int


@dataclasses.dataclass
class Proof:
    equivalent: bool
    reason: str = ""                 # why not, when not
    method: str = "whole"            # "whole": both sides elaborated whole; "stages": stage_proof
    yosys: str = ""                  # the yosys engine and its version
    latency: int = None
    spec_gates: int = 0
    leaves: int = 0
    pairs: int = 0
    constants: int = 0
    refinements: int = 0
    reused: bool = False             # the verdict of an earlier run on the same inputs
                                     # (verdicts.py)
    parts: list = dataclasses.field(default_factory=list)  # stage proofs: one dict per ABC run
    seconds: dict = dataclasses.field(default_factory=dict)
    counterexample: Counterexample = None

    def summary(self):
        """The report.json section (without the counterexample's arrays)."""
        out = {k: v for k, v in dataclasses.asdict(self).items() if k != "counterexample"}
        out["seconds"] = {k: round(v, 3) for k, v in self.seconds.items()}
        out["total_seconds"] = round(sum(self.seconds.values()), 3)
        if self.counterexample is not None:
            cex = self.counterexample
            bits = ["".join(map(str, row)) for row in np.atleast_2d(cex.bits).tolist()]
            out["counterexample"] = {"bits": bits[0] if cex.bits.ndim == 1 else bits,
                                     "spec_scores": cex.spec_scores.tolist(),
                                     "spec_class": cex.spec_class,
                                     "rtl_scores": cex.rtl_scores.tolist(),
                                     "rtl_class": cex.rtl_class}
        return out


def prove(rtl_files, model, work, top="lgc_core", latency=None, arch=None, parametrization=None,
          vectors=4096, seed=0, engine=None):
    """Prove the RTL (Verilog files, top module `top`) equivalent to the model file; work files go
    to the folder `work`. `latency`, when given, must be the pipeline's. `engine`: the yosys
    engine (lgc.tools.yosys.choose)."""
    os.makedirs(work, exist_ok=True)
    ys = yosys.in_folder(work, engine, "verify")
    proof = Proof(False, yosys=ys.version)
    seconds = proof.seconds
    with step(seconds, "spec"):
        spec = write_spec(model, os.path.join(work, "spec.v"), arch, parametrization, module=SPEC)
    proof.spec_gates = spec.gates
    with step(seconds, "read_rtl"):
        rtl = read_rtl(ys, work, rtl_files, top)
    try:
        with step(seconds, "structure"):
            ports, core, sums = read_structure(rtl, spec, proof, latency)
    except LgcError as e:
        proof.reason = str(e)
        return proof
    leaves = sorted({b for s in sums for b in s.terms})
    proof.leaves = len(leaves)
    cut = [b for c in range(spec.n_classes) for b in _field_sources(core, ports, c)]
    with step(seconds, "elaborate"):
        _write_json(work, "core.json", CORE, derive(core, outputs={"leaves": leaves}))
        _write_json(work, "cut.json", CUT, output_cone(core, derive(core, cut={"cut": cut})))
        sim = _Simulation(elaborate(ys, "spec", "read_verilog -sv spec.v", SPEC),
                          elaborate(ys, "core", "read_json core.json", CORE), spec, ports)
    x = _random_vectors(vectors, spec.n_inputs, seed)
    for proof.refinements in range(MAX_REFINEMENTS + 1):
        with step(seconds, "simulate"):
            values = sim.run(x)
        if values.disagreement is not None:
            proof.counterexample = sim.counterexample(x[values.disagreement])
            proof.reason = "the RTL and the model disagree on an input vector"
            return proof
        pairs, constants, why = _pair(values, sums, leaves, spec)
        if why:
            proof.reason = f"the group bits cannot be paired with the RTL's: {why}"
            return proof
        proof.pairs, proof.constants = len(pairs), len(constants)
        with step(seconds, "prove_group_bits"):
            refuted = _prove_group_bits(ys, sim, pairs, constants)
        if refuted is None:
            break
        x = np.concatenate([x, refuted[None]])  # it tells apart bits that were paired wrongly
    else:
        proof.reason = f"no pairing of the group bits held after {MAX_REFINEMENTS} refinements"
        return proof
    with step(seconds, "prove_argmax"):
        failure = _prove_argmax(ys, spec, ports, len(cut))
    if failure:
        proof.reason = failure
        return proof
    proof.equivalent = True
    return proof


def read_rtl(ys, work, rtl_files, top):
    """The RTL's top module, flattened by yosys (in `work`), as a netlist to read."""
    files = [os.path.relpath(os.path.abspath(f), os.path.abspath(work)) for f in rtl_files]
    ys.run("read_rtl", ["read_verilog -sv " + " ".join(files), f"hierarchy -top {top}",
                        "proc", "flatten", "opt_clean", "write_json rtl.json"])
    return Module(_read_json(os.path.join(work, "rtl.json"))["modules"][top])


def read_structure(rtl, spec, proof, latency):
    """The structural checks both methods start with: the ports against the spec's, one latency
    on every path (recorded in `proof`; equal to `latency` when given). Returns (ports, the
    combinational core, the score sums); LgcError where the RTL breaks them."""
    ports = _check_ports(rtl, spec)
    proof.latency = pipeline_latency(rtl)
    if latency is not None and latency != proof.latency:
        raise LgcError(f"the RTL's registers give a latency of {proof.latency} clocks, "
                       f"the build's report says {latency}")
    core = combinational(rtl)
    return ports, core, score_sums(core, spec.n_classes, ports["score_width"])


def _random_vectors(n, n_inputs, seed):
    """About n vectors, in blocks of each density of DENSITIES, then all zeros and all ones."""
    rng = np.random.default_rng(seed)
    blocks = [rng.random((n // len(DENSITIES) + 1, n_inputs)) < p for p in DENSITIES]
    return np.concatenate(blocks + [np.zeros((1, n_inputs)),
                                    np.ones((1, n_inputs))]).astype(np.uint8)


def elaborate(ys, name, read, top):
    """The module `top` (read by the yosys command `read`) as yosys (an lgc.tools.yosys.Yosys)
    elaborates it, in and-inverter gates (NAME.aig in its folder)."""
    ys.run(name, [read, f"hierarchy -top {top}", "proc", "flatten", *AIG_FLOW,
                  f"write_aiger -symbols {name}.aig"])
    return aig.read_combinational(os.path.join(ys.folder, f"{name}.aig"))


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def _write_json(work, name, module_name, module):
    with open(os.path.join(work, name), "w") as f:
        json.dump({"creator": "lgc verify", "modules": {module_name: module}}, f)


def _check_ports(rtl, spec):
    """The RTL's port widths, checked against the spec's."""
    n_in, n_scores = len(rtl.port("in_bits")), len(rtl.port("out_scores"))
    for name in ("clk", "rst", "in_valid", "out_valid", "out_class"):
        rtl.port(name)
    if n_in != spec.n_inputs:
        raise LgcError(f"the RTL reads {n_in} input bits, the model {spec.n_inputs}")
    if n_scores % spec.n_classes:
        raise LgcError(f"the RTL's {n_scores} score bits are not {spec.n_classes} equal fields")
    class_width = len(rtl.port("out_class"))
    if (spec.n_classes - 1).bit_length() > class_width:
        raise LgcError(f"the RTL's out_class ({class_width} bits) cannot name "
                       f"{spec.n_classes} classes")
    return {"score_width": n_scores // spec.n_classes, "class_width": class_width}


def _field_sources(core, ports, c):
    """The bits that drive class c's out_scores field (through buffers), constants left out."""
    w = ports["score_width"]
    bits = [core.resolve(b) for b in core.port("out_scores")[c * w:(c + 1) * w]]
    return [b for b in bits if isinstance(b, int)]


# --- random vectors ----------------------------------------------------------------------------

@dataclasses.dataclass
class _Values:
    groups: np.ndarray   # uint8 [N, n]: the spec's group bits
    leaves: np.ndarray   # uint8 [N, leaves]: the core's leaves
    disagreement: int    # index of a vector whose outputs differ, or None


class _Simulation:
    """Both sides on the same vectors, through the AIGs yosys made of them."""

    def __init__(self, spec_aig, core_aig, spec, ports):
        self.spec_aig, self.core_aig, self.spec, self.ports = spec_aig, core_aig, spec, ports

    def outputs(self, x, valid=None):
        n = len(x)
        valid = np.arange(n, dtype=np.uint8)[:, None] % 2 if valid is None else valid
        spec = self.spec_aig.evaluate({"in_bits": x})
        core = self.core_aig.evaluate({"in_bits": x, "in_valid": valid, **{
            name: np.zeros((n, 1), np.uint8) for name in CONTROL}})
        return spec, core, valid

    def run(self, x):
        spec, core, valid = self.outputs(x)
        k = self.spec.n_classes
        same = (np.all(_fields(spec["out_scores"], k) == _fields(core["out_scores"], k), axis=1)
                & (_number(spec["out_class"]) == _number(core["out_class"]))
                & (core["out_valid"][:, 0] == valid[:, 0]))
        bad = np.flatnonzero(~same)
        return _Values(spec["groups"], core["leaves"], int(bad[0]) if len(bad) else None)

    def counterexample(self, bits):
        spec, core, _ = self.outputs(bits[None], np.ones((1, 1), np.uint8))
        k = self.spec.n_classes
        return Counterexample(bits.astype(np.uint8), _fields(spec["out_scores"], k)[0],
                              int(_number(spec["out_class"])[0]), _fields(core["out_scores"], k)[0],
                              int(_number(core["out_class"])[0]))


def _number(bits):
    """Unsigned integers from bit columns (bit 0 first), one per row."""
    return (bits.astype(np.int64) << np.arange(bits.shape[1], dtype=np.int64)).sum(axis=1)


def _fields(bits, k):
    w = bits.shape[1] // k
    return _number(bits.reshape(-1, w)).reshape(len(bits), k)


# --- the group bits ----------------------------------------------------------------------------

def _pair(values, sums, leaves, spec):
    """Pairs (group bit, leaf) and constants (("group" | "leaf", index, value)) such that, if every
    pair is equal and every constant constant, each class's leaf sum equals its spec count; or
    a reason why no such pairing exists on these vectors."""
    index = {b: i for i, b in enumerate(leaves)}
    n = len(values.groups)
    signature = _signatures(values.groups)
    leaf_signature = _signatures(values.leaves)
    zero, one = (_signatures(np.zeros((n, 1), np.uint8))[0],
                 _signatures(np.ones((n, 1), np.uint8))[0])
    pairs, constants, m = [], [], spec.group_size
    for c, total in enumerate(sums):
        # signature -> leaves, a leaf once per unit of coefficient
        waiting = collections.defaultdict(list)
        ones = total.const
        for bit, coefficient in total.terms.items():
            i = index[bit]
            if coefficient < 0:
                return [], [], f"class {c} subtracts a bit"
            if leaf_signature[i] in (zero, one):
                constants.append(("leaf", i, int(leaf_signature[i] == one)))
                ones += coefficient * (leaf_signature[i] == one)
            else:
                waiting[leaf_signature[i]].extend([i] * coefficient)
        for j in range(c * m, (c + 1) * m):
            if signature[j] in (zero, one):
                constants.append(("group", j, int(signature[j] == one)))
                ones -= signature[j] == one
            elif waiting.get(signature[j]):
                pairs.append((j, waiting[signature[j]].pop()))
            else:
                return [], [], f"group bit {j} of class {c} has no leaf of the same values"
        left = sum(len(v) for v in waiting.values())
        if left or ones:
            return [], [], (f"class {c} has {left} leaves and a constant {ones:+d} more than its "
                            "group bits")
    return pairs, constants, ""


def _signatures(bits):
    """Each column's values on all vectors, as bytes."""
    packed = np.packbits(bits, axis=0)
    return [packed[:, j].tobytes() for j in range(bits.shape[1])]


def _prove_group_bits(ys, sim, pairs, constants):
    """ABC: every pair equal, every constant constant, for all inputs. None when proven, else
    the refuting input vector."""
    groups, leaves = sim.spec_aig.outputs["groups"], sim.core_aig.outputs["leaves"]
    terms = [(groups[j], leaves[i]) for j, i in pairs]
    terms += [(groups[i], v) if side == "group" else (v, leaves[i]) for side, i, v in constants]
    if not terms:
        return None
    inputs, outputs, ands = aig.miter(sim.spec_aig, sim.core_aig, terms,
                                      ties={name: 0 for name in CONTROL})
    aig.write_binary(os.path.join(ys.folder, "group_bits.aig"), len(inputs), outputs, ands)
    values = _miter_check(ys, "group_bits")
    if values is None:
        return None
    x = np.zeros(sim.spec.n_inputs, np.uint8)
    for (port, bit), value in zip(inputs, values):
        if port == "in_bits":
            x[bit] = value
    return x


def _prove_argmax(ys, spec, ports, n_cut, valid=True):
    """SAT: the core's class is the spec's argmax of its score fields, and (with `valid`)
    out_valid is in_valid, whatever the fields' sources hold within the group size."""
    k, w, cw = spec.n_classes, ports["score_width"], ports["class_width"]
    possible = " && ".join(f"scores[{c * w} +: {w}] <= {spec.group_size}" for c in range(k))
    cut = f"input wire [{n_cut - 1}:0] cut, " if n_cut else ""
    work = ys.folder
    with open(os.path.join(work, "argmax.v"), "w") as f:
        f.write(f"""// The RTL with its score fields cut free, against the spec's argmax of those
// fields.
module argmax (input wire [{spec.n_inputs - 1}:0] in_bits, input wire in_valid,
  {cut}output wire [1:0] pair);
  wire [{k * w - 1}:0] scores;
  wire [{cw - 1}:0] index, expected;
  wire valid, bad;
  {CUT} core (.in_bits(in_bits), .in_valid(in_valid), {_control()},
    {".cut(cut), " if n_cut else ""}.out_scores(scores), .out_class(index), .out_valid(valid));
  {SPEC}_argmax #(.K({k}), .W({w}), .CW({cw})) spec (.scores(scores), .index(expected));
  assign bad = (({possible}) && index != expected){" || valid != in_valid" if valid else ""};
  assign pair = {{1'b0, bad}};  // a dual-output miter: bad against 0
endmodule
""")
    with open(os.path.join(work, "spec_argmax.v"), "w") as f:
        f.write(argmax_module(SPEC))
    ys.run("argmax", ["read_json cut.json", "read_verilog -sv spec_argmax.v argmax.v",
                      "hierarchy -top argmax", "proc", "flatten", *AIG_FLOW,
                      "write_aiger argmax.aig"])
    if _miter_check(ys, "argmax") is None:
        return ""
    return ("the RTL's argmax disagrees with the model's for some scores (its out_class or "
            f"out_valid; see {os.path.join(work, 'argmax.log')})")


def _control():
    return ", ".join(f".{name}({value})" for name, value in CONTROL.items())


def _miter_check(ys, name):
    """ABC on the dual-output miter work/NAME.aig (outputs 2i and 2i + 1 a pair, aig.miter):
    None when every pair is equal for all inputs, else the inputs' values (in variable order) of
    a vector where one pair differs. `&cec -m -d` decides (SAT sweeping: it proves internal
    points of both sides equal first) and its status file holds the refuting vector."""
    work = ys.folder
    status = os.path.join(work, f"{name}.status")
    if os.path.exists(status):
        os.remove(status)
    ys.abc(name, [f"&r {name}.aig", "&cec -m -d", f"write_status {name}.status"])
    lines = []
    if os.path.exists(status):
        with open(status) as f:
            lines = f.read().split("\n")
    verdict = lines[0].split(" ")[0] if lines else ""
    if verdict == "snl_UNSAT":
        return None
    # snl_SAT, then the initial state (no registers: empty), then the input values
    if verdict != "snl_SAT" or len(lines) < 3 or not lines[2] or set(lines[2]) - {"0", "1"}:
        raise LgcError(f"ABC gave no verdict with a counterexample on {name} "
                       f"({verdict or 'no status'}; see {work})")
    return np.array([int(ch) for ch in lines[2]], dtype=np.uint8)
