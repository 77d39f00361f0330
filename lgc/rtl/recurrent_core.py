"""Verilog of a recurrent netlist (state nodes, lgc.ir): one step per accepted input, the state
in registers, written as text (`write_recurrent(netlist, out_dir, cslow, last_only,
adder_levels)`).

Stages: every logic layer the next states depend on runs inside the state loop, spread over
`cslow` stages by its depth (the loop then holds `cslow` registers: the stage registers and the
state register, so `cslow` independent sequences take turns in fixed round-robin slots). The
layers only the scores read (the output net) form one stage after the loop; the group sums
(popcount.py's modules) and the argmax (argmax.py's, converted) follow, with a register after
every `adder_levels` levels of their trees and one between them, then the output registers. Values a
later stage reads are carried in a register chain. A clock without a valid input leaves its slot's
state as it was; `in_first` reads the reset value instead of the state register. Ports: clk, rst
(the valid chain only), in_valid, in_first, in_last, in_bits, out_valid, out_scores (class 0 in the
low bits, score_width bits each, two's complement when score_signed), out_class (lowest index among
ties).
"""

import math
import os
import re

import networkx as nx

from ..errors import LgcError
from ..ir.truthtable import reduce_to_support
from .argmax import Argmax, argmax_depth
from .gate_stages import expression
from .popcount import Popcount
from .signals import verilog_name
from .text import concat, render
from .verilog import convert

TOP = "lgc_recurrent"
# Popcount and argmax tree levels between the registers after the loop, by default: the output
# stage then is no longer the critical path of the benchmarked cores (bench/README.md).
ADDER_LEVELS = 2


def write_recurrent(netlist, out_dir, cslow=1, last_only=False, adder_levels=None):
    """Write `lgc_recurrent.v` and its popcount and argmax modules into out_dir; returns
    report.json's "rtl" section. `adder_levels`: popcount and argmax tree levels between
    registers after the loop (0: none; ADDER_LEVELS by default)."""
    netlist.validate()
    cslow = int(cslow)
    adder_levels = ADDER_LEVELS if adder_levels is None else int(adder_levels)
    stage, loop_depth = loop_stages(netlist, cslow)
    files, report = RecurrentWriter(netlist, stage, cslow, last_only, adder_levels).verilog()
    os.makedirs(out_dir, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(out_dir, name), "w") as f:
            f.write(text)
    return {"top": TOP, "files": sorted(files), "recurrent": True, "cslow": cslow,
            "adder_levels_per_stage": adder_levels,
            "emit_last_only": bool(last_only), "loop_depth": loop_depth, **report}


def loop_stages(netlist, cslow):
    """({logic layer: its stage, 1..cslow in the loop, cslow + 1 after it}, the loop's depth in
    gate levels): a loop layer at level d goes to stage ceil(d * cslow / depth of the loop)."""
    g, depth = netlist.graph, gate_levels(netlist)
    nexts = [g.nodes[s]["next"] for s in netlist.state_nodes()]
    loop = set(nexts).union(*(nx.ancestors(g, n) for n in nexts))
    loop_depth = max(depth[n] for n in nexts)
    if cslow < 1:
        raise LgcError(f"--cslow must be at least 1, got {cslow}")
    if cslow > loop_depth:
        raise LgcError(f"--cslow {cslow} needs a next-state logic at least {cslow} gate levels "
                       f"deep; this one has {loop_depth}")
    stage = {n: (max(1, math.ceil(depth[n] * cslow / loop_depth)) if n in loop else cslow + 1)
             for n in netlist.logic_layers()}
    return stage, loop_depth


def gate_levels(netlist):
    """{node: gate levels from the inputs}: like Netlist.depths, but a layer of one-input gates
    (wires, inverters, constants, as the passes leave them) adds no level."""
    level = {}
    for v in nx.topological_sort(netlist.graph):
        attrs = netlist.graph.nodes[v]
        step = int(attrs["op"] == "logic" and attrs["fanin"].shape[1] > 1)
        level[v] = max((level[u] for u in netlist.graph.predecessors(v)), default=0) + step
    return level


