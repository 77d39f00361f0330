"""The encoded top: the input encoder in front of the unchanged core, raw features in.

    in_valid, in_raw ─▶ lgc_encoder (comparators, one register) ─▶ lgc_core ─▶ out_valid,
                                                                               out_scores, out_class

Module `lgc_encoded`, written by `lgc compile` next to `lgc_core` when the netlist has an input
encoding. Ports: `clk`, `rst`, `in_valid`, `in_raw[W * n_features]` (raw feature f in the build's
input format, W bits wide (input_format.py; `u8` by default), in bits [f*W, (f+1)*W), features in
the encoding's order: torch's flatten order of the raw input), `out_valid`, `out_scores`,
`out_class` exactly as the core's. Latency: the core's plus one clock. The core itself keeps
docs/design.md's ports and can be used alone. report.json's rtl["encoder"] records the format
(`input_format`: name, kind, width, fraction_bits), which every later step reads.
"""

import numpy as np
from amaranth import Cat, Const, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import LgcError
from . import input_format
from .encoder import Encoder
from .ports import CorePorts
from .verilog import TOP, convert

ENCODED_TOP = "lgc_encoded"


class EncodedCore(wiring.Component):
    """`core` (an lgc.rtl.Core, instantiated as the Verilog module lgc_core) behind an Encoder of
    `encoding` that compares only what the core reads: input bits the core ignores are 0, bits
    whose threshold lies outside the format's range are constants. `fmt`: the input format
    (input_format.InputFormat; u8 by default)."""

    def __init__(self, core, encoding, fmt=None):
        plan = core.plan
        fmt = fmt or input_format.parse(input_format.DEFAULT)
        if len(encoding["feature"]) != plan.n_inputs:
            raise LgcError(f"the input encoding makes {len(encoding['feature'])} bits, but the "
                           f"core has {plan.n_inputs} inputs")
        constant = input_format.constants(fmt, encoding["threshold"])
        live = plan.logic.boundaries[0]
        fixed = live[input_format.fixed(fmt, constant)[live]]
        self.constants = {int(i): int(constant[i] < 0) for i in fixed}
        self.encoder = Encoder(encoding, fmt, live=np.setdiff1d(live, fixed))
        self.core = CorePorts(plan.n_inputs, plan.n_classes, plan.score_width, plan.class_width,
                              module=TOP)
        self.latency = core.latency + 1
        self.core_registers = core.registers()
        super().__init__({"in_valid": In(1), "in_raw": In(fmt.width * self.encoder.n_features),
                          "out_valid": Out(1), "out_scores": Out(len(core.out_scores)),
                          "out_class": Out(len(core.out_class))})

    def registers(self):
        encoder, core = self.encoder.registers(), self.core_registers
        return {"encoder": encoder["total"], "core": core["total"],
                "total": encoder["total"] + core["total"]}

    def elaborate(self, platform):
        m = Module()
        m.submodules.encoder = encoder = self.encoder
        m.d.comb += [encoder.in_valid.eq(self.in_valid), encoder.in_raw.eq(self.in_raw)]
        # The core's input bits: compared ones from the encoder, constants, 0 where unread.
        in_bits = [Const(0, 1)] * self.core.n_inputs
        for i, value in self.constants.items():
            in_bits[i] = Const(value, 1)
        for j, i in enumerate(encoder.live.tolist()):
            in_bits[i] = encoder.out_bits[j]
        m.submodules.core = self.core.instance(encoder.out_valid, Cat(*in_bits),
                                               self.out_valid, self.out_scores, self.out_class)
        return m

    def verilog(self):
        """{file name: text}: lgc_encoded and lgc_encoder (lgc_core comes with the core)."""
        # Unread: features no input bit the core reads compares, and bits no comparison needs
        # (x > 0b0111 is x >= 0b1000: nothing below the constant's lowest 0; encoder.greater).
        return convert(self, ENCODED_TOP, {"in_raw": "raw bits no comparator needs"})

    def summary(self, files):
        """report.json's rtl["encoder"]."""
        encoder = self.encoder
        return {"top": ENCODED_TOP, "files": files, "latency": self.latency,
                "input_format": encoder.format.summary(),
                "feature_bits": encoder.width, "n_features": encoder.n_features,
                "ports": {"in_raw": len(self.in_raw), "out_scores": len(self.out_scores),
                          "out_class": len(self.out_class)},
                "comparators": len(encoder.live), "constant_bits": len(self.constants),
                "registers": self.registers()}
