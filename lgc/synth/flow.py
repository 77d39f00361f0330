"""`lgc synth`: yosys, nextpnr and the packer on a build directory, into report.json's "synthesis".

Two kinds of target:
- a device: the bare core (or lgc_axis), out of context on ECP5 (no pins: the numbers are the
  core's own); elsewhere with its ports on pins nextpnr chooses (iCE40, GateMate) when the device
  has enough, else behind lgc.synth.harness' four pins (always on Nexus and Gowin, whose nextpnr
  places no pin by itself; the harness is its own block in the report); no bitstream;
- a board: the board top lgc.deploy wrote into the build (DIR/board/, described by the `board`
  dict it returned: its files, device, clock and packer options), placed on the board's pins,
  clocked at the board's frequency, packed to a bitstream.
Everything the tools write stays in DIR/synth/.
"""

import json
import os
import shlex
import shutil

from ..build import RTL_DIR, BuildDir, step
from ..errors import LgcError
from ..tools import ToolError, process, yosys
from . import harness
from . import report as parse
from .devices import FAMILIES, find_device

SYNTH_DIR = "synth"
# A core whose plan is predicted this much faster than its clock has slack to spare
# (Family.slack_pnr_opts): planned plans come within the delay model's margin of their clock.
AMPLE_SLACK = 1.5
GATE_MODULES = dict(parse.BLOCKS)["gate layers"][0] + "*"   # yosys' pattern of the gate stages
# the other large blocks, leaves of the hierarchy as the gate stages are
SUM_MODULES = " ".join(f"={dict(parse.BLOCKS)[kind][0]}*" for kind in ("popcount", "argmax"))


def synthesize(path, *, device=None, board=None, freq=None, seed=1, synth_opts=None,
               pnr_opts=None, engine=None, axis=False):
    """Run the flow on the build directory at `path` for a `device` (name) or a `board` (the
    board section of the board top in the build); returns the "synthesis" report section.
    `engine`: the yosys engine (lgc.tools.yosys.choose); `axis`: on a device, the AXI4-Stream
    top lgc_axis instead of the core."""
    build = BuildDir(path).check()
    rtl = build.rtl()
    if (board is None) == (device is None):
        raise LgcError("give a board or a device, not both")
    if axis and board:
        raise LgcError("the AXI4-Stream top is synthesized on a device (--device), not a board")
    check_frequency(freq)
    if board:
        target, top, target_mhz = find_device(board["device"]), board["top"], board["clock_mhz"]
        pins = "board"
    else:
        target = find_device(device)
        top, target_mhz = rtl["top"], float(freq or compiled_target(rtl, target.family)
                                            or FAMILIES[target.family].target_mhz)
        if axis:
            top = rtl["axis"]["top"]
        ports, clock = harness.ports_of(build.report().get("interface"), top)
        pins = placement(target, ports)
    family = FAMILIES[target.family]
    engine = yosys.choose(engine, "synth")

    with build.recording("synthesis", step="synth") as section:
        times = {}
        work = build.file(SYNTH_DIR)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        synth = yosys.Yosys(work, engine)
        opts, gate_opts, opts_why = ((synth_opts, None, "given") if synth_opts is not None
                                     else default_synth_opts(family, rtl))
        sources = [os.path.join("..", RTL_DIR, f)
                   for f in rtl["files"] + (rtl["axis"]["files"] if axis else [])]
        if board:
            sources += [os.path.join("..", f) for f in board["files"] if f.endswith(".il")]
        if pins == "harness":
            with open(os.path.join(work, f"{harness.TOP}.v"), "w") as f:
                f.write(harness.verilog(top, ports, clock))
            sources.append(f"{harness.TOP}.v")
            top = harness.TOP
        with step(times, "yosys"):
            commands = synth_commands(family, opts, top, board=bool(board), gate_opts=gate_opts)
            synth.run("synth", yosys_script(sources, top, *commands))
        if family.name == "nexus":
            free_constant_carry_ins(os.path.join(work, "netlist.json"))
        stat = parse.read_json(os.path.join(work, "stat.json"), "yosys statistics")
        cells = parse.cell_counts(stat)
        used = parse.resources(cells, family)
        _check_fit(target, family, used, board)

        defaults, pnr_why = default_pnr_opts(family, rtl, target_mhz)
        pnr_extra = nextpnr_opts(defaults, pnr_opts)
        with step(times, "nextpnr"):
            pnr_args, products = _nextpnr_args(target, family, board, target_mhz, seed, work)
            pnr_args += pnr_extra
            try:
                process.run(family.nextpnr, pnr_args, work, "nextpnr.log")
            except ToolError as e:
                _explain_pnr_failure(target, e, board)
                raise
        pnr = parse.read_json(os.path.join(work, "pnr.json"), "nextpnr report")
        clocks = parse.fmax(pnr)

        bitstream = None
        if board:
            _check_timing(clocks, target_mhz)
            with step(times, "pack"):
                bitstream = os.path.join(SYNTH_DIR, f"{top}.{family.bitstream}")
                process.run(family.packer, _pack_args(target, family, products, board, top),
                            work, "pack.log")

        per_module, per_kind = parse.blocks(stat, top, rtl["top"], family)
        section.update({
            "top": top,
            "target": {"board": board["name"] if board else None, "device": target.name,
                       "family": target.family, "out_of_context": pins == "out of context",
                       "pins": pins},
            "options": {"synth": f"{family.synth} {opts}".strip(),
                        "synth_gate_stages": (None if gate_opts is None
                                              else f"{family.synth} {gate_opts}".strip()),
                        "pnr": shlex.join(pnr_extra),
                        "seed": seed, "target_mhz": round(target_mhz, 6),
                        "synth_opts_chosen": opts_why,
                        "pnr_opts_chosen": "given" if pnr_opts else pnr_why},
            "board": board,
            "cells_by_type": cells,
            **used,
            "utilization": parse.utilization(pnr),
            "blocks": per_kind,
            "modules": per_module,
            "fmax": clocks,
            "critical_paths": parse.critical_paths(pnr),
            "bitstream": bitstream,
            "tools": {"yosys": synth.version,
                      **{name: process.version(name) for name in (family.nextpnr, family.packer)}},
            "times": times,
        })
    return section


