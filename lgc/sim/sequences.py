"""Sequences through a recurrent core (lgc_recurrent) in Verilator, every step checked.

The stimulus (tb/lgc_seq_tb.v's format) opens with valid garbage and a reset, then streams the
sequences back to back: with `cslow` C, C round-robin slots (slot s takes the lines t = s mod C),
each running one sequence after another (a new sequence's first step raises in_first, its last
in_last); about one slot turn in BUBBLE_RATE stays empty (in_valid low, garbage on the other
inputs), so the state must be carried through it. Each step's scores and class must come out
exactly `latency` clocks after it, and out_valid nowhere else.
"""

import dataclasses
import importlib.metadata
import os
from importlib import resources

import numpy as np

from ..build import RTL_DIR, BuildDir
from ..errors import LgcError
from ..ir.sequence import check_sequences
from ..reference import sequence_reference
from ..tools import verilator
from . import stimulus
from .simulate import run_stimulus

TB_TOP = "lgc_seq_tb"
BUBBLE_RATE = 1 / 8
SHOWN = 5


@dataclasses.dataclass
class SequenceStimulus:
    rst: np.ndarray      # bool [C]
    valid: np.ndarray    # bool [C]
    bits: np.ndarray     # uint8 [C, n + 2]: in_bits, then in_last, in_first (the line's low bits)
    line_of: np.ndarray  # int64 [N, T]: the line carrying step t of sequence i (-1 past its end)
    reset_end: int       # the last line with rst high

    @property
    def clocks(self):
        return len(self.rst)


def sequence_stimulus(x, lengths, cslow, latency, seed=0, bubble_rate=BUBBLE_RATE):
    """Lines for sequences x [N, T, n] of the given lengths through a core with `cslow` slots."""
    rng = np.random.default_rng(seed)
    n_seq, _, n_bits = x.shape
    start = latency + 1 + stimulus.RESET_CLOCKS
    line_of = np.full(x.shape[:2], -1, dtype=np.int64)
    waiting, running, step = list(range(n_seq)), [None] * cslow, [0] * cslow
    line = start
    while waiting or any(r is not None for r in running):
        slot = (line - start) % cslow
        if running[slot] is None and waiting:
            running[slot], step[slot] = waiting.pop(0), 0
        i = running[slot]
        if i is not None and rng.random() >= bubble_rate:
            line_of[i, step[slot]] = line
            step[slot] += 1
            if step[slot] == lengths[i]:
                running[slot] = None
        line += 1
    total = line + latency + 2
    bits = rng.integers(0, 2, (total, n_bits + 2), dtype=np.uint8)
    bits[line:] = 0
    valid = np.zeros(total, dtype=bool)
    valid[:start] = True
    rst = np.zeros(total, dtype=bool)
    rst[latency + 1:start] = True
    seq, t = np.nonzero(line_of >= 0)
    lines = line_of[seq, t]
    valid[lines] = True
    bits[lines, :n_bits] = x[seq, t]
    bits[lines, n_bits] = t == lengths[seq] - 1      # in_last
    bits[lines, n_bits + 1] = t == 0                 # in_first
    return SequenceStimulus(rst, valid, bits, line_of, start - 1)


