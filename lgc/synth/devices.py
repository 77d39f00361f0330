"""The FPGAs lgc synthesizes for: family, how nextpnr names them, their capacity and delays.

Capacities are the `available` counts nextpnr reports for each device (tests check them against
real runs); LUTs means 4-input LUTs, the logic cell of ECP5, iCE40, Gowin and Nexus; on GateMate
it means CPE halves (CPE_LT: a CCGM1A1 has 20,480 CPEs, each two LUT-tree halves and two
flip-flops). A family's `delays`
(lgc.rtl.timing.Delays) is the delay model `lgc compile --target-mhz` places registers by,
fitted to nextpnr's reports on lgc's own cores (ECP5: `python -m bench.qor` compares them per
stage; Nexus, GateMate, iCE40: `python -m bench.delay_fit`); a family without one gets the fixed
pipelining options. Its `fanout_limit` (copies of the input register, lgc.rtl.fanout) is 0 on
every family: copies made no core faster on ECP5 or GateMate (Nexus: not measured).
`target_mhz` is the clock a core is compiled for and constrained at when none is given: about
what the family reaches on the example (bench/README.md, "Quality of results", "Delay models of
Nexus and GateMate"; iCE40: on four smaller models, "iCE40: the delay model").
"""

import dataclasses
import re

from ..errors import LgcError
from ..rtl.timing import Delays


@dataclasses.dataclass(frozen=True)
class Family:
    name: str
    synth: str              # yosys synthesis command
    synth_opts: str         # its default options (`--synth-opts` replaces them)
    nextpnr: str            # tool names, see lgc.tools.process
    packer: str
    bitstream: str          # file suffix of the bitstream
    lut_cells: str          # regexes over yosys cell types
    ff_cells: str
    carry_cells: str
    carry_luts: int         # LUTs a carry cell occupies besides the LUT cells
    logic_bel: str          # nextpnr utilization entries for logic and flip-flops
    ff_bel: str
    target_mhz: float       # clock target of a core (compile) and constraint (synth) by default
    delays: Delays          # the delay model of --target-mhz
    wide_lut_opts: str = None  # synth options for cores whose gates mostly read 5-6 inputs
    pnr_opts: str = ""      # nextpnr options by default (an option `--pnr-opts` gives replaces
                            # its own)
    slack_pnr_opts: str = None  # instead, for a core whose plan is far faster than its clock


FAMILIES = {f.name: f for f in (
    Family("ecp5", "synth_ecp5", "-nowidelut", "nextpnr-ecp5", "ecppack", "bit",
           r"LUT4$", r"TRELLIS_FF$", r"CCU2C$", 2, "TRELLIS_COMB", "TRELLIS_FF", 225,
           Delays(clock_to_out=0.525, setup=0.13, lut=0.236, net=1.2, net_spread=0.71,
                  net_crowd=0.4215, crowd_power=0.782, crowd_share=0.097, carry_in=0.447,
                  carry_bit=0.0355, carry_out=0.443, net_fanout=0.115, margin=0.1,
                  mux_inputs=2, mux=0.203),
           # default 225 MHz: the example's gates' one LUT level, the margin keeping sums and
           # compares clear of it. A LUT6 is one level: four LUT4s, a PFUMX and an L6MUX21 in
           # one slice pair (a cut between them made gate stages of copies; bench/README.md,
           # "DWN (torch-dwn) cores on ECP5"), its muxes' delay the mean of the two in nextpnr's
           # SDF (`python -m bench.delay_fit --check`). HeAP weighs timing 4x its default: every
           # seed of the example's 200 MHz core meets its clock (bench/README.md, "Flow options")
           wide_lut_opts="", pnr_opts="--placer-heap-timingweight 40",
           # A core far faster than its clock (a low board clock, below the plan of fewest
           # registers) is placed for wirelength alone: timing-driven placement crowds its long
           # combinational paths until router1 cannot route them (bench/README.md, "A board
           # clock far below the core's")
           slack_pnr_opts="--no-tmdriv"),
    # Delays: python -m bench.delay_fit over four models behind the pin harness, the nets the
    # means of two seeds (bench/README.md, "iCE40: the delay model"). No wide-LUT muxes: a
    # trained LUT6 is written as its four cofactors and three muxes, 7 LUT4s in 3 levels, where
    # yosys maps its table to about 10 in 4 (bench/README.md, "Wide gates as cofactors").
    Family("ice40", "synth_ice40", "", "nextpnr-ice40", "icepack", "bin",
           r"SB_LUT4$", r"SB_DFF\w*$", r"SB_CARRY$", 0, "ICESTORM_LC", "ICESTORM_LC", 100,
           Delays(clock_to_out=0.54, setup=0.104, lut=0.315, net=1.415, net_spread=0.785,
                  carry_in=0.259, carry_bit=0.126, carry_out=0.315, lut_adder_bits=2,
                  cofactor_gates=True)),
    # -nowidelut as on ECP5: wide-LUT muxes (MUX2_LUT5-8) deepen the popcount's full adders;
    # and for wide gates too: nextpnr-himbaechel-gowin's timing misses gate stages made of those
    # muxes (two layers of LUT6s and the first sums in one stage "routed" at 3.38 ns, less than
    # their cells' SDF delays; bench/README.md, "Wide gates in the delay model"); written as
    # cofactors and muxes, as on iCE40.
    # Delays: python -m bench.delay_fit over three models' fixed cores behind the pin harness
    # (the SDF times only the flip-flops: LUT and carry arcs from the critical paths), pessimistic
    # on the deeper stages lower targets make (bench/README.md, "Gowin: a delay model").
    Family("gowin", "synth_gowin", "-nowidelut", "nextpnr-himbaechel", "gowin_pack", "fs",
           r"LUT[1-4]$", r"DFF\w*$", r"ALU$", 1, "LUT4", "DFF", 100,
           Delays(clock_to_out=0.458, setup=0.399, lut=0.9265, net=0.789, net_spread=1.223,
                  carry_in=0.958, carry_bit=0.057, carry_out=0.563, lut_adder_bits=2,
                  cofactor_gates=True)),
    # nextpnr's GateMate flow takes LUT trees, not CC_LUT4 (its README: -luttree -nomx8).
    # Delays: python -m bench.delay_fit (nextpnr's GateMate SDF has no carry step arc), its nets
    # scaled so that the example's default core is the one that met 70 MHz at every seed with
    # timing-driven rip-up (bench/README.md, "GateMate: 70 MHz"). A trained LUT6 takes about 3.2
    # times the 4 LUT4s wide-LUT muxes would join (LUT2s and MX4s of a LUT tree; bench/README.md,
    # "DWN (torch-dwn) cores on ECP5").
    Family("gatemate", "synth_gatemate", "-luttree -nomx8", "nextpnr-himbaechel-gatemate",
           "gmpack", "bit", r"CC_(LUT[1-4]|L2T[45]|MX[24])$", r"CC_DFF$", r"CC_ADDF$", 1,
           "CPE_LT", "CPE_FF", 70,
           Delays(clock_to_out=0.594, setup=0.1, lut=0.559, net=2.984, net_spread=3.926,
                  carry_in=0.551, carry_bit=0.0, carry_out=0.515, lut_adder_bits=2,
                  full_adder_luts=2, wide_gate_factor=3.2),
           # HeAP spreads cells to at most 60% of a bin (its default 90%): the example's default
           # core routes where it stalled at 90% (bench/README.md, "GateMate: placement
           # density"). router2 rips up the nets that fail timing, not only the congested ones:
           # without it, nets it detours round congestion miss the clock (bench/README.md,
           # "GateMate: timing-driven rip-up")
           pnr_opts="--placer-heap-beta 0.6 --tmg-ripup"),
    # WIDEFN9 is two LUT4s and their mux: counted once here, twice in nextpnr's OXIDE_COMB.
    # Delays: python -m bench.delay_fit --planned (nextpnr-nexus' SDF and stage arrivals on the
    # example's fixed and default builds; bench/README.md, "The refit, checked and applied").
    Family("nexus", "synth_nexus", "", "nextpnr-nexus", "prjoxide", "bit", r"(LUT4|WIDEFN9)$",
           r"FD1P3\w+$", r"CCU2$", 2, "OXIDE_COMB", "OXIDE_FF", 250,
           Delays(clock_to_out=0.307, setup=0.0, lut=0.213, net=0.78, net_spread=0.579,
                  carry_in=0.316, carry_bit=0.027, carry_out=0.208)),
)}


