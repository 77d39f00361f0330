"""Where the gate stages' registers go: as soon as possible (a cut every N LUT levels, the fixed
`--layers-per-stage N`) against the timing-driven placement's fewest-bits cuts (the fewest
stages of at most N levels, at the level boundaries where the fewest bits cross), in flip-flops.

    python -m bench.gate_cuts [--model PATH ...] [--levels 1 2 3] [--lut-size 4]

No synthesis: the generator's own counts (exact, as the synthesis tests check).
"""

import argparse

import numpy as np

import lgc
from lgc.rtl.stages import (
    asap_cuts,
    crossings,
    fewest_bits_cuts,
    gate_levels,
    plan_logic,
    stage_starts,
)
from tests.support.fixtures import EXAMPLE


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", default=[str(EXAMPLE)])
    parser.add_argument("--levels", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--lut-size", type=int, default=4)
    args = parser.parse_args()
    print(f"{'model':<32} {'depth':>5} {'N':>2} {'placement':<11} {'cuts':<14} {'stage bits':>10} "
          f"{'delay bits':>10} {'total':>7}")
    for model in args.model:
        netlist = lgc.optimize(lgc.load(model))
        levels = gate_levels(netlist, args.lut_size)
        crossing = crossings(levels)
        for n in args.levels:
            for name, cuts in (("asap", asap_cuts(levels.depth, n)),
                               ("fewest bits", fewest_bits_cuts(
                                   crossing, stage_starts(np.ones(levels.depth + 1), n)))):
                logic = plan_logic(netlist, None, args.lut_size, cuts, True, levels)
                print(f"{model.rsplit('/', 1)[-1]:<32} {levels.depth:>5} {n:>2} {name:<11} "
                      f"{str(logic.cuts):<14} {logic.stage_bits:>10} {logic.delay_bits:>10} "
                      f"{logic.stage_bits + logic.delay_bits:>7}", flush=True)


if __name__ == "__main__":
    main()
