"""The sums yosys maps to LUT logic on ECP5: LUT4 levels and LUT4s of `a + b + ...` per operand
width and count, the data behind lgc.rtl.timing's _LUT_SUM_LEVELS and lgc.rtl.estimate's
_LUT_SUM_LUTS (sums whose result has at most `lut_adder_bits` bits), measured against them.

    python -m bench.lut_sums [--engine native|wasm]

Each sum is a module of its own, `synth_ecp5 -nowidelut` as `lgc synth` runs it; levels are
yosys's `ltp -noff` (the longest path in cells from the inputs to the output), LUTs its `stat`.
"""

import argparse
import re
import tempfile

from lgc.rtl.estimate import _LUT_SUM_LUTS
from lgc.rtl.timing import _LUT_SUM_LEVELS
from lgc.tools import yosys


def sum_verilog(rows, width):
    result = (rows * ((1 << width) - 1)).bit_length()
    operands = " + ".join(f"x[{r * width + width - 1}:{r * width}]" for r in range(rows))
    return [f"module sum(input [{rows * width - 1}:0] x, output [{result - 1}:0] y);",
            f"  assign y = {operands};", "endmodule"]


def measure(folder, engine, rows, width):
    run = yosys.in_folder(folder, engine)
    with open(f"{folder}/sum.v", "w") as f:
        f.write("\n".join(sum_verilog(rows, width)) + "\n")
    run.run("sum", ["read_verilog sum.v", "synth_ecp5 -nowidelut -top sum",
                    "tee -o ltp.txt ltp -noff", "tee -o stat.txt stat"])
    with open(f"{folder}/ltp.txt") as f:
        levels = int(re.search(r"length=(\d+)", f.read()).group(1))
    with open(f"{folder}/stat.txt") as f:
        luts = sum(int(n) for n in re.findall(r"^\s+(\d+)\s+.*LUT4\s*$", f.read(), re.M))
    return levels, luts   # ltp's length: the LUTs along the path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=yosys.ENGINES)
    args = parser.parse_args()
    print(f"{'width':>5} {'operands':>8} {'levels':>6} {'stored':>6} {'LUT4':>5} {'stored':>6}")
    for width, by_rows in _LUT_SUM_LEVELS.items():
        for rows, stored_levels in by_rows.items():
            with tempfile.TemporaryDirectory() as folder:
                levels, luts = measure(folder, args.engine, rows, width)
            print(f"{width:>5} {rows:>8} {levels:>6} {stored_levels:>6} {luts:>5} "
                  f"{_LUT_SUM_LUTS[width][rows]:>6}", flush=True)


if __name__ == "__main__":
    main()
