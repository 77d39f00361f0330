"""The proof at the pipeline's stage registers, for models too large to elaborate whole
(docs/formal.md, "Stage by stage").

1. The spec as an and-inverter graph straight from the model file's tensors (spec_aig.py).
2. Each gate stage `lgc_gates_sN` through yosys alone: an AIG from its input vector `i` to its
   output `o`, one register on every path (or none, when no pipeline register follows it).
3. The rest of the RTL (core, datapath, popcount, argmax) with every gate stage replaced by a
   stub of the same ports and latency: its pipeline balance, its scores as exact sums of the
   stages' output bits or input bits (the leaves: mostly the last stage's; the popcount may
   read bits of an earlier boundary too) and its argmax are proven as in proof.py.
4. Random vectors run through the spec and the stages: each stage output bit is matched to a
   spec node with the same values, up to complement (a bit with no such node is computed from
   the previous matched cut: the window widens). A vector where the scores differ is a
   counterexample at once.
5. Stage N, by induction: assuming every matched bit of the stages before it equals its spec
   node, ABC proves each matched bit of stage N equal to its node, with the matched nodes of
   the earlier stages (and the input bits) as free inputs. A refuted bit is tried again on its
   whole cone from the input bits: proven there, it stands; refuted there, the input vector
   joins the random ones (a counterexample, or a better matching).
6. The leaves' nodes are paired with the spec's group bits, class by class; the few pairs that
   are different nodes are proven equal in the spec alone.
"""

import collections
import concurrent.futures
import contextlib
import dataclasses
import os
import re
import threading
import time

import numpy as np

from ..build import step
from ..errors import LgcError
from ..tools import cluster, yosys
from . import aig, verdicts
from .proof import (
    AIG_FLOW,
    CUT,
    Counterexample,
    Proof,
    _field_sources,
    _miter_check,
    _prove_argmax,
    _random_vectors,
    _read_json,
    _write_json,
    read_structure,
)
from .rtl_structure import Module, derive, output_cone
from .spec_aig import build_spec_aig

GATES = re.compile(r"^module (lgc_gates_s(\d+)) \(", re.M)
PORTS = re.compile(r"input wire \[(\d+):0\] i,\s*output (reg|wire) \[(\d+):0\] o\b")
STUB = "lgc_stub"
MAX_REFINEMENTS = 64
VECTORS_PER_ROUND = 4  # refuting vectors a stage collects before the vectors are simulated again
MAX_ROUNDS = 64  # ABC runs per stage, each leaving out the bits its counterexample refutes
WORKERS = max(1, min(2, os.cpu_count() or 1))
# Verilog of gate stages read by yosys at a time: it needs about 200 bytes of memory per byte
# (bench/README.md), so a 4M-gate model's stages (45 + 33 MB) go one after the other
YOSYS_VERILOG = 40 << 20
VECTORS = 1 << 16  # random vectors for the matching: near-constant nodes need many
BLOCK = 4096  # vectors simulated at a time
WINDOW_MISSES = 3  # windows refuted where the cones held, before the cones decide the stage
ROWS = 8192  # rows of node values turned into numbers at a time (the memory of a few copies)
RARE = 16  # a node that took one of its values this few times is aimed at (_aimed_vectors)


@dataclasses.dataclass
class Stage:
    name: str
    number: int
    path: str
    inputs: int
    outputs: int
    registered: bool
    aig: object = None   # aig.Aig: input port "i", output "o", registers as wires


def prove_stages(rtl_files, model, work, top="lgc_core", latency=None, arch=None,
                 parametrization=None, vectors=VECTORS, seed=0, engine=None, scheduler=None):
    """Prove the RTL equivalent to the model file stage by stage (module docstring); the same
    arguments and Proof as proof.prove; with a Dask `scheduler`'s address, its workers run the
    yosys and ABC runs (the parts: each stage's netlist and miters)."""
    os.makedirs(work, exist_ok=True)
    ys = yosys.in_folder(os.path.abspath(work), engine, "verify")
    if scheduler is None:
        return _prove_stages(ys, rtl_files, model, work, top, latency, arch, parametrization,
                             vectors, seed)
    with cluster.cluster(scheduler) as client:
        workers = max(1, len(client.scheduler_info()["workers"]))
        return _prove_stages(_OnCluster(ys, client, workers), rtl_files, model, work, top, latency,
                             arch, parametrization, vectors, seed)


