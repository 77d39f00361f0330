`default_nettype none
// Streams a stimulus file through lgc_recurrent at one line per clock and records its outputs at
// every clock (as lgc_tb does for lgc_core; lgc.sim.sequences writes and checks the files).
//
//   +stimulus=FILE   one hex line per clock: {rst, in_valid, in_first, in_last, in_bits},
//                    applied after an edge
//   +responses=FILE  one line per rising edge, written before the core's registers update:
//                    "<out_valid> <out_class> <out_scores>" in hex
// `done` rises once the stimulus is exhausted.
module lgc_seq_tb #(
    parameter integer N_IN = 1,
    parameter integer SCORE_BITS = 1,
    parameter integer CLASS_BITS = 1
) (
    input wire clk /*verilator public_flat_rw*/,
    output reg done /*verilator public_flat_rw*/
);
    reg rst;
    reg in_valid;
    reg in_first;
    reg in_last;
    reg [N_IN-1:0] in_bits;
    reg [N_IN+3:0] line;
    wire out_valid;
    wire [SCORE_BITS-1:0] out_scores;
    wire [CLASS_BITS-1:0] out_class;
    integer stimulus, responses, got;
    reg [8*4096-1:0] path;

    lgc_recurrent dut (
        .clk(clk), .rst(rst), .in_valid(in_valid), .in_first(in_first), .in_last(in_last),
        .in_bits(in_bits), .out_valid(out_valid), .out_scores(out_scores), .out_class(out_class)
    );

    initial begin
        done = 1'b0;
        rst = 1'b1;
        in_valid = 1'b0;
        in_first = 1'b0;
        in_last = 1'b0;
        in_bits = {N_IN{1'b0}};
        if (!$value$plusargs("stimulus=%s", path)) $fatal(1, "lgc_seq_tb: no +stimulus=FILE");
        stimulus = $fopen(path, "r");
        if (stimulus == 0) $fatal(1, "lgc_seq_tb: cannot read %0s", path);
        if (!$value$plusargs("responses=%s", path)) $fatal(1, "lgc_seq_tb: no +responses=FILE");
        responses = $fopen(path, "w");
        if (responses == 0) $fatal(1, "lgc_seq_tb: cannot write %0s", path);
    end

    always @(posedge clk) begin
        if (!done) begin
            $fwrite(responses, "%h %h %h\n", out_valid, out_class, out_scores);
            /* verilator lint_off BLKSEQ */
            got = $fscanf(stimulus, "%h\n", line);
            /* verilator lint_on BLKSEQ */
            if (got == 1) begin
                {rst, in_valid, in_first, in_last, in_bits} <= line;
            end else begin
                done <= 1'b1;
                $fclose(stimulus);
                $fclose(responses);
            end
        end
    end
endmodule
`default_nettype wire