def run_sequences(rtl_dir, rtl, sim_dir, x, lengths, expected_counts, expected_pred, seed=0,
                  latency=None, opt="auto"):
    """Stream the sequences through the recurrent core in `rtl_dir` (`rtl`: write_recurrent's
    summary) and compare every step with the expected scores [N, T, k] and classes [N, T];
    returns (scores, pred, match [N, T], report)."""
    rtl_dir, sim_dir = os.path.abspath(rtl_dir), os.path.abspath(sim_dir)
    sources = [os.path.join(rtl_dir, name) for name in rtl["files"]]
    sources.append(str(resources.files("lgc.tb") / f"{TB_TOP}.v"))
    ports = rtl["ports"]
    parameters = {"N_IN": ports["in_bits"], "SCORE_BITS": ports["out_scores"],
                  "CLASS_BITS": ports["out_class"]}
    opt = verilator.opt_level(opt, rtl["live_gates"])
    build_seconds, cached = verilator.build(sim_dir, sources, TB_TOP, parameters, opt)
    latency = rtl["latency"] if latency is None else latency
    stim = sequence_stimulus(x, lengths, rtl["cslow"], rtl["latency"], seed)
    resp, sim_seconds, wall = run_stimulus(sim_dir, TB_TOP, stim, ports)
    if len(resp.valid) < stim.clocks + 1:
        raise LgcError("the simulation stopped before the end of the stimulus")

    steps = stim.line_of >= 0
    emitted = steps.copy()
    if rtl.get("emit_last_only"):
        emitted &= np.arange(steps.shape[1])[None, :] == (np.asarray(lengths) - 1)[:, None]
    due = np.where(emitted, stim.line_of + latency + 1, 0)
    due_ok = emitted & (due < len(resp.valid))
    k = expected_counts.shape[2]
    flat_scores, flat_pred = stimulus.decode(resp, np.where(due_ok, due, 0).ravel(), k,
                                             rtl["score_width"], rtl["score_signed"])
    scores = np.where(due_ok[..., None], flat_scores.reshape(*due.shape, k), 0)
    pred = np.where(due_ok, flat_pred.reshape(due.shape), 0)
    valid = due_ok & resp.valid[np.minimum(due, len(resp.valid) - 1)]
    match = ~emitted | (valid & (scores == expected_counts).all(axis=2) & (pred == expected_pred))
    expected_valid = np.zeros(len(resp.valid), dtype=bool)
    expected_valid[due[due_ok]] = True
    first = stim.reset_end + 2
    stray = np.flatnonzero(resp.valid[first:] != expected_valid[first:]) + first
    stray = np.setdiff1d(stray, due[emitted])
    bad = np.argwhere(~match)
    report = {
        "top": rtl["top"], "sequences": int(len(x)), "steps": int(steps.sum()),
        "checked_steps": int(emitted.sum()), "cslow": rtl["cslow"], "seed": seed,
        "clocks": stim.clocks, "latency": rtl["latency"],
        "bit_exact": not len(bad) and not len(stray),
        "mismatches": int(len(bad)), "stray_out_valid": int(len(stray)),
        "first_mismatches": [{"sequence": int(i), "step": int(t), "out_valid": bool(valid[i, t]),
                              "expected": {"scores": expected_counts[i, t].tolist(),
                                           "class": int(expected_pred[i, t])},
                              "got": {"scores": scores[i, t].tolist(), "class": int(pred[i, t])}}
                             for i, t in bad[:SHOWN]],
        "sim_seconds": round(sim_seconds, 3), "sim_wall_seconds": round(wall, 3),
        "steps_per_second": round(int(steps.sum()) / max(sim_seconds, 1e-6), 1),
        "verilator_build_seconds": round(build_seconds, 3), "verilator_build_cached": cached,
        "cxx_opt": opt, "tools": {"verilator": importlib.metadata.version("verilator")},
    }
    return scores, pred, match, report


def simulate_sequences(build_dir, x=None, lengths=None, random=0, seed=0, opt="auto",
                       latency=None):
    """`lgc simulate` of a recurrent build: the sequences x [N, T, n_inputs] (each `lengths[i]`
    steps long, all T by default) plus `random` random sequences of random lengths (up to T, or
    8 steps), every step against the PyTorch reference; records report.json's "simulation".
    Returns (scores [N, T, k], pred [N, T], match [N, T], report), zero past a sequence's end."""
    build = BuildDir(build_dir).check()
    rtl = build.rtl()
    if not rtl.get("recurrent"):
        raise LgcError(f"{build.path}: not a recurrent build; sequences are for recurrent models")
    n_inputs, rng = rtl["ports"]["in_bits"], np.random.default_rng(seed)
    steps = x.shape[1] if x is not None and np.ndim(x) == 3 else 8
    parts = [check_sequences(x, n_inputs, lengths)] if x is not None else []
    if random:
        parts.append((rng.integers(0, 2, (int(random), steps, n_inputs), dtype=np.uint8),
                      rng.integers(1, steps + 1, int(random))))
    if not parts:
        raise LgcError("no sequences to simulate: give --vectors and/or --random N")
    x = np.concatenate([p[0] for p in parts])
    lengths = np.concatenate([p[1] for p in parts])
    with build.recording("simulation", step="simulate") as report:
        expected = sequence_reference(build.model_path, x, lengths)
        scores, pred, match, result = run_sequences(
            build.file(RTL_DIR), rtl, build.file("sim-sequences"), x, lengths, expected.counts,
            expected.pred, seed=seed, latency=latency, opt=opt)
        report.update({"given_sequences": len(x) - int(random), "random_sequences": int(random),
                       **result})
    return scores, pred, match, report