@dataclasses.dataclass(frozen=True)
class _OnCluster:
    """A yosys.Yosys whose runs are tasks on a Dask cluster: the same files in the same folder,
    run by a worker (a task whose worker dies runs again: tools.cluster)."""
    local: object
    client: object
    workers: int  # parts run at a time

    folder = property(lambda self: self.local.folder)
    version = property(lambda self: self.local.version)

    def run(self, name, commands):
        return self.client.submit(_tool, self.local, "run", name, commands, pure=False).result()

    def abc(self, name, commands):
        return self.client.submit(_tool, self.local, "abc", name, commands, pure=False).result()


def _width(ys):
    """Parts run at a time: the cluster's workers, else WORKERS threads here."""
    return getattr(ys, "workers", WORKERS)


def _tool(ys, kind, name, commands):
    """On a worker: yosys (kind "run") or ABC ("abc") with `commands` in ys's folder."""
    return getattr(ys, kind)(name, commands)


def _prove_stages(ys, rtl_files, model, work, top, latency, arch, parametrization, vectors, seed):
    proof = Proof(False, yosys=ys.version, method="stages")
    seconds = proof.seconds
    with step(seconds, "spec"):
        spec = build_spec_aig(model, arch, parametrization)
    proof.spec_gates = spec.gates
    stages, rest = _split(rtl_files)
    try:
        budget = _Budget(YOSYS_VERILOG)
        with step(seconds, "read_stages"), \
                concurrent.futures.ThreadPoolExecutor(_width(ys)) as pool:
            list(pool.map(lambda s: _elaborate_stage(ys, s, work, budget), stages))
        first_in, sums, leaf_of = _prove_rest(ys, work, top, rest, stages, spec, proof, latency)
    except LgcError as e:
        proof.reason = str(e)
        return proof
    x = _random_vectors(vectors, spec.n_inputs, seed)  # then only the new vectors of a refinement
    checker, run = _Checker(spec, stages, first_in, sums, leaf_of), None
    for proof.refinements in range(MAX_REFINEMENTS + 1):
        with step(seconds, "simulate"):
            run = checker.simulate(x, run)
        if run.disagreement is None and proof.refinements == 0:
            with step(seconds, "aim"):
                aimed = _aimed_vectors(ys, spec.aig, run.spec, seed)
            with step(seconds, "simulate"):
                run = checker.simulate(aimed, run)
        if run.disagreement is not None:
            proof.counterexample = checker.counterexample(run.disagreement)
            proof.reason = "the RTL and the model disagree on an input vector"
            return proof
        with step(seconds, "match"):
            # spec nodes told apart here stay apart (unmerged: the cut is smaller, still sound)
            graph, apart = checker.join(run, ys)
        with step(seconds, "prove_stages"):
            refuting = graph.prove_stages(ys)
        if not refuting:
            proof.pairs, proof.constants, why = graph.pair_groups(run)
            if why:
                proof.reason = f"the group bits cannot be paired with the RTL's: {why}"
                return proof
            with step(seconds, "prove_group_bits"):
                refuting = graph.prove_groups(ys)
        proof.parts = sorted(graph.parts, key=lambda part: part["stage"]) or proof.parts
        if not refuting:
            break
        x = _near(np.stack(refuting + apart), seed + proof.refinements + 1)
    else:
        proof.reason = f"no matching of the stages held after {MAX_REFINEMENTS} refinements"
        return proof
    proof.equivalent = True
    return proof


def _prove_rest(ys, work, top, rest, stages, spec, proof, latency):
    """The rest of the RTL around stubs of the gate stages: its structure (proof.read_structure)
    and its argmax proven; returns (the in_bits index of each bit of the first stage's input, the
    score sums, {leaf: (stage number, its output bit) or (0, in_bits index)}). LgcError where it
    fails. (Its netlist, the largest data of the proof, is freed on return.)"""
    seconds = proof.seconds
    with step(seconds, "read_rtl"):
        files = [_relative(f, work) for f in rest] + [_write_stubs(work, stages)]
        ys.run("read_rest", ["read_verilog -sv " + " ".join(files), f"hierarchy -top {top}",
                             "proc", "flatten", "opt_clean", "write_json rest.json"])
        rtl = Module(_read_json(os.path.join(work, "rest.json"))["modules"][top])
    with step(seconds, "structure"):
        ports, core, sums = read_structure(rtl, spec, proof, latency)
        first_in = _stage_inputs(core, stages[0])
        leaf_of = _leaf_indices(core, stages, sums)
    proof.leaves = len({b for s in sums for b in s.terms})
    with step(seconds, "prove_argmax"):
        cut = [b for c in range(spec.n_classes) for b in _field_sources(core, ports, c)]
        _write_json(work, "cut.json", CUT, output_cone(core, derive(core, cut={"cut": cut})))
        failure = _prove_argmax(ys, spec, ports, len(cut))
    if failure:
        raise LgcError(failure)
    return first_in, sums, leaf_of


