"""A hand-written stand-in for the compiled core, with docs/design.md's ports, to test the synthesis
flows and the UART top before (and independently of) the RTL generator.

12 inputs, 3 classes: class c scores the popcount of inputs 4c..4c+3; the class is the lowest
index among the maxima. Inputs and outputs are registered, the valid chain is reset: 25 FFs.
"""

import os

import numpy as np

from lgc.build import BuildDir

N_INPUTS, N_CLASSES, SCORE_WIDTH = 12, 3, 3
REGISTERS = 1 + N_INPUTS + 1 + N_CLASSES * SCORE_WIDTH + 2

VERILOG = """\
module lgc_popcount4(input [3:0] x, output [2:0] y);
  assign y = x[0] + x[1] + x[2] + x[3];
endmodule

module lgc_argmax3(input [8:0] s, output [1:0] c);
  wire [2:0] s0 = s[2:0], s1 = s[5:3], s2 = s[8:6];
  wire [1:0] c01 = (s1 > s0) ? 2'd1 : 2'd0;
  wire [2:0] m01 = (s1 > s0) ? s1 : s0;
  assign c = (s2 > m01) ? 2'd2 : c01;
endmodule

module lgc_core(input clk, input rst, input in_valid, input [11:0] in_bits,
                output reg out_valid, output reg [8:0] out_scores, output reg [1:0] out_class);
  reg valid;
  reg [11:0] x;
  wire [8:0] scores;
  wire [1:0] cls;
  lgc_popcount4 p0(.x(x[3:0]), .y(scores[2:0]));
  lgc_popcount4 p1(.x(x[7:4]), .y(scores[5:3]));
  lgc_popcount4 p2(.x(x[11:8]), .y(scores[8:6]));
  lgc_argmax3 a(.s(scores), .c(cls));
  always @(posedge clk) begin
    x <= in_bits;
    out_scores <= scores;
    out_class <= cls;
    if (rst) begin
      valid <= 1'b0;
      out_valid <= 1'b0;
    end else begin
      valid <= in_valid;
      out_valid <= valid;
    end
  end
endmodule
"""


def expected(x):
    scores = np.asarray(x).reshape(len(x), N_CLASSES, 4).sum(axis=2)
    return scores, scores.argmax(axis=1)


def make_build(path):
    """A build directory as `lgc compile` leaves it, holding the stand-in core."""
    os.makedirs(os.path.join(path, "rtl"), exist_ok=True)
    with open(os.path.join(path, "rtl", "lgc_core.v"), "w") as f:
        f.write(VERILOG)
    build = BuildDir(path)
    build.update_report(rtl={"top": "lgc_core", "files": ["lgc_core.v"], "score_width": SCORE_WIDTH,
                             "ports": {"in_bits": N_INPUTS, "out_scores": N_CLASSES * SCORE_WIDTH,
                                       "out_class": 2},
                             "registers": {"total": REGISTERS}, "latency": 2},
                        interface={"tops": {"lgc_core": {"clock": "clk (rising edge)", "ports": [
                            _port("clk", "input", 1), _port("rst", "input", 1),
                            _port("in_valid", "input", 1), _port("in_bits", "input", N_INPUTS),
                            _port("out_valid", "output", 1),
                            _port("out_scores", "output", N_CLASSES * SCORE_WIDTH),
                            _port("out_class", "output", 2)]}}})
    return build


def _port(name, direction, width):
    return {"name": name, "direction": direction, "width": width}