def compiled_target(rtl, family):
    """The clock the core was compiled for, when it was compiled for this family."""
    timing = rtl.get("timing") or {}
    return timing.get("target_mhz") if timing.get("family") == family else None


def default_synth_opts(family, rtl):
    """The family's synthesis options for this core, those of its gate stages when they differ
    (else None), and why. On ECP5 `-nowidelut` maps 2- to 4-input gates, sums and compares
    better, but spreads 5- and 6-input gates over plain LUT4s (bench/README.md, "Synthesis
    options by gate arity"): where most gates are that wide, the gate stages are synthesized
    with wide LUTs and the rest of the core without (synth_commands). Gowin keeps -nowidelut
    everywhere: nextpnr's timing misses gate stages made of its wide-LUT muxes."""
    arities = {int(a): n for a, n in (rtl.get("gate_arities") or {}).items()}
    wide = sum(n for a, n in arities.items() if a > 4)
    if family.wide_lut_opts is not None and wide * 2 > sum(arities.values()):
        return (family.synth_opts, family.wide_lut_opts,
                f"{wide} of {sum(arities.values())} gates read 5-6 inputs: the gate stages with "
                "wide LUTs")
    return family.synth_opts, None, "the family's default"


def default_pnr_opts(family, rtl, target_mhz):
    """The family's nextpnr options for this core at `target_mhz` and why: those for a core with
    slack to spare where its plan, made for this family, predicts AMPLE_SLACK times the clock."""
    predicted = (rtl.get("timing") or {}).get("predicted_mhz") or 0
    if (family.slack_pnr_opts is not None and compiled_target(rtl, family.name)
            and predicted >= AMPLE_SLACK * target_mhz):
        return family.slack_pnr_opts, (f"the core's plan predicts {predicted:g} MHz, "
                                       f"{predicted / target_mhz:.1f} times its clock")
    return family.pnr_opts, "the family's default"


def nextpnr_opts(defaults, given):
    """The options added to nextpnr's: `defaults`, where `given` (--pnr-opts) does not name the
    same option, then `given`."""
    given = shlex.split(given or "")
    named = {arg for arg in given if arg.startswith("-")}
    kept, option = [], None
    for arg in shlex.split(defaults):
        option = arg if arg.startswith("-") else option   # a value belongs to the option before
        if option not in named:
            kept.append(arg)
    return kept + given


def check_frequency(freq):
    if freq is not None and freq <= 0:
        raise LgcError(f"the clock frequency must be positive, not {freq:g} MHz")