@dataclasses.dataclass(frozen=True)
class Device:
    name: str
    family: str
    nextpnr_args: tuple     # device and package options of nextpnr
    luts: int
    ffs: int
    ios: int
    pack_device: str = ""   # gowin_pack's name for the chip
    note: str = ""
    harness_sites: tuple = ()  # pins of lgc.synth.harness' clk, load, d, q where all must be set

    @property
    def out_of_context(self):
        """nextpnr can place a bare core here without pins (only nextpnr-ecp5 can)."""
        return self.family == "ecp5"


def _ecp5(name, size, luts, ios, note=""):
    return Device(name, "ecp5", (f"--{size}", "--package", "CABGA381", "--speed", "6"),
                  luts, luts, ios, note=note)


DEVICES = {d.name: d for d in (
    _ecp5("LFE5U-12F", "12k", 24288, 197, "the 25F die: nextpnr offers its 24,288 LUTs, the "
          "datasheet rates 12,096"),
    _ecp5("LFE5U-25F", "25k", 24288, 197),
    _ecp5("LFE5U-45F", "45k", 43848, 245),
    _ecp5("LFE5U-85F", "85k", 83640, 365),
    Device("iCE40UP5K", "ice40", ("--up5k", "--package", "sg48"), 5280, 5280, 39),
    Device("iCE40HX8K", "ice40", ("--hx8k", "--package", "ct256"), 7680, 7680, 206),
    Device("iCE40HX1K", "ice40", ("--hx1k", "--package", "tq144"), 1280, 1280, 96),
    # nextpnr-himbaechel-gowin wants every port on a pin: the harness' four go on the Tang Nano
    # 9K's clock pin, its UART's two and an LED's.
    Device("GW1NR-9C", "gowin", ("--device", "GW1NR-LV9QN88PC6/I5", "--vopt", "family=GW1N-9C"),
           8640, 6480, 71, pack_device="GW1N-9C", harness_sites=("52", "18", "17", "10")),
    Device("CCGM1A1", "gatemate", ("--device", "CCGM1A1"), 40960, 40960, 162),
    # nextpnr-nexus places no pin by itself: the harness' four go on four general-purpose pins
    # of the BG400 package (any would do).
    Device("LIFCL-40", "nexus", ("--device", "LIFCL-40-9BG400C"), 32256, 32256, 185,
           harness_sites=("L13", "E17", "F13", "G14")),
)}


def find_device(name):
    """The device called `name` (case does not matter), or LgcError listing the known ones."""
    for device in DEVICES.values():
        if device.name.lower() == str(name).lower():
            return device
    raise LgcError(f"unknown device {name!r}; lgc knows {', '.join(DEVICES)}")


def count_cells(cells_by_type, pattern):
    return sum(n for cell, n in cells_by_type.items() if re.match(pattern, cell))
