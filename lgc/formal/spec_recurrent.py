"""The specification of a recurrent model (lgc.nn.RecurrentLogic) as a sequential circuit in
behavioural Verilog, written straight from the model file's gates (docs/formal.md, "Recurrent
cores").

Like spec.py, and through its reader, this shares no code with lgc's frontends, passes or RTL
generator. Two modules:

- `MODULE_step`, the step function: the next-state net's gates on cat([x_t, h]) (in_bits in the
  low bits), the state being its last layer's output, the output net's gates on cat([x_t, h_new])
  or cat([x_t, h_old]) as the model's `output_reads` says, its last layer the GroupSum's input
  (`groups`), then the counts and the argmax of spec.py;
- `MODULE`, the model run over a stream as the recurrent core's interface defines it: C slots
  in fixed round robin (slot s owns the clocks t = s mod C), one state per slot in a ring of C
  registers; a valid step reads the model's initial state when in_first is set, else its slot's
  state, and writes the next one; a clock without a valid input carries its slot's state. At
  each clock it gives the step's group bits, scores and class, whether to compare them (a valid
  step of a slot that has started a sequence) and, L clocks later, out_valid.
"""

import dataclasses
import io

import numpy as np

from ..errors import LgcError
from ..reference.forward import load_model
from .spec import DIFFLOGIC_LAYERS, GROUP_SUMS, Reader, _Verilog

RECURRENT = "lgc.nn.RecurrentLogic"


@dataclasses.dataclass
class RecurrentSpec:
    module: str
    n_inputs: int
    state_bits: int
    reset: list          # the initial state, one 0/1 per bit
    n_classes: int
    group_size: int
    score_width: int
    class_width: int
    gates: int


def write_recurrent_spec(model, path, module="lgc_spec"):
    """Write the step function `MODULE_step` of the recurrent model file `model` to `path`;
    returns its RecurrentSpec (the sequential wrapper: `sequential_spec`)."""
    layers = load_model(model)
    if len(layers) != 1 or getattr(layers[0], "qualname", "") != RECURRENT:
        raise LgcError(f"{model}: not a recurrent model (lgc.nn.RecurrentLogic)")
    holder = layers[0]
    n, s = int(holder.__dict__["n_inputs"]), int(holder.__dict__["state_bits"])
    reads, initial = holder.__dict__.get("output_reads"), holder.__dict__.get("initial_state")
    if reads not in ("new", "old") or initial not in (0, 1):
        raise LgcError(f"{model}: output_reads {reads!r} or initial_state {initial!r} is not one "
                       "the spec knows")
    body = io.StringIO()  # the ports' widths are known at the end
    writer = _Verilog(body)
    with open(path, "w") as f:
        f.write(f"""// The step function of a recurrent DLGN, written by lgc.formal.spec_recurrent
// from the model file.
module {module}_step (
  input wire [{n - 1}:0] in_bits,
  input wire [{s - 1}:0] state,
  output wire [{s - 1}:0] next,
""")
        body.write(f"  wire [{n + s - 1}:0] next_in = {{state, in_bits}};\n")
        reader = _net(writer, "next_in", holder.child("next_state"), "next_state")
        if reader.width != s:
            raise LgcError(f"{model}: the next-state net ends in {reader.width} bits, not {s}")
        body.write(f"  assign next = {writer.vector};\n")
        read = writer.vector if reads == "new" else "state"
        body.write(f"  wire [{n + s - 1}:0] output_in = {{{read}, in_bits}};\n")
        out = _net(writer, "output_in", holder.child("output"), "output")
        group_sum = holder.child("group_sum")
        if group_sum.qualname not in GROUP_SUMS:
            raise LgcError(f"{model}: the output net ends in a {group_sum.qualname}, "
                           "not a GroupSum")
        out.layer("group_sum", group_sum)
        k = out.n_classes
        if k < 1 or out.width % k:
            raise LgcError(f"GroupSum cannot split {out.width} outputs into {k} equal groups")
        spec, tail = writer.finish(out, f"{module}_step")
        f.write(f"  output wire [{out.width - 1}:0] groups,\n"
                f"  output wire [{k * spec.score_width - 1}:0] out_scores,\n"
                f"  output wire [{spec.class_width - 1}:0] out_class\n);\n")
        f.write(body.getvalue())
        f.write(tail)
    return RecurrentSpec(module, n, s, [int(initial)] * s, k, spec.group_size, spec.score_width,
                         spec.class_width, reader.gates + out.gates)