def _aimed_vectors(ys, graph, keys, seed, name="aimed"):
    """Input vectors aimed at the spec's rare nodes: each gate that took one of its values on
    at most RARE of the vectors so far, and whose values so far are another node's (so the
    matching could take one for the other), set to that value by ABC (`&gencex`: simulation,
    then SAT), the inputs it leaves free random. Near-constant nodes (OR pooling over conv
    trees) are told apart so, wholesale, instead of by one ABC run of the proof each. They only
    join the random vectors: nothing is proven by them."""
    minority = np.minimum(keys.ones, keys.n - keys.ones)
    order = np.argsort(keys.keys, kind="stable")
    sorted_keys = keys.keys[order]
    alike = np.zeros(graph.variables, bool)
    alike[order[1:]] = sorted_keys[1:] == sorted_keys[:-1]
    alike[order[:-1]] |= sorted_keys[:-1] == sorted_keys[1:]
    rare = np.flatnonzero(alike & (minority <= RARE)
                          & (np.arange(graph.variables) > graph.n_inputs))
    if not len(rare):
        return np.zeros((0, graph.n_inputs), np.uint8)
    value = (2 * keys.ones[rare] < keys.n) ^ keys.flips[rare]  # the rare value
    lits = 2 * rare + (value ^ 1)  # 1 where the node takes it
    free, outputs, fanins = aig.window(graph, np.stack([lits, lits], 1),
                                       np.arange(graph.variables) <= graph.n_inputs)
    aig.write_binary(os.path.join(ys.folder, f"{name}.aig"), len(free), outputs[0::2], fanins)
    found = os.path.join(ys.folder, f"{name}.cex")
    if os.path.exists(found):
        os.remove(found)
    ys.abc(name, [f"&r {name}.aig", f"&gencex -C 1 -F {name}.cex"])
    with open(found) as f:  # "output : 01-1..." (- for an input it leaves free) or "output : unsat"
        rows = [line.split(" : ")[1] for line in f.read().splitlines() if " : " in line]
    rows = [r for r in rows if set(r) <= set("01-") and len(r) == len(free)]
    rng = np.random.default_rng(seed)
    x = (rng.random((len(rows), graph.n_inputs)) < 0.5).astype(np.uint8)
    if rows:
        care = np.frombuffer("".join(rows).encode(), np.uint8).reshape(len(rows), len(free))
        columns = x[:, free - 1]
        x[:, free - 1] = np.where(care == ord("-"), columns, care - ord("0"))
    return x


def _near(vectors, seed, copies=63, flip=0.02):
    """The refuting vectors and `copies` neighbours of each (a few bits flipped): they tell apart
    the nodes a refuting vector did (near-constant ones, alike on random vectors) wholesale."""
    rng = np.random.default_rng(seed)
    near = (np.repeat(vectors, copies, axis=0)
            ^ (rng.random((len(vectors) * copies, vectors.shape[1])) < flip))
    return np.concatenate([vectors, near.astype(np.uint8)])


def _relative(path, work):
    return os.path.relpath(os.path.abspath(path), os.path.abspath(work))


def _split(rtl_files):
    """(gate Stages in order, the other files)."""
    stages, rest = [], []
    for path in rtl_files:
        with open(path) as f:
            head = f.read(4096)
        found = GATES.search(head)
        if found is None:
            rest.append(path)
            continue
        ports = PORTS.search(head)
        if ports is None:
            raise LgcError(f"{path}: the gate stage's ports are not (clk, i, o)")
        stages.append(Stage(found.group(1), int(found.group(2)), path, int(ports.group(1)) + 1,
                            int(ports.group(3)) + 1, ports.group(2) == "reg"))
    stages.sort(key=lambda s: s.number)
    if not stages or [s.number for s in stages] != list(range(1, len(stages) + 1)):
        raise LgcError("the RTL has no gate stages lgc_gates_s1, s2, ... to prove one by one")
    return stages, rest


