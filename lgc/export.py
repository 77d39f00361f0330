"""`lgc export`: a build's combinational function as binary AIGER (with a symbol table) or BLIF,
for ABC, mockturtle or a commercial flow, with interface.json beside it.

The function is the build's own core (DIR/rtl, top lgc_core) with its pipeline registers read as
wires (lgc.formal.rtl_structure: every path crosses the same number of registers, so the
registers as wires compute what the core computes `latency` clocks later), the valid chain, clock
and reset left out, mapped to and-inverter gates by yosys. Two scopes:

- `scores` (default): inputs `in_bits`, outputs `out_scores` and `out_class`, laid out as
  interface.json says (scores.layout, class.tie).
- `gates`: the gates alone; outputs `group_bits`, the bits the GroupSum counts, and the export's
  interface.json lists for every class which of them it counts and how often, and its constant:
  score[c] = sum(weight * group_bits[bit]) + constant.
"""

import json
import os
import shutil

from .build import RTL_DIR, BuildDir, write_json
from .errors import LgcError
from .formal.proof import AIG_FLOW
from .formal.rtl_structure import Module, combinational, derive, pipeline_latency, score_sums
from .rtl import TOP
from .tools import yosys

FORMATS = {"aiger": "aig", "blif": "blif"}
SCOPES = ("scores", "gates")
COMBINATIONAL = "lgc_comb"
CONTROL = ("clk", "rst", "in_valid", "out_valid")


def export(build_dir, fmt, out=None, scope="scores", engine=None):
    """Write the build's function in `fmt` (aiger or blif) to `out` (default DIR/export/
    lgc_comb.aig or .blif) and its interface beside it (out's stem + .interface.json); returns
    the path written."""
    if fmt not in FORMATS:
        raise LgcError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    if scope not in SCOPES:
        raise LgcError(f"unknown export scope {scope!r}: one of {', '.join(SCOPES)}")
    build = BuildDir(build_dir).check()
    rtl = build.rtl()
    interface = build.report().get("interface")
    if interface is None:
        raise LgcError(f"{build.path}: the build has no interface.json; recompile it")
    work = build.file("export")
    os.makedirs(work, exist_ok=True)
    ys = yosys.in_folder(work, engine, "verify")
    files = [os.path.relpath(os.path.abspath(build.file(RTL_DIR, f)), os.path.abspath(work))
             for f in rtl["files"]]
    ys.run("read_rtl", ["read_verilog -sv " + " ".join(files), f"hierarchy -top {TOP}", "proc",
                        "flatten", "opt_clean", "write_json rtl.json"])
    with open(os.path.join(work, "rtl.json")) as f:
        module = Module(json.load(f)["modules"][TOP])
    latency = pipeline_latency(module)
    core = combinational(module)
    k, w = interface["classes"], interface["scores"]["width"]
    if scope == "gates":
        sums = score_sums(core, k, w)
        leaves = sorted({b for s in sums for b in s.terms})
        derived = derive(core, outputs={"group_bits": leaves})
        drop = CONTROL + ("out_scores", "out_class")
        position = {b: i for i, b in enumerate(leaves)}
        outputs = {"group_bits": len(leaves), "classes": [
            {"bits": [position[b] for b in s.terms], "weights": list(s.terms.values()),
             "constant": s.const} for s in sums],
            "score": "score[c] = sum(weights[j] * group_bits[bits[j]]) + constant"}
    else:
        derived, drop = derive(core), CONTROL
        outputs = {"out_scores": k * w, "out_class": interface["class"]["width"],
                   "layout": interface["scores"]["layout"], "tie": interface["class"]["tie"]}
    for name in drop:
        derived["ports"].pop(name, None)
    with open(os.path.join(work, "comb.json"), "w") as f:
        json.dump({"creator": "lgc export", "modules": {COMBINATIONAL: derived}}, f)
    name = f"{COMBINATIONAL}.{FORMATS[fmt]}"
    write = f"write_aiger -symbols {name}" if fmt == "aiger" else f"write_blif {name}"
    ys.run(f"write_{fmt}", ["read_json comb.json", f"hierarchy -top {COMBINATIONAL}", "flatten",
                            *AIG_FLOW, "opt_clean -purge", write])
    out = os.fspath(out) if out else os.path.join(work, name)
    if os.path.abspath(out) != os.path.abspath(os.path.join(work, name)):
        shutil.copyfile(os.path.join(work, name), out)
    write_json(os.path.splitext(out)[0] + ".interface.json", {
        **{key: interface[key] for key in interface if key != "tops"},
        "export": {"format": fmt, "scope": scope, "module": COMBINATIONAL,
                   "inputs": {"in_bits": interface["input"]["bits"]}, "outputs": outputs,
                   "pipeline_latency": latency,
                   "note": "combinational: the core's function with its registers as wires"}})
    return out