def _net(writer, vector, net, what):
    """The LogicLayers of a Sequential, read by spec.py's reader from the vector `vector`."""
    writer.vector = vector
    reader = Reader(writer)
    layers = list(net.children()) if net is not None else []
    if not layers:
        raise LgcError(f"the {what} net has no logic layers")
    for i, layer in enumerate(layers):
        if layer.qualname not in DIFFLOGIC_LAYERS:
            raise LgcError(f"{what} layer {i} is a {layer.qualname}, not a LogicLayer")
        reader.layer(f"{what}.{i}", layer)
    return reader


def sequential_spec(spec, cslow, latency, last_only, init=None):
    """Verilog of the module `spec.module`: the step function run over a stream in `cslow`
    round-robin slots (module docstring). Ports: clk, in_valid, in_first, in_last, in_bits;
    compare, groups, scores, class (the step of this clock), out_valid (the step of
    `latency` clocks ago, with in_last when `last_only`), slot_state and slot_started (the
    state the clock's slot holds and whether its sequence has started). `init`: each state
    bit's value before any step (0/1 per bit; it only helps the proof engine: no state read
    before a sequence starts is ever compared)."""
    n, s, m, c = spec.n_inputs, spec.state_bits, spec.module, cslow
    g, w = spec.n_classes * spec.group_size, spec.n_classes * spec.score_width
    init = np.zeros(s, np.uint8) if init is None else np.asarray(init)
    literal = lambda bits: f"{s}'b" + "".join(str(int(b)) for b in bits[::-1])
    ring = "\n".join(f"  reg [{s - 1}:0] ring_{i} = {literal(init)};\n  reg started_{i} = 1'b0;"
                     for i in range(c))
    shifts = "\n".join(f"    ring_{i} <= ring_{i + 1};\n    started_{i} <= started_{i + 1};"
                       for i in range(c - 1))
    valid = "in_valid & in_last" if last_only else "in_valid"

    return f"""// A recurrent model over a stream: {c} slot(s) in round robin, written by
// lgc.formal.spec_recurrent.
module {m} (
  input wire clk,
  input wire in_valid,
  input wire in_first,
  input wire in_last,
  input wire [{n - 1}:0] in_bits,
  output wire compare,
  output wire [{g - 1}:0] groups,
  output wire [{w - 1}:0] scores,
  output wire [{spec.class_width - 1}:0] class,
  output wire out_valid,
  output wire [{s - 1}:0] slot_state,
  output wire slot_started
);
{ring}
  wire first = in_valid & in_first;
  wire [{s - 1}:0] state = first ? {literal(spec.reset)} : ring_0;
  wire started = first | started_0;
  wire [{s - 1}:0] next;
  wire [{g - 1}:0] step_groups;
  wire [{w - 1}:0] step_scores;
  wire [{spec.class_width - 1}:0] step_class;
  {m}_step step (.in_bits(in_bits), .state(state), .next(next), .groups(step_groups),
    .out_scores(step_scores), .out_class(step_class));
  always @(posedge clk) begin
{shifts}
    ring_{c - 1} <= in_valid ? next : state;
    started_{c - 1} <= started;
  end
{_delay("valid_d", valid, latency)}  assign compare = in_valid & started;
  assign groups = step_groups;
  assign scores = step_scores;
  assign class = step_class;
  assign out_valid = valid_d;
  assign slot_state = ring_0;
  assign slot_started = started_0;
endmodule
"""


def _delay(name, source, length):
    """Verilog of the wire `name`: the bit `source` delayed `length` clocks, 0 before."""
    lines = [f"  wire {name}_0 = {source};"]
    for i in range(1, length + 1):
        lines.append(f"  reg {name}_{i} = 1'b0;")
        lines.append(f"  always @(posedge clk) {name}_{i} <= {name}_{i - 1};")
    lines.append(f"  wire {name} = {name}_{length};")
    return "\n".join(lines) + "\n"