def synth_commands(family, opts, top, board=False, gate_opts=None):
    """The yosys commands that synthesize `top` (a board's top: `board`) for the family; with
    `gate_opts`, in two runs: the gate stages' modules with `gate_opts`, the popcount and argmax
    as black boxes, then the rest with `opts`, the gate stages as black boxes, which the first
    run's modules replace (every block keeps its module, so each is synthesized once)."""
    commands = _synthesis(family, opts, top, board)
    if gate_opts is None:
        return commands
    return ["design -save elaborated", f"blackbox {SUM_MODULES}",
            *_synthesis(family, gate_opts, top, board), "design -stash gates",
            "design -load elaborated", f"blackbox ={GATE_MODULES}", *commands,
            f"delete ={GATE_MODULES}", f"design -copy-from gates ={GATE_MODULES}"]


def _synthesis(family, opts, top, board):
    """The blocks keep their modules (yosys_script), and synth_gowin and synth_gatemate would put
    I/O buffers on every port of every kept module: on Gowin, Amaranth's pin wrappers hold a board
    top's buffers already, and a bare top's ports get them after synthesis; on GateMate, only the
    top's ports get them, at the step synth_gatemate would."""
    synth = f"{family.synth} {opts} -top {top}"
    if family.name == "gowin":
        return [f"{family.synth} -noiopads {opts} -top {top}"] + (
            [] if board else [f"iopadmap -bits -inpad IBUF O:I -outpad OBUF I:O {top}"])
    if family.name == "gatemate":
        return [f"{synth} -run :map_io",
                "iopadmap -bits -inpad CC_IBUF Y:I -outpad CC_OBUF A:O -toutpad CC_TOBUF ~T:A:O "
                f"-tinoutpad CC_IOBUF ~T:Y:A:IO {top}",
                f"{synth} -run map_regs:"]
    return [synth]


def yosys_script(sources, top, *synth_commands):
    lines = [f"read_rtlil {src}" if src.endswith(".il") else f"read_verilog -sv {src}"
             for src in sources]
    # Every block keeps its module, so the report gives resources per block; only the top and
    # Amaranth's pin wrappers are flattened (the I/O buffers must reach the top's ports).
    return lines + [f"hierarchy -top {top}", "setattr -mod -set keep_hierarchy 1 *",
                    f"setattr -mod -unset keep_hierarchy {top} {top}.pin_*",
                    *synth_commands, "tee -q -o stat.json stat -json", "write_json netlist.json"]


def _nextpnr_args(device, family, board, target_mhz, seed, work):
    args = [*device.nextpnr_args, "--json", "netlist.json", "--report", "pnr.json",
            "--seed", seed, "--freq", f"{target_mhz:.6g}", "--timing-allow-fail"]
    if board:
        constraints = next(os.path.join("..", f) for f in board["files"] if not f.endswith(".il"))
    if family.name == "ecp5":
        if board:
            return args + ["--lpf", constraints, "--textcfg", "top.config"], "top.config"
        return args + ["--out-of-context"], None
    if family.name == "ice40":
        if board:
            return args + ["--pcf", constraints, "--asc", "top.asc"], "top.asc"
        return args + ["--pcf-allow-unconstrained"], None
    if family.name == "gatemate":
        # No CPE pass-through on CP lines: nextpnr-himbaechel-gatemate 0.11's post-route pass
        # over such nets (reassign_cplines) recurses along each route and overflows YoWASP's
        # 64 KiB stack on the example; router2 also converges without them (bench/README.md).
        return args + ["--vopt", "allow-unconstrained", "--vopt", "no-cpe-cp"], None
    if family.name == "nexus":
        with open(os.path.join(work, "pins.pdc"), "w") as f:
            f.writelines(f"ldc_set_location -site {{{site}}} [get_ports {pin}]\n"
                         for pin, site in zip(harness.PINS, device.harness_sites))
        # router2 fails the clock pin's dedicated arc to its DCC on all but tiny designs
        # (nextpnr 0.11, as in YosysHQ/nextpnr#1317); router1 routes it.
        return args + ["--pdc", "pins.pdc", "--router", "router1"], None
    if board:
        return args + ["--vopt", f"cst={constraints}", "--write", "top_pnr.json"], "top_pnr.json"
    with open(os.path.join(work, "pins.cst"), "w") as f:
        f.writelines(f'IO_LOC "{pin}" {site};\n'
                     for pin, site in zip(harness.PINS, device.harness_sites))
    return args + ["--vopt", "cst=pins.cst"], None


