"""A second shape of a compiled core, for the `lgc verify` tests: Verilog written plainly from the
(optimized) IR netlist, with DESIGN.md's ports, independent of lgc.rtl.

Registered inputs and outputs (latency 2, the valid chain reset), each gate a table lookup on
the IR's truth table (port p is bit p of the row), each class's score a chain of adders from its
offset, the argmax a chain of comparisons. Options break it on purpose: `late_class` registers one
class's score an extra time (an unbalanced pipeline).
"""

import os
import shutil

import numpy as np

from lgc.build import BuildDir

TOP = "lgc_core"


def write_core(netlist, path, late_class=None):
    """Write the core of `netlist` to `path`; returns the report's "rtl" section."""
    g = netlist.graph
    out = netlist.output_node
    attrs = g.nodes[out]
    k, offsets = netlist.n_classes, [int(o) for o in attrs["offset"]]
    if min(offsets) < 0:
        raise ValueError("the stand-in core takes non-negative offsets only")
    width = max(1, max(len(grp) + o for grp, o in zip(attrs["groups"], offsets)).bit_length())
    class_width = max(1, (k - 1).bit_length())
    lines = [f"module {TOP} (input wire clk, input wire rst, input wire in_valid,",
             f"  input wire [{netlist.n_inputs - 1}:0] in_bits, output reg out_valid,",
             f"  output reg [{k * width - 1}:0] out_scores, output reg [{class_width - 1}:0] out_class);"]
    lines += [f"  function lut{a}(input [{(1 << a) - 1}:0] t, input [{a - 1}:0] row); lut{a} = t[row]; endfunction"
              for a in range(1, 7)]
    lines += [f"  reg [{netlist.n_inputs - 1}:0] x;", "  reg valid;",
              "  always @(posedge clk) x <= in_bits;"]
    names = {netlist.input_node: "x"}
    for node in netlist.logic_layers() + [out]:
        vector = f"{node}_in"
        sources = netlist.sources(node)
        lines.append(f"  wire [{netlist.input_width(node) - 1}:0] {vector} = "
                     f"{{{', '.join(names[s] for s in reversed(sources))}}};")
        if node == out:
            break
        tt, fanin = g.nodes[node]["tt"], g.nodes[node]["fanin"]
        arity = fanin.shape[1]
        names[node] = node
        lines.append(f"  wire [{len(tt) - 1}:0] {node};")
        for i, (table, ports) in enumerate(zip(tt.tolist(), fanin.tolist())):
            row = ", ".join(f"{vector}[{p}]" for p in reversed(ports))
            lines.append(f"  assign {node}[{i}] = lut{arity}({1 << arity}'d{table}, {{{row}}});")
    scores = []
    for c, (grp, offset) in enumerate(zip(attrs["groups"], offsets)):
        terms = [f"{width}'d{offset}"] + [f"{{{width - 1}'d0, {out}_in[{int(i)}]}}" for i in grp]
        lines.append(f"  wire [{width - 1}:0] score{c} = {' + '.join(terms)};")
        scores.append(f"score{c}")
    if late_class is not None:
        lines += [f"  reg [{width - 1}:0] late;", f"  always @(posedge clk) late <= score{late_class};"]
        scores[late_class] = "late"
    best, index = scores[0], f"{class_width}'d0"
    for c in range(1, k):
        lines.append(f"  wire more{c} = {scores[c]} > {best};")
        lines.append(f"  wire [{width - 1}:0] best{c} = more{c} ? {scores[c]} : {best};")
        lines.append(f"  wire [{class_width - 1}:0] index{c} = more{c} ? {class_width}'d{c} : {index};")
        best, index = f"best{c}", f"index{c}"
    lines += ["  always @(posedge clk) begin",
              f"    out_scores <= {{{', '.join(reversed(scores))}}};",
              f"    out_class <= {index};",
              "    valid <= rst ? 1'b0 : in_valid;",
              "    out_valid <= rst ? 1'b0 : valid;",
              "  end", "endmodule"]
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, f"{TOP}.v"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return {"top": TOP, "files": [f"{TOP}.v"], "latency": 2, "score_width": width,
            "ports": {"in_bits": netlist.n_inputs, "out_scores": k * width, "out_class": class_width}}


def make_build(path, model, netlist, **options):
    """A build directory as `lgc compile` leaves it, with the stand-in core of `netlist`."""
    build = BuildDir(path)
    rtl = write_core(netlist, build.file("rtl"), **options)
    shutil.copyfile(model, build.model_path)
    netlist.save(build.netlist_path)
    build.update_report(rtl=rtl)
    return build


def flip_gate(path, node, gate):
    """Edit one gate of a stand-in core by hand: invert its table."""
    file = os.path.join(path, "rtl", f"{TOP}.v")
    with open(file) as f:
        text = f.read()
    head = f"  assign {node}[{gate}] = lut"
    start = text.index(head)
    end = text.index("\n", start)
    arity = int(text[start + len(head)])
    table = int(text[start:end].split("'d")[1].split(",")[0])
    flipped = table ^ ((1 << (1 << arity)) - 1)
    line = text[start:end].replace(f"'d{table},", f"'d{flipped},")
    with open(file, "w") as f:
        f.write(text[:start] + line + text[end:])


def rare_mutant(path, node, gate, inputs=20):
    """XOR into one gate a term that is 1 on 1 input vector in 2**inputs, whatever the bits'
    density: half of the inputs 1 and half 0 (random vectors of any skew miss it)."""
    file = os.path.join(path, "rtl", f"{TOP}.v")
    with open(file) as f:
        text = f.read()
    half = inputs // 2
    term = f"(&{{x[{half - 1}:0], ~x[{inputs - 1}:{half}]}})"
    head = f"  assign {node}[{gate}] = "
    start = text.index(head) + len(head)
    end = text.index(";", start)
    with open(file, "w") as f:
        f.write(text[:start] + f"{term} ^ " + text[start:end] + text[end:])


def random_vectors(n_inputs, n, seed=0):
    return np.random.default_rng(seed).integers(0, 2, (n, n_inputs), dtype=np.uint8)