def _write_stubs(work, stages):
    """Every gate stage as a stub of the same ports and latency whose output bits are distinct
    cells (`~` of one input bit), so the rest's structure can be read around them."""
    with open(os.path.join(work, "stubs.v"), "w") as f:
        for s in stages:
            drive = "always @(posedge clk) o <=" if s.registered else "assign o ="
            f.write(f"module {s.name} (input wire clk, input wire [{s.inputs - 1}:0] i, "
                    f"output {'reg' if s.registered else 'wire'} [{s.outputs - 1}:0] o);\n"
                    f"  wire [{s.inputs - 1}:0] {STUB}_in_s{s.number} = i;\n"
                    f"  wire [{s.outputs - 1}:0] {STUB}_out_s{s.number} = "
                    f"~{{{s.outputs}{{i[0]}}}};\n"
                    f"  {drive} {STUB}_out_s{s.number};\nendmodule\n")
    return "stubs.v"


class _Budget:
    """At most `limit` bytes of Verilog in yosys at a time (a file larger than that alone)."""

    def __init__(self, limit):
        self.limit, self.used, self.changed = limit, 0, threading.Condition()

    @contextlib.contextmanager
    def reading(self, path):
        size = os.path.getsize(path)
        with self.changed:
            self.changed.wait_for(lambda: self.used == 0 or self.used + size <= self.limit)
            self.used += size
        try:
            yield
        finally:
            with self.changed:
                self.used -= size
                self.changed.notify_all()


def _elaborate_stage(ys, stage, work, budget):
    name = f"stage{stage.number}"
    commands = [f"read_verilog -sv {_relative(stage.path, work)}", f"hierarchy -top {stage.name}",
                "proc", "flatten", *AIG_FLOW, f"write_aiger -symbols {name}.aig"]
    path = os.path.join(work, f"{name}.aig")
    with open(stage.path, "rb") as f:
        made_from = [f.read(), ys.version, *commands]
    if not verdicts.artifact_is_current(path, made_from):  # an unchanged stage: yosys's AIG again
        verdicts.forget_artifact(path)
        with budget.reading(stage.path):
            ys.run(name, commands)
        verdicts.mark_artifact(path, made_from)
    graph, latches = aig.read_binary(path)
    stage.aig, clocks = aig.registers_as_wires(graph, latches, ["i"])
    if graph.inputs.get("clk") and len(latches) == 0:
        raise LgcError(f"{stage.name} reads clk but holds no register")
    if clocks != int(stage.registered):
        raise LgcError(f"{stage.name}: its output crosses {clocks} registers, "
                       f"not {int(stage.registered)}")
    if sorted(stage.aig.outputs) != ["o"] or len(stage.aig.outputs["o"]) != stage.outputs:
        raise LgcError(f"{stage.name}: its AIG does not have the output o of {stage.outputs} bits")


def _netname(core, suffix):
    found = [bits["bits"] for name, bits in core.json["netnames"].items() if name.endswith(suffix)]
    if len(found) != 1:
        raise LgcError(f"the RTL's netlist has {len(found)} wires named *{suffix}")
    return found[0]


def _stage_inputs(core, stage):
    """in_bits index of each bit of the first stage's input (through the input register)."""
    in_bits = {b: j for j, b in enumerate(core.port("in_bits"))}
    index = []
    for bit in _netname(core, f"{STUB}_in_s{stage.number}"):
        bit = core.resolve(bit)
        if bit not in in_bits:
            raise LgcError(f"bit {len(index)} of {stage.name}'s input is not an input bit")
        index.append(in_bits[bit])
    return np.array(index, np.int64)


def _leaf_indices(core, stages, sums):
    """{leaf bit: (stage number, index of its output bit), or (0, index of the input bit)}: the
    popcount may read any boundary (the first sums of bits made before the last stage run
    beside it); LgcError for a score that counts another bit."""
    out = {core.resolve(b): (0, j) for j, b in enumerate(core.port("in_bits"))}
    for stage in stages:
        out.update({core.resolve(b): (stage.number, j)
                    for j, b in enumerate(_netname(core, f"{STUB}_out_s{stage.number}"))})
    for c, total in enumerate(sums):
        for bit in total.terms:
            if bit not in out:
                raise LgcError(f"the score of class {c} counts a bit that is neither an input "
                               "bit nor an output bit of a gate stage")
    return out


# --- simulation, matching and the joined graph -----------------------------------------------

