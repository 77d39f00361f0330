"""Group offsets: constant bits leave their GroupSum group; a constant 1 adds 1 to the offset.

score[c] = popcount(group c) + offset[c], so a group bit that is always 1 is worth exactly 1 in
`offset[c]`, once per time the group lists it (groups are multisets), and a bit that is always 0
is worth nothing. A class whose whole group is constant keeps an empty group and its offset.
"""

import numpy as np

from .gates import Gates


def run(netlist):
    gates = Gates.of(netlist)
    value = gates.constants()[gates.bits]
    ones = np.bincount(gates.klass[value == 1], minlength=len(gates.offset))
    gates.offset += ones
    stays = value < 0
    emptied = np.bincount(gates.klass, minlength=len(gates.offset)).astype(bool) \
        & ~np.bincount(gates.klass[stays], minlength=len(gates.offset)).astype(bool)
    gates.bits, gates.klass = gates.bits[stays], gates.klass[stays]
    return gates.result(
        np.count_nonzero(~stays),
        f"{ones.sum()} constant-1 bits moved into offsets, {np.count_nonzero(value == 0)} "
        f"constant-0 bits dropped; {np.count_nonzero(emptied)} groups became entirely constant")