class RecurrentWriter:
    def __init__(self, netlist, stage, cslow, last_only, adder_levels):
        self.netlist, self.cslow, self.last_only = netlist, cslow, last_only
        self.adder_levels = adder_levels
        g = netlist.graph
        self.out_stage = cslow + 1
        self.stage = {netlist.input_node: 1, **{s: 1 for s in netlist.state_nodes()}, **stage,
                      netlist.output_node: self.out_stage}
        taken = set()
        self.name = {n: verilog_name(n, taken) for n in g.nodes}
        # the last stage each node's value is read in (the state write reads at stage cslow)
        self.needed = {n: self.stage[n] for n in g.nodes}
        for u, v in g.edges:
            self.needed[u] = max(self.needed[u], self.stage[v])
        for s in netlist.state_nodes():
            for n in (s, g.nodes[s]["next"]):
                self.needed[n] = max(self.needed[n], cslow)

    def at(self, node, stage):
        return f"{self.name[node]}_s{stage}"

    def vector(self, node):
        """A node's input vector as (Verilog vector, bit) pairs at the node's stage."""
        t = self.stage[node]
        return [(self.at(u, t), i) for u in self.netlist.sources(node)
                for i in range(self.netlist.width(u))]

    def verilog(self):
        netlist, g, c = self.netlist, self.netlist.graph, self.cslow
        decls, body, regs, arities = [], [], [], set()
        decls.append(f"    wire [{netlist.n_inputs - 1}:0] {self.at(netlist.input_node, 1)} "
                     "= in_bits;")
        for s in netlist.state_nodes():
            width, reset = netlist.width(s), g.nodes[s]["reset"]
            literal = f"{width}'b" + "".join(str(int(b)) for b in reset[::-1])
            decls.append(f"    reg [{width - 1}:0] {self.name[s]}_q;  // the state register")
            decls.append(f"    wire [{width - 1}:0] {self.at(s, 1)} = (in_valid & in_first) ? "
                         f"{literal} : {self.name[s]}_q;")
            # the loop closes: a valid step writes the next state, an empty slot its own again
            regs.append(f"        {self.name[s]}_q <= valid_s{c} ? {self.at(g.nodes[s]['next'], c)}"
                        f" : {self.at(s, c)};")
        for node in netlist.logic_layers():
            attrs, t = g.nodes[node], self.stage[node]
            decls.append(f"    wire [{netlist.width(node) - 1}:0] {self.at(node, t)};")
            support, tables = reduce_to_support(attrs["tt"], attrs["fanin"].shape[1])
            vector = self.vector(node)
            for j, (fanin, used, table) in enumerate(zip(attrs["fanin"].tolist(), support,
                                                         tables.tolist())):
                args = [f"{vector[i][0]}[{vector[i][1]}]" for i, u in zip(fanin, used) if u]
                if len(args) >= 3:
                    arities.add(len(args))
                body.append(f"    assign {self.at(node, t)}[{j}] = {expression(table, args)};")
        for node in g.nodes:  # carry values to the later stages that read them
            for t in range(self.stage[node] + 1, self.needed[node] + 1):
                decls.append(f"    reg [{netlist.width(node) - 1}:0] {self.at(node, t)};")
                regs.append(f"        {self.at(node, t)} <= {self.at(node, t - 1)};")
        report, files = self._outputs(decls, body, regs)
        end = c + 1 + report["output_registers"]  # the stage the output registers read
        chain = ["valid"] + (["last"] if self.last_only else [])
        decls += [f"    wire {name}_s1 = in_{name};" for name in chain]
        decls += [f"    reg {name}_s{t};" for name in chain for t in range(2, end + 1)]
        valid_chain = [f"            {name}_s{t} <= {name}_s{t - 1};" for name in chain
                       for t in range(2, end + 1)]
        emit = f"valid_s{end}" + (f" & last_s{end}" if self.last_only else "")
        valid_chain.append(f"            out_valid <= {emit};")
        valid_reset = [f"            valid_s{t} <= 1'b0;" for t in range(2, end + 1)]
        valid_reset.append("            out_valid <= 1'b0;")
        text = render("recurrent.v.j2", name=TOP, comment=f"{g.graph.get('name')}: "
                      f"{netlist.gate_count()} gates, cslow {c}", cslow=c,
                      last_only=self.last_only, n_inputs=netlist.n_inputs,
                      score_bits=report["ports"]["out_scores"],
                      class_bits=report["ports"]["out_class"], lut_arities=sorted(arities),
                      declarations="\n".join(decls), body="\n".join(body),
                      registers="\n".join(regs), valid_reset="\n".join(valid_reset),
                      valid_chain="\n".join(valid_chain))
        files[f"{TOP}.v"] = text
        report.update(latency=end, gates=netlist.gate_count(), live_gates=netlist.gate_count(),
                      state_bits=sum(netlist.width(s) for s in netlist.state_nodes()),
                      state_registers=[f"{self.name[s]}_q" for s in netlist.state_nodes()],
                      stages={n: self.stage[n] for n in netlist.logic_layers()})
        return files, report

    def _outputs(self, decls, body, regs):
        """The GroupSum's popcount (popcount.py) and the argmax (argmax.py) after the output
        stage, each with a register after every `adder_levels` tree levels; returns the
        summary's part and {file: text} of their modules."""
        netlist = self.netlist
        attrs = netlist.graph.nodes[netlist.output_node]
        popcount = Popcount(attrs["groups"], attrs["offset"])
        k, width, levels = len(attrs["groups"]), popcount.width, self.adder_levels
        vector = self.vector(netlist.output_node)
        # with registers, one also between the last sum and the argmax (else the final adder and
        # the first comparisons share a clock: the longest path)
        modules = popcount.modules(list(range(levels, popcount.depth, levels)) if levels else [],
                                   len(vector), register_last=levels > 0, prefix=f"{TOP}_popcount")
        files = {f"{m.name}.v": m.text for m in modules}
        source = "group_bits"
        decls.append(f"    wire [{len(vector) - 1}:0] group_bits = {concat(vector)};")
        for j, m in enumerate(modules, start=1):
            out = "scores" if j == len(modules) else f"popcount_{j}"
            decls.append(f"    wire [{m.out_width - 1}:0] {out};")
            ports = (([".clk(clk)"] if m.registered else [])
                     + ([f".i({source})"] if m.in_width else []))
            body.append(f"    {m.name} popcount_s{j} ({', '.join(ports + [f'.o({out})'])});")
            source = out
        argmax = Argmax(k, width, list(range(levels, argmax_depth(k), levels)) if levels else [],
                        popcount.signed)
        name = f"{TOP}_argmax"
        files.update(convert(argmax, name, {"rst": "its registers have no reset"}))
        class_bits = argmax.index_width
        decls.append(f"    wire [{k * width - 1}:0] best_scores;")
        decls.append(f"    wire [{class_bits - 1}:0] best_class;")
        clocked = re.search(r"^\s*input clk;", files[f"{name}.v"], re.M) is not None
        clock = ".clk(clk), .rst(1'b0), " if clocked else ""
        body.append(f"    {name} argmax ({clock}.scores(scores), .index(best_class), "
                    ".scores_out(best_scores));")
        regs.append("        out_scores <= best_scores;")
        regs.append("        out_class <= best_class;")
        registers = sum(m.registered for m in modules) + len(argmax.cuts)
        return {"ports": {"in_bits": netlist.n_inputs, "out_scores": k * width,
                          "out_class": class_bits},
                "score_width": width, "score_signed": popcount.signed,
                "output_registers": registers}, files