@dataclasses.dataclass
class _Run:
    spec: object           # _Keys of every spec variable's values
    stages: list           # [_Keys]: of each stage's output bits
    disagreement: np.ndarray  # a vector on which the scores differ, or None
    spec_scores: np.ndarray  # int [N, k] (of the last block of vectors simulated)
    rtl_scores: np.ndarray   # int [N, k]: the leaves' sums


class _Keys:
    """A hash of each row's values over blocks of vectors, the same for a row and its
    complement, whether the row was complemented to get it (its value on the first vector), and
    how often the complemented row was 1 in the `n` vectors so far."""

    def __init__(self):
        self.keys = self.flips = self.ones = None
        self.n = 0

    def add(self, values, n):
        if self.flips is None:
            self.flips = (values[:, 0] & np.uint64(1)).astype(np.int64)
            self.keys = np.zeros(len(values), np.uint64)
            self.ones = np.zeros(len(values), np.int64)
        weights = np.random.default_rng(1).integers(1, 2 ** 63, values.shape[1],
                                                    dtype=np.uint64) | np.uint64(1)
        for start in range(0, len(values), ROWS):  # a few copies of ROWS rows, not of them all
            rows = slice(start, start + ROWS)
            chunk = values[rows] ^ (np.uint64(0) - self.flips[rows].astype(np.uint64))[:, None]
            if n % 64:
                chunk[:, -1] &= np.uint64((1 << (n % 64)) - 1)
            self.ones[rows] += np.bitwise_count(chunk).sum(axis=1, dtype=np.int64)
            block = (chunk * weights).sum(axis=1) ^ (chunk >> np.uint64(29)).sum(axis=1)
            self.keys[rows] = self.keys[rows] * np.uint64(0x9E3779B97F4A7C15) + block
        self.n += n


