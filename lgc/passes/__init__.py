"""Optimization passes: one module per pass, whose `run` is a pure function Netlist ->
PassResult(netlist, changes, statistic), named after its module (`group_offsets` is the pass
"group-offsets"); and a pipeline that runs them to a fixed point, verifying after every pass.

    dead_gates      gates no group reads go              (every pass ends with this compaction)
    constants       constant inputs fold into the tables of their readers
    group_offsets   constant group bits move into the class offsets
    wires           readers of wires and inverters read the source (inversion folded in)
    unused_inputs   gates drop inputs their function ignores: nodes per true arity (`ROOT.kM`)
    cse             gates with the same function of the same inputs merge

gates.py holds the flat form all passes work on; check.py the score check; pipeline.py the
registry `PASSES` (its order is the default pipeline) and `run_pipeline`.
"""

from .check import VerificationError
from .gates import PassResult
from .pipeline import PASSES, optimize, pass_names, run_pipeline

__all__ = ["PASSES", "PassResult", "VerificationError", "optimize", "pass_names", "run_pipeline"]
