"""A build for a board: the board top and its constraints in DIR/board/, and `lgc synth` for a
board or a bare device.

The top (RTLIL, from Amaranth) wraps the compiled core, DIR/rtl's `lgc_core` (or the encoded top),
in the UART top; the constraint file (pins, clock) comes from the amaranth-boards platform. The
synthesis itself is lgc.synth.flow's, handed the board section this module writes.
"""

import json
import logging
import math
import os
import shutil

from ..build import BuildDir
from ..errors import LgcError
from ..rtl.ports import CorePorts
from ..synth import flow
from .board_top import BoardTop, PlatformTop
from .boards import load_board
from .framing import bytes_per_vector
from .pll import plan_pll
from .uart import MAX_BAUD_ERROR, MIN_DIVISOR, baud_divisor, baud_error

BOARD_DIR = "board"
TOP = "top"
CONSTRAINTS = (".lpf", ".pcf", ".cst")

log = logging.getLogger("lgc")


def synthesize(path, *, board=None, device=None, freq=None, baud=None, **options):
    """`lgc synth`: the bare core on a `device`, or the board top on a `board` (by default the
    board the build was compiled for, at the clock and baud rate it was compiled with unless
    `freq` or `baud` is given, else the device it was compiled for); options as
    lgc.synth.flow.synthesize. Returns the "synthesis" report section."""
    build = BuildDir(path).check()
    if board and device:
        raise LgcError("give a board or a device, not both")
    compiled = build.report().get("board") or {}
    if not board and not compiled:   # compiled for a device (--device) or for none
        device = device or (build.rtl().get("fit") or {}).get("device")
    if device:
        if baud is not None:
            raise LgcError("--baud sets a board's UART: give --board, not --device")
        return flow.synthesize(path, device=device, freq=freq, **options)
    if options.get("axis"):
        raise LgcError("the AXI4-Stream top is synthesized on a device (--device), not a board")
    board = board or compiled.get("name")
    if not board:
        raise LgcError(f"{path} was compiled for no board or device: give --board NAME or "
                       "--device NAME")
    flow.check_frequency(freq)
    if compiled.get("name") == board:
        baud = compiled.get("baud") if baud is None else baud
        freq = freq or compiled.get("target_mhz")
    board = load_board(board)
    with build.recording("board", step="board top") as section:
        section.update(write_board_top(build, board, freq, baud))
    warning = clock_mismatch(build.rtl(), section)
    if warning:
        log.warning("%s", warning)
    return flow.synthesize(path, board=section, **options)


def clock_mismatch(rtl, board):
    """Why the board's clock may be too fast for the core: a sentence when the core was pipelined
    (`lgc compile --target-mhz`, or a board's clock) for a slower clock of the same family than the
    board top runs at, else None. A slower board clock only wastes registers."""
    timing = rtl.get("timing") or {}
    compiled = timing.get("target_mhz")
    if not compiled or timing.get("family") != board["family"]:
        return None
    if board["clock_mhz"] <= compiled * 1.001:
        return None
    return (f"the core was pipelined for {compiled:g} MHz but the {board['name']} board top runs "
            f"at {board['clock_mhz']:g} MHz: it may miss timing; compile with --target-mhz "
            f"{board['clock_mhz']:g} (or synthesize with --freq {compiled:g})")


# The board top's cells besides its input shift register and the input encoder: the UART, the
# byte counter, the class byte (the example's ULX3S build: 100 flip-flops, 84 LUTs and 27 carry
# cells of two LUT sites each; bench/README.md, "A board clock far below the core's").
BOARD_TOP_CELLS = {"ffs": 100, "luts": 140}
# LUTs per comparator of an 8-bit feature, comparators of one feature sharing their upper bits
# (bench/README.md, "The input encoder as logic": 383 LUTs for 255 on ECP5 and on Gowin).
ENCODER_LUTS_PER_BYTE = 1.5


def board_top_needs(rtl):
    """What a board top adds to the core of `rtl` (report.json's section) on its FPGA:
    {"ffs", "luts"}: the input shift register and the encoder's flip-flops exactly, the rest
    estimated."""
    ffs = 8 * bytes_per_vector(core_ports(rtl).n_inputs) + BOARD_TOP_CELLS["ffs"]
    luts = BOARD_TOP_CELLS["luts"]
    encoder = rtl.get("encoder")
    if encoder:
        ffs += encoder["registers"]["encoder"]
        luts += math.ceil(ENCODER_LUTS_PER_BYTE * encoder["comparators"]
                          * encoder["feature_bits"] / 8)
    return {"ffs": ffs, "luts": luts}


def core_ports(rtl):
    """The ports of the top the board runs, from the RTL section of report.json: the encoded
    top (raw features in, in the build's input format) when the model has an input encoding,
    else the core."""
    encoder = rtl.get("encoder")
    ports = (encoder or rtl)["ports"]
    return CorePorts(n_inputs=ports["in_raw"] if encoder else ports["in_bits"],
                     n_classes=ports["out_scores"] // rtl["score_width"],
                     score_width=rtl["score_width"], class_width=ports["out_class"],
                     module=(encoder or rtl)["top"], in_port="in_raw" if encoder else "in_bits")


