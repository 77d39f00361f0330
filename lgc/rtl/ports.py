"""A compiled top as its Verilog shows it, for the tops that instantiate it by module name."""

import dataclasses

from amaranth import ClockSignal, Instance, ResetSignal


@dataclasses.dataclass(frozen=True)
class CorePorts:
    """docs/design.md's core ports: `clk`, `rst`, `in_valid`, the input (`in_bits`, or `in_raw` for
    the encoded top `lgc_encoded`), `out_valid`, `out_scores`, `out_class`. `n_inputs` is the
    input port's width."""
    n_inputs: int
    n_classes: int
    score_width: int
    class_width: int
    module: str = "lgc_core"
    in_port: str = "in_bits"

    def instance(self, in_valid, in_data, out_valid, out_scores, out_class):
        return Instance(self.module, i_clk=ClockSignal("sync"), i_rst=ResetSignal("sync"),
                        i_in_valid=in_valid, **{f"i_{self.in_port}": in_data},
                        o_out_valid=out_valid, o_out_scores=out_scores, o_out_class=out_class)