class _Checker:
    def __init__(self, spec, stages, first_in, sums, leaf_of):
        self.spec, self.stages, self.first_in, self.sums, self.leaf_of = (spec, stages, first_in,
                                                                          sums, leaf_of)
        # each class's score as const + (the leaves: (stage, bit) pairs) @ weights
        self.leaves = sorted({leaf_of[b] for total in sums for b in total.terms})
        weights = np.zeros((len(self.leaves), len(sums)), np.float64)
        row = {j: i for i, j in enumerate(self.leaves)}
        for c, total in enumerate(sums):
            for bit, coefficient in total.terms.items():
                weights[row[leaf_of[bit]], c] += coefficient
        self.const = np.array([total.const for total in sums], np.int64)
        self.rtl_sum = _WeightedSum(2 * np.arange(len(self.leaves)), weights)  # rows as literals
        # the spec's: each group bit counts once for its class
        self.spec_sum = _WeightedSum(spec.groups,
                                     np.repeat(np.eye(spec.n_classes), spec.group_size, axis=0))

    def simulate(self, x, run=None):
        """Both sides on the vectors x, a block of BLOCK vectors at a time (the memory of one
        block's values of every node), the hashes continuing those of `run`; stops at the first
        block where the scores differ."""
        if run is None:
            run = _Run(_Keys(), [_Keys() for _ in self.stages], None, None, None)
        for start in range(0, len(x), BLOCK):
            block = x[start:start + BLOCK]
            words = np.stack([aig.pack(block[:, j]) for j in range(block.shape[1])])
            spec = self.spec.aig.simulate(words)
            current, boundaries = words[self.first_in], [words]
            for s, keys in zip(self.stages, run.stages):
                current = aig.literal_values(s.aig.simulate(_order(s, current)), s.aig.outputs["o"])
                keys.add(current, len(block))
                boundaries.append(current)
            run.spec.add(spec, len(block))
            run.spec_scores, run.rtl_scores = self._scores(spec, boundaries, len(block))
            bad = np.flatnonzero((run.spec_scores != run.rtl_scores).any(axis=1))
            if len(bad):
                run.disagreement = block[bad[0]]
                break
        return run

    def _scores(self, spec_values, boundaries, n):
        """(the spec's scores, the RTL's) on the n vectors of a block: int64 [n, k] each."""
        values = np.zeros((len(self.leaves), boundaries[0].shape[1]), boundaries[0].dtype)
        at = np.array([s for s, _ in self.leaves], np.int64)
        bit = np.array([j for _, j in self.leaves], np.int64)
        for s in np.unique(at).tolist():
            values[at == s] = boundaries[s][bit[at == s]]
        return self.spec_sum(spec_values, n), self.const + self.rtl_sum(values, n)

    def counterexample(self, bits):
        run = self.simulate(bits[None].astype(np.uint8))
        spec, rtl = run.spec_scores[0], run.rtl_scores[0]
        # the RTL's class is its argmax (proven before) of its scores: the first of the largest
        return Counterexample(bits.astype(np.uint8), spec, int(spec.argmax()), rtl,
                              int(rtl.argmax()))

    def join(self, run, ys):
        """The spec and every stage in one Aig (a _Graph), each stage reading the spec nodes its
        inputs matched (or, where one matched none, the previous stage's own logic), and once
        more as a plain chain from the input bits; and the input vectors that refuted a pair of
        spec nodes of the same values (those stay apart)."""
        spec = self.spec.aig
        key, flip = run.spec.keys, run.spec.flips
        order = np.argsort(key, kind="stable")
        # Spec nodes of the same values up to complement read as the first of them (the
        # lowest level), once proven equal: a cut at that node is then a cut for all of them.
        first = order[np.searchsorted(key[order], key)]
        same = 2 * first + (flip ^ flip[first])
        duplicates = np.flatnonzero(first != np.arange(spec.variables))
        held, refuting = _prove_in_spec(ys, spec,
                                        np.stack([2 * duplicates, same[duplicates]], axis=1),
                                        "spec_nodes")
        apart = duplicates[~held]
        same[apart], first[apart] = 2 * apart, apart
        order = order[first[order] == order]  # only the first of each proven class is matched
        redirect = lambda lits: same[lits >> 1] ^ (lits & 1)
        fanins, top = [redirect(spec.fanins)], spec.variables
        matched, windowed, plain = [], [], []
        win_in = plain_in = 2 * (1 + self.first_in)
        for s in self.stages:
            k, f = run.stages[s.number - 1].keys, run.stages[s.number - 1].flips
            at = np.minimum(np.searchsorted(key[order], k), len(order) - 1)
            var = order[at]
            lit = np.where(key[var] == k, 2 * var + (flip[var] ^ f), -1)
            matched.append(lit)
            for inputs, chain in ((win_in, windowed), (plain_in, plain)):
                new, top = _append(s.aig, inputs, top)
                fanins.append(new[0])
                chain.append(new[1])
            win_in = np.where(lit >= 0, lit, windowed[-1])
            plain_in = plain[-1]
        outputs = {f"m{i}": v for i, v in enumerate(matched)}
        outputs.update({f"w{i}": v for i, v in enumerate(windowed)})
        outputs.update({f"p{i}": v for i, v in enumerate(plain)})
        outputs = {name: np.where(v >= 0, v, 0) for name, v in outputs.items()}
        outputs["spec"] = 2 * np.arange(spec.variables, dtype=np.int64)
        outputs["groups"] = redirect(self.spec.groups)
        joined = aig.canonical(spec.n_inputs, np.concatenate(fanins), outputs)
        get = lambda p, i: joined.outputs[f"{p}{i}"]
        n = len(self.stages)
        spec_of = np.full(joined.variables, -1, np.int64)  # joined variable -> spec variable
        spec_of[joined.outputs["spec"] >> 1] = np.arange(spec.variables)
        return _Graph(joined, self.stages,
                      [np.where(m >= 0, get("m", i), -1) for i, m in enumerate(matched)],
                      [get("w", i) for i in range(n)], [get("p", i) for i in range(n)],
                      spec_of, self.sums, self.leaf_of, self.spec), refuting


class _WeightedSum:
    """Per vector, the sum over `literals` of weights[i] where literal i is 1 (int64 [n, k]). The
    literals are grouped by their row of weights (a few kinds: a class's bit, counted once or
    more), each group a plain count of ones, ROWS literals at a time (a layer's bits as
    numbers all at once took gigabytes)."""

    def __init__(self, literals, weights):
        self.kinds, kind = np.unique(weights, axis=0, return_inverse=True)
        order = np.argsort(kind.reshape(-1), kind="stable")
        self.literals, self.kind = literals[order], kind.reshape(-1)[order]

    def __call__(self, values, n):
        counts = np.zeros((len(self.kinds), n), np.int64)
        for start in range(0, len(self.literals), ROWS):
            kind = self.kind[start:start + ROWS]
            bits = aig.unpack(aig.literal_values(values, self.literals[start:start + ROWS]), n)
            starts = np.flatnonzero(np.r_[True, kind[1:] != kind[:-1]])
            for a, b in zip(starts, np.r_[starts[1:], len(kind)]):  # (np.add.reduceat: 20x slower)
                counts[kind[a]] += bits[a:b].sum(axis=0, dtype=np.int32)
        return (counts.T @ self.kinds).astype(np.int64)  # float64: exact for these integers


