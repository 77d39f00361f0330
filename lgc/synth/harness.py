"""A pin harness: a top's ports behind two shift registers, for devices nextpnr cannot place a
bare top on (only nextpnr-ecp5 places a design out of context; elsewhere every port needs a pin,
and the example's core has 344 ports against a GateMate CCGM1A1's 162 pins; nextpnr-nexus also
wants every pin constrained).

    lgc_pins(clk, load, d, q): every input bit of the top but its clock is a bit of a shift
    register fed from pin `d`; every output bit is loaded into a second shift register while
    `load` is high and shifted out to pin `q` otherwise (q also reads the first register's last
    bit, so no bit of it is left unread when the top ignores an input).

Every port bit of the top stays observable, so synthesis keeps all of it, and a path into or out
of the top is one register-to-register hop (or a mux before the output register): the top's own
paths set Fmax. The harness' flip-flops (one per port bit) and muxes are a block of their own in
the report ("pin harness"), so the top's own figures stay apart.
"""

from ..errors import LgcError

TOP = "lgc_pins"
PINS = ("clk", "load", "d", "q")


def ports_of(interface, top):
    """The top's ports from interface.json ([{"name", "direction", "width"}]) and its clock."""
    description = (interface or {}).get("tops", {}).get(top)
    if description is None:
        raise LgcError(f"the build's interface describes no top {top}; recompile the model")
    return description["ports"], description["clock"].split()[0]


def verilog(top, ports, clock):
    """The harness module around `top` (its ports as interface.json lists them)."""
    inputs = [p for p in ports if p["direction"] == "input" and p["name"] != clock]
    outputs = [p for p in ports if p["direction"] == "output"]
    n_in, n_out = (sum(p["width"] for p in group) for group in (inputs, outputs))
    connections = [f".{clock}(clk)"]
    for bus, group in (("in_shift", inputs), ("outs", outputs)):
        offset = 0
        for p in group:
            connections.append(f".{p['name']}({bus}[{offset} +: {p['width']}])")
            offset += p["width"]
    joined = ",\n    ".join(connections)
    return f"""\
// The pin harness lgc synth puts around {top} where nextpnr needs a pin per port
// (lgc.synth.harness): inputs shifted in from d, outputs loaded and shifted out to q.
module {TOP}(input clk, input load, input d, output q);
  reg [{n_in - 1}:0] in_shift;
  reg [{n_out - 1}:0] out_shift;
  wire [{n_out - 1}:0] outs;
  always @(posedge clk) begin
    in_shift <= {{in_shift, d}};
    out_shift <= load ? outs : out_shift >> 1;
  end
  assign q = out_shift[0] ^ in_shift[{n_in - 1}];
  {top} wrapped(
    {joined}
  );
endmodule
"""
