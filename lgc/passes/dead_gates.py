"""Dead-gate pruning: gates no group reads, directly or through other gates, are removed.

Liveness runs backwards from the GroupSum groups through every fanin port (a gate still wired to a
port its function ignores keeps that reader alive until `unused_inputs` drops the port). Every pass
ends with this compaction (`Gates.netlist`), so each one removes the gates it left unread; run on
its own, first in the pipeline, this pass removes the gates that were dead in the model itself.
"""

from .gates import Gates, PassResult


def run(netlist):
    netlist, dropped = Gates.of(netlist).netlist()
    return PassResult(netlist, dropped, f"removed {dropped} gates that no group reads")