def _order(stage, current):
    """Rows of a stage's input values in its AIG's input order."""
    return current[[j for j, _ in sorted(stage.aig.inputs["i"].items(), key=lambda item: item[1])]]


def _append(graph, inputs, top):
    """The stage's AND gates appended from variable `top`, input j reading literal inputs[j]:
    (fanins, its output literals), the next free variable."""
    to = np.zeros(graph.variables, np.int64)
    for j, var in graph.inputs["i"].items():
        to[var] = inputs[j]
    first = graph.n_inputs + 1
    to[first:] = 2 * (top + np.arange(len(graph.fanins)))
    remap = lambda lits: to[lits >> 1] ^ (lits & 1)
    return (remap(graph.fanins), remap(graph.outputs["o"])), top + len(graph.fanins)


@dataclasses.dataclass
class _Graph:
    aig: object
    stages: list
    matched: list     # per stage: the spec literal each output bit matched, or -1
    windowed: list    # per stage: its output literals over the earlier matched nodes
    plain: list       # per stage: its output literals over the input bits
    spec_of: np.ndarray  # joined variable -> the spec AIG's variable (-1: an RTL gate)
    sums: list
    leaf_of: dict
    spec: object
    group_pairs: list = None
    parts: list = dataclasses.field(default_factory=list)  # one dict per stage proven

    def prove_stages(self, ys):
        """Every matched bit of every stage equal to its node (module docstring, 5): the input
        vectors on which a bit and its node differ (none when proven)."""
        stop = np.zeros(self.aig.variables, bool)
        stop[:self.spec.n_inputs + 1] = True
        jobs = []
        for s, matched, windowed, plain in zip(self.stages, self.matched, self.windowed,
                                               self.plain):
            todo = np.flatnonzero((matched >= 0) & (windowed != matched))
            jobs.append((s, matched, windowed, plain, todo, stop.copy()))
            stop[matched[matched >= 0] >> 1] = True
        with concurrent.futures.ThreadPoolExecutor(_width(ys)) as pool:
            return [x for found in pool.map(lambda job: self._prove_stage(ys, *job), jobs)
                    for x in found]

    def _prove_stage(self, ys, stage, matched, windowed, plain, todo, stop):
        start, bits = time.perf_counter(), len(todo)
        refuting = self._decide_stage(ys, stage, matched, windowed, plain, todo, stop)
        self.parts.append({"stage": stage.number, "bits": int(bits),
                           "unmatched": int((matched < 0).sum()),
                           "seconds": round(time.perf_counter() - start, 3),
                           "verdict": "refuted" if refuting else "proven"})
        return refuting

    def _decide_stage(self, ys, stage, matched, windowed, plain, todo, stop):
        """The input vectors that refute matched bits of the stage (none: all proven)."""
        name, refuting, spurious = f"stage{stage.number}_miter", [], 0
        inputs_only = np.arange(self.aig.variables) <= self.spec.n_inputs
        for _ in range(MAX_ROUNDS):
            if not len(todo):
                return refuting
            free, outputs, fanins = aig.window(self.aig,
                                               np.stack([windowed[todo], matched[todo]], 1), stop)
            aig.write_binary(os.path.join(ys.folder, f"{name}.aig"), len(free), outputs, fanins)
            values = _miter_check(ys, name)
            if values is None:
                return refuting
            failing = todo[_failing(len(free), outputs, fanins, values)]
            todo = np.setdiff1d(todo, failing)
            # cut at the input bits only: a real vector
            if free.max(initial=0) <= self.spec.n_inputs:
                x = np.zeros(self.spec.n_inputs, np.uint8)
                x[free - 1] = values
                refuting.append(x)
                if len(refuting) >= VECTORS_PER_ROUND:
                    return refuting
                continue
            # the whole cones from the input bits decide those bits; after WINDOW_MISSES
            # windows refuted only where the cones hold (a window loses the relations between
            # its free inputs), the cones decide every bit left, in one miter
            spurious += 1
            if spurious >= WINDOW_MISSES:
                failing, todo = np.union1d(failing, todo), todo[:0]
            held, found = _prove_in_spec(ys, self.aig,
                                         np.stack([plain[failing], matched[failing]], 1),
                                         f"{name}_cone", inputs_only)
            refuting += found
            if len(refuting) >= VECTORS_PER_ROUND:  # new vectors first: they change the matching
                return refuting
        raise LgcError(f"stage {stage.number}: more than {MAX_ROUNDS} rounds of bits refuted in "
                       "their window")

    def pair_groups(self, run):
        """Pairs (group bit literal, leaf's node literal) such that equal pairs make every
        class's leaf sum its count (as proof._pair); (pairs, constants, why not)."""
        # a leaf's spec literal: the node its stage output bit matched, or its input bit's
        spec_lits = [2 * (1 + np.arange(self.spec.n_inputs))] + [
            np.where(m >= 0, 2 * self.spec_of[m >> 1] + (m & 1), -1) for m in self.matched]
        key, flip = run.spec.keys, run.spec.flips
        signature = lambda lit: (int(key[lit >> 1]), int(flip[lit >> 1] ^ (lit & 1)))
        zero, one = signature(0), signature(1)
        pairs, constants, m = [], 0, self.spec.group_size
        equal = []
        for c, total in enumerate(self.sums):
            waiting = collections.defaultdict(list)
            ones = total.const
            for bit, coefficient in total.terms.items():
                stage, j = self.leaf_of[bit]
                lit = spec_lits[stage][j]
                if lit < 0:
                    return 0, 0, f"output bit {j} of gate stage {stage} matches no node"
                if coefficient < 0:
                    return 0, 0, f"class {c} subtracts a bit"
                sig = signature(lit)
                if sig in (zero, one):
                    equal.append((lit, int(sig == one)))
                    ones += coefficient * (sig == one)
                    constants += 1
                else:
                    waiting[sig].extend([lit] * coefficient)
            for j in range(c * m, (c + 1) * m):
                lit = int(self.spec.groups[j])
                sig = signature(lit)
                if sig in (zero, one):
                    equal.append((lit, int(sig == one)))
                    ones -= sig == one
                    constants += 1
                elif waiting.get(sig):
                    equal.append((lit, waiting[sig].pop()))
                    pairs.append(j)
                else:
                    return 0, 0, f"group bit {j} of class {c} has no leaf of the same values"
            left = sum(len(v) for v in waiting.values())
            if left or ones:
                return 0, 0, (f"class {c} has {left} leaves and a constant {ones:+d} more than its "
                              "group bits")
        self.group_pairs = [(a, b) for a, b in equal if a != b]
        return len(pairs), constants, ""

    def prove_groups(self, ys):
        """The paired group bits equal (in the spec alone): the input vectors on which a pair
        differs (none when proven)."""
        return _prove_in_spec(ys, self.spec.aig, self.group_pairs, "group_bits")[1]


