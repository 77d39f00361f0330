"""What the proof reads from an RTL's structure, on small hand-written cores: the pipeline's
latency (and the designs it refuses), and scores as exact sums of bits (and adders that do not
hold their sums)."""

import json

import pytest

from lgc.errors import LgcError
from lgc.formal.rtl_structure import Module, combinational, pipeline_latency, score_sums
from lgc.tools import yosys

PORTS = ("input wire clk, input wire rst, input wire in_valid, input wire [3:0] in_bits, "
         "output reg out_valid, output reg [{w}:0] out_scores, output reg out_class")


def core(tmp_path, body, w=5):
    """The Module yosys makes of lgc_core with `body`, with docs/design.md's ports."""
    (tmp_path / "core.v").write_text(f"module lgc_core ({PORTS.format(w=w)});\n{body}\nendmodule\n")
    yosys.in_folder(tmp_path, job="verify").run(
        "read", ["read_verilog -sv core.v", "hierarchy -top lgc_core", "proc", "flatten",
                 "opt_clean", "write_json core.json"])
    return Module(json.loads((tmp_path / "core.json").read_text())["modules"]["lgc_core"])


VALID = "always @(posedge clk) out_valid <= rst ? 1'b0 : in_valid;"


def terms(module, bits):
    """{input bit index: coefficient} of a Sum whose leaves are in_bits."""
    index = {b: i for i, b in enumerate(module.port("in_bits"))}
    return {index[b]: c for b, c in bits.terms.items()}


def test_scores_as_sums_of_input_bits(tmp_path):
    m = core(tmp_path, f"""{VALID}
  wire [2:0] a = {{2'd0, in_bits[0]}} + {{2'd0, in_bits[1]}} + 3'd2;
  wire [2:0] b = in_bits[2] + in_bits[3] + in_bits[3];
  always @(posedge clk) begin out_scores <= {{b, a}}; out_class <= b > a; end""", w=5)
    a, b = score_sums(combinational(m), 2, 3)
    assert terms(m, a) == {0: 1, 1: 1} and a.const == 2
    assert terms(m, b) == {2: 1, 3: 2} and b.const == 0
    assert pipeline_latency(m) == 1


def test_high_bits_kept_as_constants(tmp_path):
    # 9 + a + b is 9..11: bit 3 is always 1, so a register may keep 3 bits and put the 1 back
    m = core(tmp_path, f"""{VALID}
  wire [3:0] x = {{3'd0, in_bits[0]}} + {{3'd0, in_bits[1]}} + 4'd9;
  reg [2:0] low;
  always @(posedge clk) low <= x[2:0];
  reg v;
  always @(posedge clk) v <= rst ? 1'b0 : in_valid;
  always @(posedge clk) begin out_scores <= {{2'd0, 1'b1, low}}; out_class <= 1'b0;
    out_valid <= v; end""")
    (total,) = score_sums(combinational(m), 1, 6)
    assert terms(m, total) == {0: 1, 1: 1} and total.const == 9
    assert pipeline_latency(m) == 2


def test_an_adder_that_drops_a_carry(tmp_path):
    m = core(tmp_path, f"""{VALID}
  wire [1:0] x = in_bits[0] + in_bits[1] + in_bits[2] + in_bits[3];
  always @(posedge clk) begin out_scores <= {{4'd0, x}}; out_class <= 1'b0; end""")
    with pytest.raises(LgcError, match="do not spell"):
        score_sums(combinational(m), 1, 6)


def test_an_unbalanced_pipeline(tmp_path):
    m = core(tmp_path, f"""{VALID}
  reg late;
  always @(posedge clk) late <= in_bits[0];
  always @(posedge clk) begin out_scores <= {{5'd0, late & in_bits[1]}}; out_class <= 1'b0; end""")
    with pytest.raises(LgcError, match="unbalanced: the \\$and at .*crossed 0 and 1 registers"):
        pipeline_latency(m)


def test_a_register_with_an_enable_is_a_loop(tmp_path):
    # the argument covers plain registers: one that holds its value feeds itself back
    m = core(tmp_path, f"""{VALID}
  reg [3:0] x;
  always @(posedge clk) if (in_valid) x <= in_bits;
  always @(posedge clk) begin out_scores <= {{2'd0, x}}; out_class <= 1'b0; end""")
    with pytest.raises(LgcError, match="loop"):
        pipeline_latency(m)


def test_outputs_of_different_latencies(tmp_path):
    m = core(tmp_path, """  always @(posedge clk) out_valid <= in_valid;
  always @(posedge clk) out_scores <= in_bits;
  always @* out_class = in_bits[0];""")
    with pytest.raises(LgcError, match="different numbers of registers"):
        pipeline_latency(m)


# A carry-save tree: a full adder's sum and carry bits read apart, in different columns (and
# through a register), then added as two rows.
CARRY_SAVE = """{valid}
  wire [1:0] f = in_bits[0] + in_bits[1] + in_bits[2];
  reg [1:0] r;
  always @(posedge clk) r <= f;
  reg b;
  always @(posedge clk) b <= in_bits[3];
  reg v;
  always @(posedge clk) v <= rst ? 1'b0 : in_valid;
  wire [2:0] s = {carry} + {{2'd0, r[0]}} + {{2'd0, b}};
  always @(posedge clk) begin out_scores <= {{3'd0, s}}; out_class <= 1'b0; out_valid <= v; end"""


def test_bits_of_an_adder_read_apart_add_up_to_its_value(tmp_path):
    m = core(tmp_path, CARRY_SAVE.format(valid="", carry="{1'b0, r[1], 1'b0}"))
    (total,) = score_sums(combinational(m), 1, 6)
    assert terms(m, total) == {0: 1, 1: 1, 2: 1, 3: 1} and total.const == 0


@pytest.mark.parametrize("carry", ["{2'd0, r[1]}", "3'd0"])  # the carry at the sum's weight; lost
def test_bits_of_an_adder_that_do_not_add_up_to_its_value(tmp_path, carry):
    m = core(tmp_path, CARRY_SAVE.format(valid="", carry=carry))
    with pytest.raises(LgcError, match="apart, whose value .* they do not spell"):
        score_sums(combinational(m), 1, 6)