def write_board_top(build, board, freq_mhz=None, baud=None):
    """Write DIR/board/{top.il, top.<constraints>} for `board` at `freq_mhz` and `baud` (default:
    the board's); returns the report section that says what was built."""
    platform = board.make_platform()
    device = board.device(platform)
    oscillator = board.oscillator_mhz(platform)
    target = float(freq_mhz or board.frequency)
    baud = board.baud if baud is None else baud
    check_baud(board, baud)
    pll = _pll(device, oscillator, target)
    clock = pll.output_mhz if pll else oscillator
    divisor = uart_divisor(board, device, oscillator, clock, baud)
    core = core_ports(build.rtl())
    encoder = build.rtl().get("encoder")
    width = encoder and encoder["feature_bits"]     # the encoded top's W bits per raw feature
    carried = ("bits" if not encoder else "raw features, one byte each" if width == 8 else
               f"raw features of {width} bits each, packed into bytes")
    leds = board.led_resources(platform)
    top = PlatformTop(BoardTop(core, divisor, n_leds=len(leds)), clock=board.clock,
                      uart=board.uart, leds=leds, pll=pll)
    plan = platform.prepare(top, name=TOP)

    out = build.file(BOARD_DIR)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    files = [name for name in plan.files if name == f"{TOP}.il" or name.endswith(CONSTRAINTS)]
    for name in files:
        content = plan.files[name]
        with open(os.path.join(out, name), "w" if isinstance(content, str) else "wb") as f:
            f.write(content)
    return {"name": board.name, "description": board.description, "top": TOP, "device": device.name,
            "family": device.family, "oscillator_mhz": oscillator, "target_mhz": target,
            "clock_mhz": round(clock, 6), "pll": pll.summary() if pll else None,
            "baud": baud, "baud_error_percent": round(100 * baud_error(clock * 1e6, baud), 3),
            "baud_divisor": divisor,
            "input": carried,
            "bytes_per_vector": bytes_per_vector(core.n_inputs), "leds": len(leds),
            "pack_opts": _platform_pack_opts(plan, device.family),
            "files": [f"{BOARD_DIR}/{name}" for name in files]}


def _pll(device, oscillator, target):
    """The PLL that makes `target` MHz from the oscillator, None when the oscillator is it."""
    return None if math.isclose(target, oscillator) else \
        plan_pll(device.family, device.name, oscillator, target)


def check_baud(board, baud):
    if not 0 < baud <= board.max_baud:
        raise LgcError(f"--baud {baud}: the {board.name}'s USB-serial bridge ({board.bridge}) "
                       f"takes 1 to {board.max_baud} baud")


def uart_divisor(board, device, oscillator, clock, baud):
    """Clock cycles per UART bit at `clock` MHz, or LgcError that says why not and names the
    board clocks near this one (--freq: its PLL makes them) at which the rate is exact."""
    try:
        return baud_divisor(clock * 1e6, baud)
    except LgcError:
        pass
    per_bit = clock * 1e6 / baud
    if round(per_bit) < MIN_DIVISOR:
        why = f"{clock:g} MHz gives {per_bit:.3g} clocks per bit, the UART needs {MIN_DIVISOR}"
    else:
        why = (f"the nearest divisor at {clock:g} MHz, {round(per_bit)}, makes "
               f"{clock * 1e6 / round(per_bit):.0f} baud, "
               f"{100 * baud_error(clock * 1e6, baud):.1f}%"
               f" off (at most {100 * MAX_BAUD_ERROR:g}%)")
    exact = [f"--freq {mhz:g}" for mhz in _exact_clocks(device, oscillator, baud, clock)]
    fix = (f"give {' or '.join(exact)} (the PLL makes it and the rate is exact there) or "
           "another --baud" if exact else "give another --baud or --freq")
    raise LgcError(f"{baud} baud on the {board.name}: {why}; {fix}")


def _exact_clocks(device, oscillator, baud, clock, wanted=2, tries=12):
    """Up to `wanted` clocks (MHz) nearest `clock` that are whole multiples of the rate (at least
    MIN_DIVISOR of it) and that the board's PLL (or oscillator) makes exactly."""
    per_bit = clock * 1e6 / baud
    divisors = sorted(range(MIN_DIVISOR, math.ceil(2 * per_bit) + MIN_DIVISOR),
                      key=lambda d: abs(d - per_bit))
    found = []
    for divisor in divisors[:tries]:
        mhz = baud * divisor / 1e6
        try:
            pll = _pll(device, oscillator, mhz)
        except LgcError:
            continue
        if math.isclose(pll.output_mhz if pll else oscillator, mhz, rel_tol=1e-9):
            found.append(mhz)
            if len(found) == wanted:
                break
    return sorted(found)


def _platform_pack_opts(plan, family):
    """The options the amaranth-boards platform gives its bitstream packer (e.g. ULX3S'
    --compress, Tang Nano 9K's --sspi_as_gpio), read from the build plan Amaranth rendered."""
    packer = {"ecp5": "ecppack", "ice40": "icepack", "gowin": "gowin_pack"}[family]
    commands = json.loads(plan.files[f"build_{TOP}.json"])["commands"]
    args = next(argv[1:] for argv in commands if argv[0] == packer)
    opts, i = [], 0
    while i < len(args):     # drop the files lgc names itself and the chip, keep the rest
        if args[i] in ("--input", "--bit", "--svf", "-d", "-o"):
            i += 2
            continue
        if not args[i].startswith(f"{TOP}."):
            opts.append(args[i])
        i += 1
    return opts