def free_constant_carry_ins(netlist_path):
    """Leave unconnected the carry input of every CCU2 whose first half ignores it (INIT0
    0xFFFF): synth_nexus ties it to a constant, which nextpnr-nexus 0.11 refuses ("CIN ...
    driven by non-CCU2 cell"); nextpnr's own later fix (commit a4357928) disconnects it so."""
    netlist = parse.read_json(netlist_path, "yosys netlist")
    for module in netlist["modules"].values():
        for cell in module.get("cells", {}).values():
            if cell["type"] == "CCU2" and cell["parameters"].get("INIT0") == "0xFFFF":
                cell["connections"]["CIN"] = ["x"]
    with open(netlist_path, "w") as f:
        json.dump(netlist, f)


def _pack_args(device, family, products, board, top):
    out = f"{top}.{family.bitstream}"
    if family.name == "ecp5":
        return [*board["pack_opts"], "--input", products, "--bit", out]
    if family.name == "ice40":
        return [*board["pack_opts"], products, out]
    return ["-d", device.pack_device, "-o", out, *board["pack_opts"], products]


def placement(device, ports):
    """How a bare top meets the device: "out of context" (ECP5: no pins), "pins" (one per port
    bit, placed by nextpnr) or "harness" (lgc.synth.harness: four pins, for a top with more
    ports than the device has pins, and always on Nexus and Gowin, whose nextpnr places no pin
    by itself)."""
    if device.out_of_context:
        return "out of context"
    if device.harness_sites or sum(p["width"] for p in ports) > device.ios:
        return "harness"
    return "pins"


def _check_fit(device, family, used, board):
    need = {family.logic_bel: used["logic_cells"]}
    need[family.ff_bel] = max(need.get(family.ff_bel, 0), used["ffs"])
    have = {family.logic_bel: device.luts, family.ff_bel: device.ffs}
    _raise_if_over(device, {bel: (n, have[bel]) for bel, n in need.items()}, board)


def _explain_pnr_failure(device, error, board):
    _raise_if_over(device, parse.utilisation_from_log(error.log_path), board)
    routed = parse.routed_fmax_from_log(error.log_path)
    if routed and "wasm trap" in str(error):
        # nextpnr-himbaechel-gatemate 0.11.1 (the newest on PyPI) with CP-line pass-throughs
        fmax = ", ".join(f"{mhz} MHz" for mhz in routed.values())
        raise LgcError(f"{error.tool} routed the design (Fmax {fmax} by its log, "
                       f"{error.log_path}) but then stopped on a WebAssembly trap before writing "
                       f"its report ({process.last_words(error.tail)}): a defect of "
                       f"{process.version(error.tool)}") from error


def _raise_if_over(device, counts, board):
    over = [(bel, n, avail) for bel, (n, avail) in counts.items() if n > avail]
    if not over:
        return
    where = f"the {board['name']} board's {device.name}" if board else device.name
    needs = ", ".join(f"{n} {bel} ({100 * n / avail:.0f}%)" for bel, n, avail in over)
    has = ", ".join(f"{avail} {bel}" for bel, n, avail in over)
    raise LgcError(f"the design does not fit {where}: it needs {needs}, the device has {has}; "
                   "use a larger device (lgc boards lists them) or a smaller model "
                   "(more pipelining does not help: it adds flip-flops, not fewer LUTs)")


def _check_timing(clocks, target_mhz):
    for clock, f in clocks.items():
        if f["slack_ns"] < 0:
            raise LgcError(f"timing not met: clock {clock} reaches {f['achieved_mhz']:g} MHz, "
                           f"{f['target_mhz']:g} MHz asked (slack {f['slack_ns']:g} ns); lower "
                           "--freq or compile with more pipelining")


def summary_lines(section):
    """A few human lines about a synthesis section (the CLI prints them)."""
    t = section["target"]
    where = {"out of context": ", out of context", "harness": ", behind the pin harness"}
    lines = [f"{t['board'] or t['device']} ({t['device']}, {t['family']}"
             f"{where.get(t['pins'], '')}): {section['luts']} LUTs, "
             f"{section['ffs']} FFs, {section['carry']} carry cells, {section['cells']} cells"]
    for bel, u in section["utilization"].items():
        share = f" ({u['percent']:g}%)" if u["percent"] is not None else ""
        lines.append(f"  {bel}: {u['used']}/{u['available']}{share}")
    for clock, f in section["fmax"].items():
        lines.append(f"  Fmax {clock}: {f['achieved_mhz']:g} MHz (target {f['target_mhz']:g} MHz, "
                     f"slack {f['slack_ns']:+g} ns)")
    for kind, r in section["blocks"].items():
        lines.append(f"  {kind}: {r['luts']} LUTs, {r['ffs']} FFs")
    if section["bitstream"]:
        lines.append(f"  bitstream: {section['bitstream']}")
    return lines
