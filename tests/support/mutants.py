"""Compiled builds broken on purpose in one gate stage's Verilog (lgc_gates_sN.v), for the
proofs' refutation tests and bench/verify_mutants.py: each function edits the stage file of the
build folder `build` in place (break_early_sum: the first popcount stage's file)."""

import json
import re

# a register of a stage: `always @(posedge clk) o[HI:LO] <= {a, b, ...};` (or all of o)
REGISTER = r"^    always @\(posedge clk\) o(?:\[(\d+):(\d+)\])? <= \{([^;]*)\};$"
GATE = r"^    wire (layer\d+_\d+) = (.*);$"


def edit(build, stage_file, pattern, replace):
    """Replace the first match of `pattern` in the stage file by replace(match)."""
    file = build / "rtl" / stage_file
    text = file.read_text()
    match = re.search(pattern, text, flags=re.M)
    assert match, pattern
    file.write_text(text[:match.start()] + replace(match) + text[match.end():])


def invert_gate(build, stage_file):
    """The stage's first gate inverted."""
    edit(build, stage_file, GATE, lambda m: f"    wire {m.group(1)} = ~({m.group(2)});")


def swap_cofactors(build):
    """The first gate written as cofactors (gate_stages.cofactor_lines) with its first two
    cofactors' tables swapped; returns the stage file."""
    def swap(m):
        assert m.group(2) != m.group(4), "two equal cofactors: swapping them changes nothing"
        return m.group(0).replace(m.group(2), "T0").replace(m.group(4), m.group(2)) \
            .replace("T0", m.group(4))
    pattern = (r"^    \(\* keep \*\) wire (\w+)__c0 = lut\d+\((\d+'h[0-9a-f]+), (.*)\);\n"
               r"    \(\* keep \*\) wire \1__c1 = lut\d+\((\d+'h[0-9a-f]+), \3\);$")
    stage = next(f.name for f in sorted((build / "rtl").glob("lgc_gates_s*.v"))
                 if "__c1 = " in f.read_text())
    edit(build, stage, pattern, swap)
    return stage


def swap_register_bits(build, stage_file):
    """Two neighbouring bits of the stage's output register swapped, from different layers (two
    group bits of one class would count the same), in the first of its register statements
    that has such a pair (a stage's first ones may only carry input bits along)."""
    def pair(items):
        layer = [re.match(r"layer\d+|i\[", t) if ":" not in t else None for t in items]
        layer = [found and found.group(0) for found in layer]
        return next((j for j in range(len(items) - 1)
                     if None != layer[j] != layer[j + 1] != None), None)

    file = build / "rtl" / stage_file
    text = file.read_text()
    for m in re.finditer(REGISTER, text, flags=re.M):
        items = [t.strip() for t in m.group(3).split(",")]
        a = pair(items)
        if a is not None:
            items[a], items[a + 1] = items[a + 1], items[a]
            swapped = m.group(0).replace(m.group(3), ", ".join(items))
            file.write_text(text[:m.start()] + swapped + text[m.end():])
            return
    raise AssertionError(f"{stage_file} has no neighbouring register bits of different layers")


def rare_difference(build, stage_file):
    """A bit of the stage's output register XORed with a 20-input AND of its inputs: wrong on
    one input vector in 2**20 (random vectors miss it)."""
    def rare(m):
        width = int(m.group(1)) - int(m.group(2)) + 1 if m.group(1) else None
        target = f"o[{m.group(1)}:{m.group(2)}]" if width else "o"
        zeros = f"{width - 1}'d0" if width else "{($bits(o) - 1){1'b0}}"
        return (f"    always @(posedge clk) {target} <= {{{m.group(3)}}} ^ "
                f"{{{zeros}, &{{i[9:0], ~i[19:10]}}}};")
    edit(build, stage_file, REGISTER, rare)


def late_register_bit(build, stage_file):
    """A bit of the stage's output register a clock late (an extra register on its path)."""
    def late(m):
        items = [t.strip() for t in m.group(3).split(",")]
        items[0], first = "late", items[0]
        return (f"    reg late;\n    always @(posedge clk) late <= {first};\n"
                + m.group(0).replace(m.group(3), ", ".join(items)))
    edit(build, stage_file, REGISTER, late)


def break_early_sum(build, invert=False):
    """The first popcount stage's first sum over early bits alone (those it reads from the last
    gate stage's input register: the top bits of its input) with its last operand left out, or
    inverted."""
    file = build / "rtl" / "lgc_popcount_s1.v"
    text = file.read_text()
    width = int(re.search(r"input wire \[(\d+):0\] i,", text).group(1)) + 1
    early = json.loads((build / "report.json").read_text())["rtl"]["popcount_early_bits"]
    sums = r"^    wire \[\d+:0\] c\d+_1_\d+ = (.*) \+ (\{\d+'d0, i\[\d+\]\}|i\[\d+\]);$"
    for m in re.finditer(sums, text, flags=re.M):
        if min(map(int, re.findall(r"i\[(\d+)\]", m.group(0)))) >= width - early:
            last = m.group(2)
            new = " + " + re.sub(r"(i\[\d+\])", r"~\1", last) + ";" if invert else ";"
            file.write_text(text[:m.start()] + m.group(0).replace(f" + {last};", new)
                            + text[m.end():])
            return
    raise AssertionError("no sum over early bits alone")


def swap_full_adder_bits(build, stage_file):
    """The sum and carry bits of one full adder of a carry-save stage swapped in its register
    (`o <= {..., f[1], f[0], ...}`): the next stage reads the carry at the sum's weight and the
    sum at the carry's."""
    edit(build, stage_file, r"(c\d+_\d+_\d+)\[1\], \1\[0\]",
         lambda m: f"{m.group(1)}[0], {m.group(1)}[1]")
