"""interface.json: the contract between a build's hardware and the system around it.

What a user needs to wire a top into a design and to read its results, without reading the
Verilog: every top's ports (name, direction, width), clock and reset, latency; the score fields
(width, signedness, where class c sits, the integer offsets included in them, tau and beta of the
float score); the class output's tie rule; the input bit order and, with an input encoding, the
raw features, their format and every bit's feature and threshold. `lgc compile` writes it as
DIR/interface.json and as report.json's "interface"; docs/interface.md documents each field.
"""

import numpy as np

from ..version import __version__

VERSION = 1
TIE_RULE = "lowest index among the highest scores (torch.argmax)"


def ports(component, clock=None):
    """[{"name", "direction", "width"}] of an Amaranth component's ports, after its clock and
    reset (`clock`: their names, for tops whose sync domain becomes ports)."""
    listed = [{"name": name, "direction": "input", "width": 1} for name in clock or ()]
    for name, member in component.signature.members.items():
        listed.append({"name": name, "direction": "input" if member.flow.value == "In" else
                       "output", "width": len(getattr(component, name))})
    return listed


def describe(netlist, core, rtl, encoded=None, axis=None):
    """The interface of a build: `core` (lgc.rtl.Core), `rtl` (its report summary), the encoded
    top (EncodedCore) and the AXI4-Stream top (AxisTop) when written."""
    plan = core.plan
    k, w = plan.n_classes, plan.score_width
    groupsum = netlist.graph.nodes[netlist.output_node]
    tops = {rtl["top"]: {
        "ports": ports(core, ("clk", "rst")), "clock": "clk (rising edge)",
        "reset": "rst: synchronous, active high, resets the valid chain only",
        "latency": core.latency, "throughput": "one vector per clock",
        "input": "in_bits: input bit i at bit i"}}
    if encoded is not None:
        enc = rtl["encoder"]
        tops[enc["top"]] = {
            "ports": ports(encoded, ("clk", "rst")), "clock": "clk (rising edge)",
            "reset": "rst: synchronous, active high, resets the valid chain only",
            "latency": encoded.latency, "throughput": "one vector per clock",
            "input": f"in_raw: raw feature f at bits [f*{enc['feature_bits']}, "
                     f"(f+1)*{enc['feature_bits']}), in the input format"}
    if axis is not None:
        a = rtl["axis"]
        tops[a["top"]] = {
            "ports": ports(axis), "clock": "aclk (rising edge)",
            "reset": "aresetn: synchronous, active low",
            "latency": a["latency"], "throughput": "one beat per clock while m_axis is ready",
            "wraps": a["wraps"], "beat_width": a["beat_width"],
            "beats_per_vector": a["beats_per_vector"], "fifo_depth": a["fifo_depth"],
            "input": f"s_axis_tdata: the wrapped top's input ({'in_raw' if encoded else 'in_bits'})"
                     f" in {a['beats_per_vector']} beat(s), beat 0 in the low bits",
            "tlast": ("passed through to the vector's result" if a["beats_per_vector"] == 1 else
                      "on each vector's last beat; a vector with an early or late TLAST is "
                      "dropped and sets the sticky error output"),
            "output": {"class": [0, plan.class_width],
                       "scores": [8 * a["class_bytes"], 8 * a["class_bytes"] + k * w],
                       "tdata_width": len(axis.m_axis_tdata),
                       "beats_per_result": a["beats_per_result"],
                       "order": "result bit r at bit r mod tdata_width of the result's beat "
                                "r div tdata_width; TLAST only on its last beat"},
            "tkeep_tstrb": "none: every byte of every beat is data"}
    encoding = netlist.graph.graph.get("encoding")
    return {
        "interface_version": VERSION,
        "lgc_version": __version__,
        "model": netlist.graph.graph.get("name"),
        "classes": k,
        "scores": _scores(groupsum, w, plan.score_signed),
        "class": {"width": plan.class_width, "tie": TIE_RULE},
        "input": {"bits": plan.n_inputs, "order": "input bit i at in_bits[i]",
                  "read_bits": len(plan.logic.boundaries[0]),
                  "encoding": _encoding(encoding, rtl) if encoding else None},
        "tops": tops,
    }


def describe_recurrent(netlist, rtl):
    """The interface of a recurrent build (lgc.rtl.recurrent_core; `rtl`: its report summary)."""
    groupsum = netlist.graph.nodes[netlist.output_node]
    widths = rtl["ports"]
    listed = [{"name": name, "direction": "input", "width": 1}
              for name in ("clk", "rst", "in_valid", "in_first", "in_last")]
    listed += [{"name": "in_bits", "direction": "input", "width": widths["in_bits"]},
               {"name": "out_valid", "direction": "output", "width": 1},
               {"name": "out_scores", "direction": "output", "width": widths["out_scores"]},
               {"name": "out_class", "direction": "output", "width": widths["out_class"]}]
    c = rtl["cslow"]
    top = {"ports": listed, "clock": "clk (rising edge)",
           "reset": "rst: synchronous, active high, resets the valid chain only",
           "latency": rtl["latency"],
           "throughput": "one step per clock" + (
               f" overall: {c} sequences in round-robin slots, slot s on the clocks "
               f"t = s mod {c}, a sequence's steps exactly {c} clocks apart" if c > 1 else ""),
           "sequence": "in_first on a sequence's first step (the state starts at its reset "
                       "value); a clock without in_valid leaves its slot's state as it was",
           "emit": ("out_valid only for steps with in_last" if rtl["emit_last_only"] else
                    "out_valid for every accepted step"),
           "input": "in_bits: input bit i at bit i"}
    w = rtl["score_width"]
    return {
        "interface_version": VERSION,
        "lgc_version": __version__,
        "model": netlist.graph.graph.get("name"),
        "classes": len(groupsum["groups"]),
        "scores": _scores(groupsum, w, rtl["score_signed"]),
        "class": {"width": widths["out_class"], "tie": TIE_RULE},
        "input": {"bits": netlist.n_inputs, "order": "input bit i at in_bits[i]"},
        "state_bits": rtl["state_bits"],
        "tops": {rtl["top"]: top},
    }


def _scores(groupsum, w, signed):
    return {"width": w, "signed": bool(signed),
            "layout": f"class c at bits [c*{w}, (c+1)*{w}) of out_scores, class 0 lowest",
            "offsets": np.asarray(groupsum["offset"]).astype(int).tolist(),
            "tau": float(groupsum["tau"]), "beta": float(groupsum["beta"]),
            "float_score": "(score + beta) / tau",
            "range": _score_range(groupsum)}


def _score_range(groupsum):
    """[lowest, highest] integer score any class can have."""
    sizes = np.array([len(g) for g in groupsum["groups"]])
    offset = np.asarray(groupsum["offset"], dtype=np.int64)
    return [int(offset.min()), int((offset + sizes).max())]


def _encoding(encoding, rtl):
    fmt = rtl["encoder"]["input_format"]
    return {"kind": encoding["kind"], "n_features": int(encoding["n_features"]),
            "shape": list(encoding.get("shape") or [encoding["n_features"]]),
            "feature_order": "torch's flatten (row-major) order of shape",
            "input_format": fmt,
            "rule": "input bit i = raw[feature[i]] > threshold[i] (float32 threshold)",
            "feature": np.asarray(encoding["feature"]).astype(int).tolist(),
            "threshold": np.asarray(encoding["threshold"], dtype=np.float32).tolist()}