def _prove_in_spec(ys, graph, pairs, name, stop=None):
    """ABC: each pair of literals of `graph` equal for all inputs, from the input bits (or cut
    at `stop`, whose variables are inputs of the graph). Returns (bool [pairs]: proven, the
    input vectors that refuted others): a refuted pair is left out and ABC runs again, until
    VECTORS_PER_ROUND vectors are found (simulated with their neighbours, they tell many more
    pairs apart than ABC would one by one); the pairs left then are not proven."""
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    proven, open_pairs, refuting = np.zeros(len(pairs), bool), np.ones(len(pairs), bool), []
    stop = np.arange(graph.variables) <= graph.n_inputs if stop is None else stop
    while open_pairs.any() and len(refuting) < VECTORS_PER_ROUND:
        todo = np.flatnonzero(open_pairs)
        free, outputs, fanins = aig.window(graph, pairs[todo], stop)
        aig.write_binary(os.path.join(ys.folder, f"{name}.aig"), len(free), outputs, fanins)
        values = _miter_check(ys, name)
        if values is None:
            proven[todo] = True
            break
        open_pairs[todo[_failing(len(free), outputs, fanins, values)]] = False
        x = np.zeros(graph.n_inputs, np.uint8)
        x[free - 1] = values
        refuting.append(x)
    return proven, refuting


def _failing(n_inputs, outputs, fanins, values):
    """The pairs of a dual-output miter that differ on the input values `values`."""
    graph = aig.canonical(n_inputs, fanins, {"o": outputs})
    words = np.stack([aig.pack(np.array([v], np.uint8)) for v in values[:n_inputs]])
    out = aig.unpack(aig.literal_values(graph.simulate(words), graph.outputs["o"]), 1)[:, 0]
    failing = np.flatnonzero(out[0::2] != out[1::2])
    if not len(failing):
        raise LgcError("ABC's counterexample does not tell any pair of its miter apart")
    return failing
