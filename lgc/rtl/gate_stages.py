"""The fast writer of gate stages: one Verilog module per pipeline stage (its register included), as
text.

One `wire` line per gate (microseconds each; an Amaranth statement costs ~0.4 ms), in topological
order so every wire is declared before it is read. A gate is written over only the inputs its
table depends on: 2-input gates as plain boolean expressions, wider ones as a lookup into their
truth table, lutR(table, {in_R-1, ..., in_0}) in the IR's bit order, or, on families that build
them so (`cofactor_lut`), gates wider than a LUT as their cofactors and muxes (cofactor_lines).
"""

import numpy as np

from .text import concat, render, slices

# Tables over two inputs that use both (IR bit j = f(A = j & 1, B = j >> 1)).
_TWO_INPUTS = {8: "{a} & {b}", 2: "{a} & ~{b}", 4: "~{a} & {b}", 6: "{a} ^ {b}", 14: "{a} | {b}",
               1: "~({a} | {b})", 9: "~({a} ^ {b})", 11: "{a} | ~{b}", 13: "~{a} | {b}",
               7: "~({a} & {b})"}


def stage_module(name, stage, n_signals, comment, registered, copies=None, cofactor_lut=None):
    """Verilog text of one stage: `i` is the stage's input vector, `o` its output vector (the
    stage register when `registered`). `copies` (fanout.input_copies): the input vector is
    widened by copies of its bits, and the gates read the positions it gives. Gates wider than
    `cofactor_lut` inputs are written as cofactors of that many."""
    position = np.full(n_signals, -1, dtype=np.int64)
    position[stage.inputs] = np.arange(len(stage.inputs))
    copy_of, reads = copies if copies is not None else (np.zeros(0, np.int64), None)
    starts = np.array([layer.start for layer in stage.gates], dtype=np.int64)
    names = [layer.name for layer in stage.gates]

    def refs(ids, pos=None):
        """How this stage reads each id: (\"i\", bit) on its input vector (at `pos` when given),
        or a wire made here."""
        ids = np.asarray(ids, dtype=np.int64)
        pos = (position[ids] if pos is None else pos).tolist()
        layer = np.maximum(np.searchsorted(starts, ids, side="right") - 1, 0)
        index = (ids - starts[layer]).tolist() if len(starts) else [0] * len(ids)
        return [("i", p) if p >= 0 else f"{names[lay]}_{j}"
                for p, lay, j in zip(pos, layer.tolist(), index)]

    lines, arities, read = [], set(), np.zeros(len(stage.inputs) + len(copy_of), bool)
    for n, layer in enumerate(stage.gates):
        arity = (layer.inputs >= 0).sum(axis=1)
        for r in np.unique(arity).tolist():
            sel = arity == r
            wires = [f"{layer.name}_{j}" for j in (layer.ids[sel] - layer.start).tolist()]
            ins = layer.inputs[sel]
            pos = None if reads is None else reads[n][sel][ins >= 0]
            sources = refs(ins[ins >= 0], pos)
            args = [a if isinstance(a, str) else f"i[{a[1]}]" for a in sources]
            read[[a[1] for a in sources if not isinstance(a, str)]] = True
            tables = layer.tables[sel].tolist()
            if cofactor_lut is not None and r > cofactor_lut:
                arities.add(cofactor_lut)
                for g, (w, t) in enumerate(zip(wires, tables)):
                    lines += cofactor_lines(w, t, args[g * r:(g + 1) * r], cofactor_lut)
                continue
            if r >= 3:
                arities.add(r)
            lines += [f"    wire {w} = {expression(t, args[g * r:(g + 1) * r])};"
                      for g, (w, t) in enumerate(zip(wires, tables))]
    outputs = refs(stage.outputs)
    read[[a[1] for a in outputs if not isinstance(a, str)]] = True
    if not read.all():   # bits only the popcount reads beside this stage (Verilator's exemption)
        lines.append(f"    wire unused_inputs = "
                     f"^{concat([('i', int(p)) for p in np.flatnonzero(~read)])};")
    return render("gates.v.j2", name=name, comment=comment, registered=registered,
                  in_width=len(stage.inputs) + len(copy_of),
                  out_width=len(stage.outputs), lut_arities=sorted(arities),
                  body="\n".join(lines), outputs=slices(outputs))


def expression(table, ins):
    r = len(ins)
    if r == 0:
        return "1'b1" if table else "1'b0"
    if r == 1:
        return ins[0] if table == 2 else f"~{ins[0]}"
    if r == 2:
        return _TWO_INPUTS[table].format(a=ins[0], b=ins[1])
    digits = (1 << r) // 4
    return f"lut{r}({1 << r}'h{table:0{digits}x}, {{{', '.join(reversed(ins))}}})"


def cofactor_lines(wire, table, ins, lut):
    """A gate wider than a LUT as the LUTs of its cofactors over its first `lut` inputs, each
    kept apart (else yosys maps the whole table, to more LUTs in more levels), and a tree of 2:1
    muxes over its other inputs, the first of them next to the LUTs."""
    size = 1 << lut
    level = [f"{wire}__c{k}" for k in range(1 << (len(ins) - lut))]
    cofactors = [(table >> (k * size)) & ((1 << size) - 1) for k in range(len(level))]
    lines = [f"    (* keep *) wire {c} = {expression(t, ins[:lut])};"
             for c, t in zip(level, cofactors)]
    for j, select in enumerate(ins[lut:]):
        names = ([wire] if len(level) == 2
                 else [f"{wire}__m{j}_{t}" for t in range(len(level) // 2)])
        lines += [f"    wire {n} = {select} ? {level[2 * t + 1]} : {level[2 * t]};"
                  for t, n in enumerate(names)]
        level = names
    return lines
