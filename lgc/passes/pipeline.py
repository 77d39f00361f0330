"""The pass pipeline: passes in order, round after round, until a round changes nothing.

A pass whose result reports no change is discarded (its input goes on), so the last round costs
no verification. Statistics are JSON-ready and go verbatim into report.json under "passes".
"""

import logging
import time

from ..errors import LgcError
from . import constants, cse, dead_gates, group_offsets, unused_inputs, wires
from .check import N_RANDOM, VerificationError, Verifier

log = logging.getLogger("lgc")

# Each pass is a module whose `run(netlist)` returns a PassResult, and is named after its module
# (group_offsets.py: "group-offsets"). The order is the default pipeline's. "dead-gates" comes
# first so that the gates the model itself never reads are counted there, not by whichever pass
# runs first.
PASSES = {module.__name__.rsplit(".", 1)[1].replace("_", "-"): module.run
          for module in (dead_gates, constants, group_offsets, wires, unused_inputs, cse)}
MAX_ROUNDS = 50  # each change removes a gate, an input, a group bit or a wire read: rounds are few


def pass_names(passes=None):
    """The pass names to run: all by default; a list or a comma-separated string otherwise."""
    if passes is None:
        return list(PASSES)
    names = [p.strip() for p in passes.split(",")] if isinstance(passes, str) else list(passes)
    unknown = [n for n in names if n not in PASSES]
    if unknown:
        raise LgcError(f"unknown pass {unknown[0]!r}; the passes are: {', '.join(PASSES)}")
    return names


def run_pipeline(netlist, passes=None, verify=True, vectors=None, n_random=N_RANDOM, seed=0):
    """Run the passes to a fixed point; returns (optimized Netlist, statistics).

    With `verify`, the scores on `vectors` (0/1 [N, n_inputs], optional) plus `n_random` random
    vectors are checked after every pass that changed something (on a sample of them on large
    models, then all on the result: check.py); a pass that changes them raises
    VerificationError naming it and the first differing vector.
    """
    names = pass_names(passes)
    start = time.perf_counter()
    netlist.validate()
    verifier = Verifier(netlist, vectors, n_random, seed) if verify else None
    first = netlist
    verify_seconds = time.perf_counter() - start  # the original netlist's scores
    netlist, applications, round_ = _rounds(netlist, names, verifier)
    verify_seconds += sum(a.get("verify_seconds", 0.0) for a in applications)
    final_check = verifier is not None and verifier.samples_per_pass and netlist is not first
    if final_check:
        began = time.perf_counter()
        try:
            verifier.check(netlist, None, every_vector=True)
        except VerificationError:
            # The per-pass samples missed it: again, every vector after every pass,
            # to name the pass.
            _rounds(first, names, verifier, every_vector=True)
            raise
        verify_seconds += time.perf_counter() - began
    before, after = first.gate_count(), netlist.gate_count()
    stats = {
        "passes": names,
        "rounds": round_,
        "gates_before": before,
        "gates_after": after,
        "removed": before - after,
        "removed_percent": round(100 * (before - after) / before, 2) if before else 0.0,
        "removed_by_pass": {n: sum(a["gates_before"] - a["gates_after"] for a in applications
                                   if a["pass"] == n) for n in names},
        "layers_before": layer_sizes(first),
        "layers_after": layer_sizes(netlist),
        "skip_edges": skip_edges(netlist),
        "seconds": round(time.perf_counter() - start, 4),
        "verification": dict(verifier.describe(),
                             checks=sum("verify_seconds" in a for a in applications),
                             final_check=final_check, seconds=round(verify_seconds, 4))
        if verifier else {"mode": "off"},
        "applications": applications,
    }
    log.info("passes: %d -> %d gates (-%.1f%%) in %d rounds, %.2f s", before, after,
             stats["removed_percent"], round_, stats["seconds"])
    return netlist, stats


def _rounds(netlist, names, verifier, every_vector=False):
    """Rounds of the passes until one changes nothing: (netlist, applications, rounds)."""
    applications = []
    for round_ in range(1, MAX_ROUNDS + 1):
        changed = 0
        for name in names:
            began = time.perf_counter()
            result = PASSES[name](netlist)
            seconds = time.perf_counter() - began
            entry = {"pass": name, "round": round_, "gates_before": netlist.gate_count(),
                     "layers_before": layer_sizes(netlist), "seconds": round(seconds, 4)}
            if result.changes:
                if verifier is not None:
                    began = time.perf_counter()
                    verifier.check(result.netlist, name, every_vector)
                    entry["verify_seconds"] = round(time.perf_counter() - began, 4)
                netlist = result.netlist
                changed += result.changes
            entry.update(gates_after=netlist.gate_count(), layers_after=layer_sizes(netlist),
                         changes=result.changes, statistic=result.statistic)
            applications.append(entry)
            log.debug("round %d %s: %d -> %d gates: %s", round_, name, entry["gates_before"],
                      entry["gates_after"], result.statistic)
        if not changed:
            break
    else:
        log.warning("passes still changing the netlist after %d rounds; stopping there", MAX_ROUNDS)
    return netlist, applications, round_


def optimize(netlist, verify=True, **options):
    """The optimized netlist (run_pipeline without the statistics)."""
    return run_pipeline(netlist, verify=verify, **options)[0]


def layer_sizes(netlist):
    """{logic layer: gates}, in topological order."""
    return {v: len(netlist.graph.nodes[v]["tt"]) for v in netlist.logic_layers()}


def skip_edges(netlist):
    """Edges whose values skip pipeline stages: the RTL delays these bits."""
    return [{"from": u, "to": v, "stages": span, "bits": bits}
            for u, v, span, bits in netlist.skip_edges()]
