"""`lgc compile`: a model file -> a build directory (netlist, Verilog, model copy, report.json).

    load (frontend) -> optimize (passes, verified) -> rtl -> fit -> save [-> board top]

The core is pipelined for a clock target (`target_mhz`) with the delay model of the family it is
meant for: the board's, the device's, else ECP5's; by default the board's clock, else the
family's default target. With a board or a device, the core must fit it (fit.py): flip-flops
counted exactly, LUTs estimated. With a board, the UART board top and the board's constraints go
into DIR/board/ and report.json records the board, so `lgc synth DIR` builds for it without
being told again.

The directory is written next to its final place and renamed into it only when every step has
succeeded, so a failed compile leaves the previous build (or nothing) behind, never a report that
claims work that failed. A cached Verilator build of the previous directory is kept (it is only
reused while its sources are unchanged).
"""

import contextlib
import logging
import os
import shutil

from .build import INTERFACE, BuildDir, step, write_json
from .errors import LgcError
from .frontend import load
from .ir.stats import summary

log = logging.getLogger("lgc")
KEPT = ("sim", "sim-encoded")  # caches worth carrying over from the build being replaced


def default_dir(model):
    return os.path.join("build", os.path.splitext(os.path.basename(model))[0])


def compile_model(model, out_dir=None, *, board=None, device=None, target_mhz=None, baud=None,
                  load_options=None, optimize=True, passes=None, verify=True, vectors=None,
                  **rtl_options):
    """Compile `model` into `out_dir` (default build/<model stem>); returns the report.

    board: a board name (lgc boards) to write the board top for (its UART at `baud`, default the
    board's), device: an FPGA (lgc.synth
    .devices) the core must fit; target_mhz: the clock the core is pipelined for (see above);
    load_options: keywords of lgc.load; optimize/passes/verify/vectors: as run_pipeline (the
    passes to run, checking the scores after each on `vectors` plus random ones); rtl_options:
    as lgc.rtl.generate (layers_per_stage, adder_levels_per_stage, lut_size)."""
    from .deploy.board_build import board_top_needs, check_baud, write_board_top
    from .deploy.boards import load_board
    from .passes import run_pipeline
    from .rtl import generate, input_format
    from .rtl.axis import check_width
    from .synth.devices import find_device
    from .synth.fit import capacity, check_fit, clock_target

    if board is not None and device is not None:
        raise LgcError("give a board or a device, not both")
    board = load_board(board) if board is not None else None   # before any work: a typo is cheap
    if baud is not None:
        if board is None:
            raise LgcError("--baud sets a board's UART: give --board too")
        check_baud(board, baud)
    part = board.device() if board else find_device(device) if device else None
    target = clock_target(part, board, target_mhz, rtl_options)
    if rtl_options.get("input_format") is not None:
        input_format.parse(rtl_options["input_format"])
    for width in ("axis_width", "axis_out_width"):
        if rtl_options.get(width) is not None:
            check_width(rtl_options[width])
    out_dir = os.path.normpath(out_dir or default_dir(model))
    _check_replaceable(out_dir)
    tmp = f"{out_dir}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        build, times = BuildDir(tmp), {}
        with step(times, "load"):
            netlist = load(model, **(load_options or {}))
        model_summary = summary(netlist)
        if netlist.is_recurrent:
            rtl_options.update(board=board, device=device, target_mhz=target_mhz)
            rtl_options.update(optimize=optimize, passes=passes, verify=verify, vectors=vectors)
            report = _compile_recurrent(build, times, model, netlist, model_summary, rtl_options)
            _replace(tmp, out_dir)
            log.info("wrote %s", out_dir)
            return report
        if rtl_options.pop("cslow", None) is not None or rtl_options.pop("emit_last", None):
            raise LgcError("cslow and emit_last are for recurrent models (lgc.nn.RecurrentLogic)")
        if optimize:
            with step(times, "optimize"):
                netlist, pass_stats = run_pipeline(netlist, passes=passes, verify=verify,
                                                   vectors=vectors)
        else:
            pass_stats = {"passes": [], "skipped": "--no-opt"}
        with step(times, "rtl"):
            clock = {k: target[k] for k in ("target_mhz", "delays", "target_is_ceiling")}
            if part:
                clock["capacity"] = capacity(part)
            core, rtl = generate(netlist, build.file("rtl"), **clock, **rtl_options)
        rtl["timing"]["family"] = target["family"]
        if part:
            with step(times, "fit"):
                rtl["fit"] = check_fit(core, part, board, netlist, target, rtl_options,
                                       board_top_needs(rtl) if board else None)
        with step(times, "save"):
            netlist.save(build.netlist_path)
            shutil.copyfile(model, build.model_path)
            interface = rtl.pop("interface")
            write_json(build.file(INTERFACE), interface)
        build.update_report(model=model_summary, passes=pass_stats, rtl=rtl, interface=interface)
        if board:
            with step(times, "board top"):
                build.update_report(board=write_board_top(build, board, target_mhz, baud))
        report = build.update_report(steps=times)
        _replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("wrote %s", out_dir)
    return report


def _compile_recurrent(build, times, model, netlist, model_summary, options):
    """A recurrent netlist: the state loop's Verilog (lgc.rtl.recurrent_core), one step per clock
    or, with `cslow` C, C interleaved sequences."""
    from .passes.recurrent_passes import optimize_recurrent
    from .rtl import write_recurrent
    from .rtl.interface import describe_recurrent

    settings = ("cslow", "emit_last", "adder_levels_per_stage", "lut_size", "optimize", "passes",
                "verify")
    unsupported = sorted(k for k, v in options.items() if v is not None and k not in settings)
    if unsupported:
        raise LgcError(f"{', '.join(unsupported)} not supported for recurrent models yet")
    pass_stats = {"passes": [], "skipped": "--no-opt"}
    if options["optimize"]:
        with step(times, "optimize"):
            netlist, pass_stats = optimize_recurrent(netlist, options["passes"], options["verify"])
    with step(times, "rtl"):
        rtl = write_recurrent(netlist, build.file("rtl"), options.get("cslow") or 1,
                              bool(options.get("emit_last")), options.get("adder_levels_per_stage"))
    with step(times, "save"):
        netlist.save(build.netlist_path)
        shutil.copyfile(model, build.model_path)
        interface = describe_recurrent(netlist, rtl)
        write_json(build.file(INTERFACE), interface)
    build.update_report(model=model_summary, passes=pass_stats, rtl=rtl, interface=interface)
    return build.update_report(steps=times)


def _check_replaceable(out_dir):
    """Refuse to replace a directory that is not an lgc build (it may hold the user's files)."""
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise LgcError(f"{out_dir} exists and is not a directory")
    if os.path.isdir(out_dir) and os.listdir(out_dir) and \
            not os.path.isfile(BuildDir(out_dir).report_path):
        raise LgcError(f"{out_dir} exists and is not an lgc build directory; choose another -o")


def _replace(tmp, out_dir):
    old = f"{out_dir}.old{os.getpid()}"
    if os.path.isdir(out_dir):
        for name in KEPT:
            with contextlib.suppress(FileNotFoundError):
                os.rename(os.path.join(out_dir, name), os.path.join(tmp, name))
        os.rename(out_dir, old)
    os.rename(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)
