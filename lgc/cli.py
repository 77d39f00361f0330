"""The `lgc` command: a thin layer over the flow's functions.

Every mistake a user can make ends as one line on stderr and a non-zero exit (LgcError); progress
of long steps goes through `logging` and is shown here on stderr.
"""

import functools
import json
import logging
import signal
import sys

import click

from .errors import LgcError
from .rtl import DEFAULTS as RTL_DEFAULTS
from .version import __version__

log = logging.getLogger("lgc")


@click.group()
@click.version_option(__version__, prog_name="lgc")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(quiet):
    """Compile trained Differentiable Logic Gate Networks into bit-exact FPGA hardware."""
    logging.basicConfig(format="lgc: %(message)s", level=logging.WARNING if quiet else logging.INFO,
                        stream=sys.stderr)


def yosys_option(command):
    """--yosys: the yosys engine of a command that runs yosys (default: $LGC_YOSYS, else the
    engine measured best for the job), passed to the command as `engine`."""
    return click.option("--yosys", "engine", type=click.Choice(["native", "wasm"]),
                        help="yosys engine: native (pyosys) or wasm (YoWASP); default: "
                        "$LGC_YOSYS, else the faster one for this job.")(command)


def frontend_options(command):
    """The frontends' options (keywords of lgc.load), passed to the command as `load_options`."""
    names = ("arch", "parametrization", "encoding", "input_shape")

    @click.option("--arch", metavar="SPEC", help="Architecture spec (JSON/TOML file or inline "
                  "JSON) of a torchlogix or torch-dwn state_dict.")
    @click.option("--parametrization", type=click.Choice(["raw", "light", "warp"]),
                  help="LUT parametrization of a state_dict's logic layers the spec leaves open.")
    @click.option("--encoding", metavar="SPEC", help="Input encoding (JSON/TOML file or inline "
                  "JSON) for a model that does not binarize its own input, or a thermometer's "
                  "thresholds alone ([features, levels] or [levels]): a JSON array (inline or "
                  ".json), a .npy file, or a tensor or fitted torch-dwn thermometer saved with "
                  "torch.save (.pt).")
    @click.option("--input-shape", metavar="C,H,W", help="Raw input shape, where a binarization "
                  "layer leaves it open.")
    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        options = {name: kwargs.pop(name) for name in names}
        if options["input_shape"] is not None:
            try:
                options["input_shape"] = tuple(int(d) for d in options["input_shape"].split(","))
            except ValueError:
                raise LgcError(f"--input-shape wants integers like 3,32,32, got "
                               f"{options['input_shape']!r}") from None
        return command(*args, load_options=options, **kwargs)
    return wrapped


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--no-opt", is_flag=True, help="Do not run the optimization passes.")
@frontend_options
def inspect(model, as_json, no_opt, load_options):
    """Show what MODEL holds: inputs, classes, tau, layers and their gate functions, and what the
    optimization passes remove from it."""
    from . import load
    from .ir.stats import summary

    netlist = load(model, **load_options)
    info = summary(netlist)
    if not no_opt:
        from .passes import run_pipeline
        from .passes.recurrent_passes import optimize_recurrent
        info["passes"] = (optimize_recurrent if netlist.is_recurrent else run_pipeline)(netlist)[1]
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    src = info["source"]
    click.echo(f"{info['name']}: {src.get('format')} model ({src.get('parametrization')}), "
               f"{info['inputs']} inputs, {info['classes']} classes, tau {info['tau']:g}"
               + (f", beta {info['beta']:g}" if info["beta"] else ""))
    if src.get("lut_ranks"):
        click.echo(f"LUT ranks {', '.join(map(str, src['lut_ranks']))}; input shape "
                   f"{'x'.join(map(str, src['input_shape']))}"
                   + (" (state_dict + arch spec)" if src.get("state_dict") else ""))
    if info["encoding"]:
        click.echo(f"input encoding: {info['encoding']}")
    click.echo(f"{info['gates']} gates in {len(info['layers'])} layers; group sizes "
               f"{info['group_sizes']}")
    for layer in info["layers"]:
        top = ", ".join(f"{name} {count}" for name, count in list(layer["functions"].items())[:8])
        click.echo(f"  {layer['name']}: {layer['gates']} gates of {layer['arity']} inputs: {top}")
    for state in info.get("state", []):
        click.echo(f"state {state['name']}: {state['bits']} bits, next value {state['next']}")
    if "passes" in info:
        _echo_passes(info["passes"])
        if "state" in info["passes"]:
            st = info["passes"]["state"]
            click.echo(f"  state bits {st['bits_before']} -> {st['bits_after']}: "
                       f"{st['constant_by_induction']} constant by induction, "
                       f"{st['unread']} unread")


def _echo_passes(stats):
    """What each pass application removed and did, then the layers after optimization."""
    check = stats["verification"]
    total = check.get("given_vectors", 0) + check.get("random_vectors", 0)
    how = ("unverified" if check["mode"] == "off" else
           f"verified after every pass on {total} vectors"
           if check["vectors_per_pass"] == total else
           f"verified after every pass on {check['vectors_per_pass']} of {total} vectors, "
           "on all at the end")
    how += " (sampled)" if check["mode"] == "sampled" else ""
    click.echo(f"optimization: {stats['gates_before']} -> {stats['gates_after']} gates "
               f"(-{stats['removed_percent']:g}%) in {stats['rounds']} rounds, "
               f"{stats['seconds']:.2f} s, {how}")
    for a in stats["applications"]:
        if a["changes"]:
            removed = a["gates_before"] - a["gates_after"]
            click.echo(f"  round {a['round']} {a['pass']:<14} {-removed:>7d}  {a['statistic']}")
    click.echo("  after: " + ", ".join(f"{name} {n}" for name, n in stats["layers_after"].items()))
    skips = stats["skip_edges"]
    if skips:
        click.echo(f"  {sum(s['bits'] for s in skips)} values skip layers, on {len(skips)} edges "
                   "(the RTL delays them)")


@cli.command("compile")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Build directory (default: build/<model stem>).")
@click.option("--board", help="Also write the UART board top and constraints for this board "
              "(lgc boards lists them); lgc synth then builds for it. The core must fit it.")
@click.option("--baud", type=click.IntRange(min=1), help="With --board: the UART's baud rate "
              "(default: the board's; at most what its USB-serial bridge takes, and the clock "
              "must make it within 2%).")
@click.option("--device", help="The FPGA the core is meant for (e.g. LFE5U-85F): its family's "
              "delay model places the registers, and the core must fit it.")
@click.option("--target-mhz", type=float, help="Clock the core is pipelined for: registers go "
              "only where a path would exceed the period (default: the board's clock, else the "
              "family's default target).")
@click.option("--layers-per-stage", type=click.IntRange(min=0),
              help="Fixed instead: LUT levels of gates between pipeline registers (0: none).")
@click.option("--adder-levels-per-stage", type=click.IntRange(min=0),
              help="Fixed instead: popcount/argmax tree levels between pipeline registers (a "
              "stage of M levels adds 2**M operands per sum; 0: no registers).")
@click.option("--lut-size", type=click.IntRange(2, 6), default=RTL_DEFAULTS["lut_size"],
              show_default=True,
              help="Inputs per LUT of the target: gates are packed into cones this wide.")
@click.option("--input-format", metavar="FMT", help="Numeric format of the encoder's raw features "
              "(models with an input encoding): uW[.F] unsigned, sW[.F] signed fixed point (W "
              "bits, F fraction bits), or f32; default u8.")
@click.option("--axis-width", type=int, metavar="W", help="TDATA bits of the AXI4-Stream top "
              "lgc_axis' input, a multiple of 8: a vector arrives in ceil(bits / W) beats "
              "(default: one vector per beat).")
@click.option("--axis-out-width", type=int, metavar="W", help="TDATA bits of lgc_axis' output, "
              "a multiple of 8: a result leaves in ceil(result bits / W) beats, TLAST on its last "
              "(default: one result per beat).")
@click.option("--cslow", type=click.IntRange(min=1), help="Recurrent models: pipeline the "
              "next-state logic into C stages with C sequences interleaved in round-robin slots "
              "(default 1: one step per clock, the whole loop in one stage).")
@click.option("--emit-last", is_flag=True, help="Recurrent models: out_valid only for a "
              "sequence's last step (in_last), not for every step.")
@click.option("--no-opt", is_flag=True, help="Do not run the optimization passes.")
@click.option("--passes", metavar="A,B,C", help="Run only these passes (in this order).")
@click.option("--no-verify", is_flag=True, help="Do not check the scores after every pass.")
@click.option("--vectors", "vectors_path", type=click.Path(dir_okay=False),
              help="Vectors (.npz with `x`) the passes are verified on, besides random ones.")
@frontend_options
def compile_(model, out_dir, board, baud, device, target_mhz, layers_per_stage,
             adder_levels_per_stage, lut_size, input_format, axis_width, axis_out_width, cslow,
             emit_last, no_opt, passes, no_verify, vectors_path, load_options):
    """Compile MODEL into pipelined Verilog in a build directory."""
    from .compile import compile_model, default_dir
    from .sim.vectors import load_vectors

    recurrent = {"cslow": cslow, "emit_last": emit_last or None}
    report = compile_model(
        model, out_dir, board=board, baud=baud, device=device, target_mhz=target_mhz,
        load_options=load_options, optimize=not no_opt, passes=passes, verify=not no_verify,
        vectors=load_vectors(vectors_path) if vectors_path else None,
        layers_per_stage=layers_per_stage, adder_levels_per_stage=adder_levels_per_stage,
        lut_size=lut_size, input_format=input_format, axis_width=axis_width,
        axis_out_width=axis_out_width,
        **{k: v for k, v in recurrent.items() if v is not None})
    if report["rtl"].get("recurrent"):
        rtl = report["rtl"]
        click.echo(f"{report['model']['name']}: recurrent, {rtl['gates']} gates, "
                   f"{rtl['state_bits']} state bits; next-state logic {rtl['loop_depth']} gate "
                   f"levels in {rtl['cslow']} loop stage{'s' * (rtl['cslow'] != 1)} "
                   f"({rtl['cslow']} sequence{'s' * (rtl['cslow'] != 1)} interleaved); "
                   f"latency {rtl['latency']} clocks per step")
        return
    rtl, regs = report["rtl"], report["rtl"]["registers"]
    stages, registered = len(rtl["gate_stage_levels"]), rtl["gate_stages"]
    click.echo(f"{report['model']['name']}: {report['model']['gates']} gates, {rtl['gates']} "
               f"after the passes; {rtl['lut_levels']} LUT{rtl['lut_size']} levels in {stages} "
               f"stage{'s' * (stages != 1)}"
               + ("" if registered == stages else " (the last without a register: the first "
                  "sums share its clock)" if registered else ", unregistered")
               + f"; latency {rtl['latency']} clocks, {regs['total']} flip-flops ({regs['data']} "
               f"data, {regs['delay']} delay, {regs['valid']} valid)")
    timing = rtl.get("timing")
    if timing:
        if "lowered_from_mhz" in timing:
            click.echo(f"the default clock target {timing['lowered_from_mhz']:g} MHz is beyond "
                       f"this core: pipelined for the fastest the delay model allows")
        click.echo(f"clock target {timing['target_mhz']:g} MHz: predicted critical path "
                   f"{timing['predicted_critical_ns']:g} ns ({timing['predicted_mhz']:g} MHz, "
                   f"{timing['critical_stage']})")
    if "fit" in rtl:
        fit = rtl["fit"]
        with_top = " with the board top" if fit.get("board_top") else ""
        click.echo(f"fits {fit['device']}{with_top}: {fit['ffs']:,} of "
                   f"{fit['ffs_available']:,} flip-flops, about {fit['luts_estimate']:,} of "
                   f"{fit['luts_available']:,} LUTs")
    if "encoder" in rtl:
        enc = rtl["encoder"]
        click.echo(f"input encoder: {enc['top']} takes {enc['n_features']} raw features of "
                   f"{enc['feature_bits']} bits, {enc['input_format']['name']} "
                   f"({enc['comparators']} comparators), latency "
                   f"{enc['latency']} clocks, {enc['registers']['total']} flip-flops")
    if board:
        b = report["board"]
        click.echo(f"board top for {b['name']} ({b['device']}): {b['bytes_per_vector']} bytes per "
                   f"vector in, the class byte out, {b['baud']} baud at {b['clock_mhz']:g} MHz; "
                   f"`lgc synth {out_dir or default_dir(model)}` builds it")


@cli.command()
@click.argument("build_dir", type=click.Path(file_okay=False))
@click.option("--vectors", "vectors_path", type=click.Path(dir_okay=False),
              help="Input vectors: .npz with `x`, 0/1 of shape [N, n_inputs], and/or `raw`, the "
              "raw features of a model with an input encoding.")
@click.option("--raw", "use_raw", is_flag=True, help="Simulate the encoded top on raw features "
              "(`raw` of the file; random ones are raw features too), also when the file holds "
              "`x`. A file with `raw` only needs no flag.")
@click.option("--quantize", is_flag=True, help="Round raw features the build's input format "
              "does not hold (refused otherwise) and report how many input bits and classes "
              "that changes.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the RTL's `scores` and `pred` (and `match`) to this .npz.")
@click.option("--random", "n_random", type=click.IntRange(min=0), default=0,
              help="Also simulate this many random vectors.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random "
              "vectors and the idle clocks between vectors.")
@click.option("--opt", type=click.Choice(["auto", "O0", "Os", "O2"]), default="auto",
              show_default=True, help="C++ optimization of the Verilator build (O0 builds "
              "fastest, Os simulates several times faster; auto: O0 below 20k gates).")
@click.option("--axis", is_flag=True, help="Stream the vectors through the AXI4-Stream top "
              "lgc_axis (cocotbext-axi source and sink) instead, and check every result arrives "
              "once, in order.")
@click.option("--pause", type=click.FloatRange(0, 1, max_open=True), default=0.0,
              show_default=True, help="With --axis: the probability that the source, and the "
              "sink, pauses on a clock (backpressure).")
def simulate(build_dir, vectors_path, use_raw, quantize, out_path, n_random, seed, opt, axis,
             pause):
    """Run BUILD_DIR's RTL in Verilator and check it against the PyTorch reference: input bits
    into the core, or raw features into the encoded top (input encoder + core)."""
    import numpy as np

    from .build import BuildDir
    from .sim.simulate import simulate as run
    from .sim.vectors import read_vectors

    arrays = read_vectors(vectors_path) if vectors_path else {}
    if BuildDir(build_dir).check().rtl().get("recurrent"):
        return _simulate_sequences(build_dir, arrays, out_path, n_random, seed, opt)
    if use_raw and vectors_path and "raw" not in arrays:
        raise LgcError(f"--raw: {vectors_path} holds no `raw` features")
    encoded = use_raw or "x" not in arrays and "raw" in arrays
    if axis:
        return _simulate_axis(build_dir, arrays, encoded, n_random, seed, opt, pause)
    if quantize and not encoded:
        raise LgcError("--quantize rounds raw features: give them (`raw`, with --raw when the "
                       "file also holds `x`)")
    result = run(build_dir, None if encoded else arrays.get("x"), random=n_random, seed=seed,
                 opt=opt, raw=arrays.get("raw") if encoded else None, encoded=encoded,
                 quantize=quantize)
    if out_path:
        np.savez(out_path, scores=result.scores, pred=result.pred, match=result.match)
    rep = result.report
    click.echo(f"{rep['vectors']} vectors of {rep['input']} into {rep['top']} ("
               f"{rep['given_vectors']} given, {rep['random_vectors']} random; {rep['ties']} with "
               f"tied top scores), latency {rep['latency']} clocks, "
               f"{rep['vectors_per_second']:,.0f} vectors/s simulated")
    if "quantization" in rep:
        q = rep["quantization"]
        click.echo(f"quantized to {rep['input_format']}: "
                   f"{q['features_rounded']} features rounded in "
                   f"{q['vectors_with_rounded_features']} of {q['vectors']} vectors; against the "
                   f"values as given {q['input_bits_changed']} input bits changed (in "
                   f"{q['vectors_with_changed_bits']} vectors) and {q['classes_changed']} classes")
    for m in rep["first_mismatches"]:
        click.echo(f"  vector {m['index']}: {_mismatch(m)}")
    if not rep["bit_exact"]:
        raise LgcError(f"RTL differs from the PyTorch reference: {rep['mismatches']} of "
                       f"{rep['vectors']} vectors mismatch, out_valid wrong at "
                       f"{rep['stray_out_valid']} other clocks")
    click.echo(f"bit-exact: scores and classes equal the PyTorch reference on all "
               f"{rep['vectors']} vectors")


def _mismatch(m):
    """One mismatch of a simulation report: what the reference expected and what the RTL gave."""
    return (f"expected class {m['expected']['class']} scores {m['expected']['scores']}, got class "
            f"{m['got']['class']} scores {m['got']['scores']}"
            f"{'' if m['out_valid'] else ' (out_valid low)'}")


def _simulate_sequences(build_dir, arrays, out_path, n_random, seed, opt):
    import numpy as np

    from .sim.sequences import simulate_sequences

    if "raw" in arrays:
        raise LgcError("recurrent builds take input bits: give sequences as `x` [N, T, n_inputs]")
    scores, pred, match, rep = simulate_sequences(build_dir, arrays.get("x"), arrays.get("lengths"),
                                                  random=n_random, seed=seed, opt=opt)
    if out_path:
        np.savez(out_path, scores=scores, pred=pred, match=match)
    click.echo(f"{rep['sequences']} sequences ({rep['given_sequences']} given, "
               f"{rep['random_sequences']} random), {rep['steps']} steps into {rep['top']} "
               f"(cslow {rep['cslow']}), latency {rep['latency']} clocks, "
               f"{rep['steps_per_second']:,.0f} steps/s simulated")
    for m in rep["first_mismatches"]:
        click.echo(f"  sequence {m['sequence']} step {m['step']}: {_mismatch(m)}")
    if not rep["bit_exact"]:
        raise LgcError(f"RTL differs from the PyTorch reference: {rep['mismatches']} of "
                       f"{rep['checked_steps']} steps mismatch, out_valid wrong at "
                       f"{rep['stray_out_valid']} other clocks")
    click.echo(f"bit-exact: scores and classes equal the PyTorch reference at all "
               f"{rep['checked_steps']} checked steps")


def _simulate_axis(build_dir, arrays, encoded, n_random, seed, opt, pause):
    import numpy as np

    from .sim.simulate_axis import simulate_axis

    result = simulate_axis(build_dir, x=None if encoded else arrays.get("x"),
                           raw=arrays.get("raw") if encoded else None, random=n_random,
                           seed=seed, pause=(pause, pause), opt=opt)
    n, got = len(result.expected_pred), len(result.pred)
    click.echo(f"{n} vectors through lgc_axis, pauses {pause:g} on both sides: {got} results in "
               f"{len(result.frames)} frames, {result.clocks} clocks from the first beat in to "
               "the last result out")
    if not result.bit_exact:
        why = (f"{got} results for {n} vectors (lost or duplicated)" if got != n else
               f"{int((result.scores != result.expected_scores).any(axis=1).sum())} of {n} "
               "results differ" if not np.array_equal(result.scores, result.expected_scores) else
               "classes differ" if not np.array_equal(result.pred, result.expected_pred) else
               "TLAST in the wrong places")
        raise LgcError(f"lgc_axis differs from the PyTorch reference: {why}")
    click.echo("bit-exact: every result equals the PyTorch reference, in order, once")


# --- synthesis, boards, streaming to a board -------------------------------------------------


@cli.command()
@click.argument("build_dir", type=click.Path(file_okay=False))
@click.option("--board", help="Synthesize the UART board top for this board "
              "(lgc boards lists them).")
@click.option("--device", help="Synthesize the bare core for this FPGA: out of context on ECP5 "
              "(LFE5U-*), elsewhere on pins or behind a four-pin harness (iCE40*, CCGM1A1, "
              "LIFCL-40, GW1NR-9C). Default: the board or device the build was compiled for.")
@click.option("--freq", type=float, help="Clock constraint in MHz (a PLL makes it on a board).")
@click.option("--baud", type=click.IntRange(min=1), help="With --board: the UART's baud rate "
              "(default: the one the build was compiled with, else the board's).")
@click.option("--seed", type=int, default=1, show_default=True, help="nextpnr placement seed.")
@click.option("--synth-opts", help="Options of yosys' synth_* command for the whole design "
              "(default: the family's; on ECP5 and Gowin -nowidelut, on ECP5 the gate stages "
              "without it where most gates read 5-6 inputs).")
@click.option("--pnr-opts", help="Extra nextpnr options.")
@click.option("--axis", is_flag=True, help="With --device: the AXI4-Stream top lgc_axis "
              "around the core (the wrapper's own resources are its block).")
@click.option("--json", "as_json", is_flag=True, help="Print the synthesis report as JSON.")
@yosys_option
def synth(build_dir, board, device, freq, baud, seed, synth_opts, pnr_opts, axis, as_json,
          engine):
    """Run yosys and nextpnr on BUILD_DIR: LUTs, FFs, Fmax into report.json, and a bitstream."""
    from .deploy.board_build import synthesize
    from .synth.flow import summary_lines

    section = synthesize(build_dir, board=board, device=device, freq=freq, baud=baud, seed=seed,
                         synth_opts=synth_opts, pnr_opts=pnr_opts, engine=engine, axis=axis)
    if as_json:
        click.echo(json.dumps(section, indent=2))
    else:
        click.echo("\n".join(summary_lines(section)))


@cli.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--grid", "grid_specs", multiple=True, metavar="NAME=VALUES",
              help="An axis of the grid, repeatable: NAME=V1,V2,... or NAME=FIRST..LAST; NAME: "
              "target_mhz, layers_per_stage, adder_levels_per_stage, lut_size (compile), seed, "
              "freq (synthesis).")
@click.option("--device", "devices", multiple=True, required=True, metavar="A,B",
              help="FPGAs to synthesize every point for (repeatable or comma separated).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Sweep directory (default: sweeps/<first model's stem>); a re-run resumes it.")
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler (tcp://HOST:8786) whose "
              "workers have this lgc installed; default: a local cluster.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes of the local "
              "cluster (default: one per core).")
@click.option("--shared-dir", type=click.Path(file_okay=False), help="With --scheduler: a "
              "directory every worker sees, to keep the points' builds in (default: none kept).")
@click.option("--memory-limit", "memory_gib", type=click.FloatRange(min=0.1), default=8,
              show_default=True, help="GiB of memory each tool process of a point may use.")
@click.option("--retry-failed", is_flag=True, help="Run again the points an earlier run of this "
              "sweep recorded as failed (a re-run keeps them by default).")
@click.option("--simulate", "vectors", type=click.Path(dir_okay=False), metavar="VECTORS",
              help="After each compile, `lgc simulate --vectors VECTORS` (.npz): a point whose "
              "RTL is not bit-exact with the PyTorch reference fails.")
@click.option("--verify", is_flag=True, help="After each compile, `lgc verify`: a point whose "
              "RTL is not proven equivalent to its model fails.")
def sweep(models, grid_specs, devices, out_dir, scheduler, workers, shared_dir, memory_gib,
          retry_failed, vectors, verify):
    """Compile and synthesize MODELS over a grid of options, devices and seeds on Dask: one row
    per point in DIR/sweep.csv and sweep.json, the Pareto front on DIR/index.html."""
    import pathlib

    from .sweep.explore import run_sweep
    from .sweep.grid import parse_axis

    if scheduler and workers:
        raise LgcError("--workers sizes the local cluster; give it or --scheduler, not both")
    if shared_dir and not scheduler:
        raise LgcError("--shared-dir is for --scheduler (a local sweep keeps its builds in "
                       "DIR/builds)")
    axes = dict(parse_axis(spec) for spec in grid_specs)
    if len(axes) != len(grid_specs):
        raise LgcError("--grid: an axis is given twice")
    devices = [d.strip() for item in devices for d in item.split(",") if d.strip()]
    out_dir = out_dir or str(pathlib.Path("sweeps") / pathlib.Path(models[0]).stem)
    rows = run_sweep(list(models), axes, devices, out_dir, scheduler=scheduler, workers=workers,
                     shared_dir=shared_dir, max_bytes=int(memory_gib * 2**30),
                     retry_failed=retry_failed, simulate=vectors, verify=verify)
    ok = [r for r in rows if r["status"] == "ok"]
    click.echo(f"{len(rows)} points: {len(ok)} synthesized, {len(rows) - len(ok)} failed; "
               f"{out_dir}/sweep.csv, {out_dir}/index.html")
    for r in rows:
        if r["status"] == "failed":
            click.echo(f"  failed {r['model']} {r['device']} seed {r['seed']}: {r['reason']}")
    for r in ok:
        if r["pareto"]:
            options = ", ".join(f"{a} {r[a]}" for a in axes if a != "seed")
            click.echo(f"  front: {r['model']} {r['device']} seed {r['seed']}"
                       f"{', ' + options if options else ''}: {r['luts']} LUTs, {r['ffs']} FFs, "
                       f"{r['fmax_mhz']:g} MHz")
    if not ok:
        raise LgcError("no point of the sweep succeeded")


@cli.command()
@click.argument("build_dir", type=click.Path(file_okay=False))
@click.option("--flash", is_flag=True, help="Write the board's configuration flash (kept at "
              "power-off) instead of loading the FPGA's SRAM.")
def program(build_dir, flash):
    """Load BUILD_DIR's bitstream (from lgc synth) onto its board with openFPGALoader."""
    from .deploy.program import program as load

    click.echo(load(build_dir, flash))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def boards(as_json):
    """List the boards lgc builds for, with their FPGA and its capacity."""
    from .deploy.boards import list_boards

    rows = list_boards()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['board']:<12} {r['device']:<10} {r['family']:<6} {r['luts']:>6} LUTs "
                   f"{r['ffs']:>6} FFs  {r['oscillator_mhz']:g} MHz oscillator, "
                   f"{r['leds']} LEDs, UART up to {r['max_baud']} baud  {r['description']}")


@cli.command()
@click.argument("build_dir", type=click.Path(file_okay=False))
@click.option("--port", required=True, help="Serial port of the board (or a pyserial URL).")
@click.option("--vectors", required=True, type=click.Path(dir_okay=False),
              help=".npz with x (0/1 bits) or raw (features, for models with an input encoder).")
@click.option("--baud", type=int, help="Baud rate (default: the board's).")
@click.option("--timeout", type=float, default=2.0, show_default=True,
              help="Seconds to wait for the board's answers.")
@click.option("--quantize", is_flag=True, help="Round raw features the build's input format "
              "does not hold (refused otherwise) and report what that changes.")
def stream(build_dir, port, vectors, baud, timeout, quantize):
    """Send VECTORS to the board at PORT; compare its classes with the PyTorch reference."""
    from .deploy.stream import stream as run_stream

    result, _, _ = run_stream(build_dir, port, vectors, baud=baud, timeout=timeout,
                              quantize=quantize)
    n, agree = result["vectors"], result["agree"]
    click.echo(f"{result['board']} on {port}: {n} vectors, {agree} classes == PyTorch, "
               f"{n - agree} differ; {result['vectors_per_second']:g} vectors/s at "
               f"{result['baud']} baud")
    if "quantization" in result:
        q = result["quantization"]
        click.echo(f"quantized: {q['features_rounded']} features rounded; against the values as "
                   f"given {q['input_bits_changed']} input bits and {q['classes_changed']} "
                   "classes changed")
    if agree != n:
        raise LgcError(f"the board disagrees with PyTorch on {n - agree} of {n} vectors "
                       f"(first: {result['differ'][:5]})")


# --- formal verification -----------------------------------------------------------------------


@cli.command()
@click.argument("build_dir", type=click.Path(file_okay=False))
@click.option("--model", type=click.Path(dir_okay=False),
              help="Prove against this model file (default: the build's copy, DIR/model.pt).")
@click.option("--arch", metavar="SPEC", help="Architecture spec of a state_dict MODEL (default: "
              "the one the build recorded).")
@click.option("--parametrization", type=click.Choice(["raw", "light", "warp"]),
              help="LUT parametrization of a state_dict MODEL's layers the spec leaves open.")
@click.option("--json", "as_json", is_flag=True, help="Print the report section as JSON.")
@click.option("--method", type=click.Choice(["auto", "whole", "stages"]), default="auto",
              show_default=True, help="Prove the whole design at once, or gate stage by gate "
              "stage (auto: by stages from 10,000 gates in the RTL).")
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler (tcp://HOST:8786) whose "
              "workers run the stage proof's yosys and ABC runs; they must see BUILD_DIR at the "
              "same path.")
@yosys_option
def verify(build_dir, model, arch, parametrization, as_json, method, scheduler, engine):
    """Prove that BUILD_DIR's RTL computes the model's scores and class for every input."""
    from .formal.verify import verify_build

    proof, ref = verify_build(build_dir, model, arch, parametrization, engine, method, scheduler)
    summary = proof.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    elif proof.equivalent and proof.method == "recurrent":
        click.echo(f"{build_dir}: the RTL computes the model's scores and class at every step of "
                   f"every sequence, for every input stream: proven in "
                   f"{summary['total_seconds']:.1f} s")
        click.echo(f"  latency {proof.latency} clocks; scores: exact sums of {proof.leaves} "
                   f"leaf bits; group bits: {proof.pairs} pairs and {proof.constants} constants "
                   f"proven over all streams by ABC's dprove ({proof.refinements} refinements); "
                   "argmax proven")
    elif proof.equivalent:
        how = (f"proven before, on the same inputs (in {summary['total_seconds']:.1f} s): the "
               "verdict is reused" if proof.reused else
               f"proven in {summary['total_seconds']:.1f} s")
        click.echo(f"{build_dir}: the RTL computes the model's scores and class for every input: "
                   f"{how}")
        click.echo(f"  pipeline: {proof.latency} registers on every path; scores: exact sums of "
                   f"{proof.leaves} leaf bits; group bits: {proof.pairs} pairs and "
                   f"{proof.constants} constants proven by SAT ({proof.refinements} refinements); "
                   "argmax proven")
        if proof.method == "stages":
            click.echo(f"  gate stages: {len(proof.parts)} proven one by one against the model's "
                       f"nodes ({sum(p['bits'] for p in proof.parts)} register bits)")
    else:
        cex = proof.counterexample
        if cex is not None:
            if cex.bits.ndim == 2:  # a recurrent core's: a sequence, its last step differs
                click.echo(f"counterexample: a sequence of {len(cex.bits)} steps, "
                           "in_bits (bit 0 first):")
                click.echo("\n".join(f"  step {t}: {''.join(map(str, row))}"
                                      for t, row in enumerate(cex.bits.tolist())))
                click.echo(f"at step {len(cex.bits) - 1}:")
            else:
                click.echo(f"counterexample: in_bits = {''.join(map(str, cex.bits.tolist()))} "
                           "(bit 0 first)")
            click.echo(f"  PyTorch reference: scores {ref.counts[0].tolist()}, "
                       f"class {int(ref.pred[0])}")
            click.echo(f"  spec (model file): scores {cex.spec_scores.tolist()}, "
                       f"class {cex.spec_class}")
            click.echo(f"  RTL:               scores {cex.rtl_scores.tolist()}, "
                       f"class {cex.rtl_class}")
    if not proof.equivalent:
        raise LgcError(f"{build_dir}: the RTL is not proven equivalent to the model: "
                       f"{proof.reason} (after {summary['total_seconds']:.1f} s)")


@cli.command()
@click.argument("build_dir", type=click.Path(file_okay=False))
@click.option("--format", "fmt", default="aiger", show_default=True, metavar="aiger|blif",
              help="Binary AIGER with a symbol table, or BLIF.")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="The file to write (default: BUILD_DIR/export/lgc_comb.aig or .blif); its "
              "interface goes beside it as STEM.interface.json.")
@click.option("--gates", is_flag=True, help="The gates alone: outputs are the bits the GroupSum "
              "counts, and the interface says which class counts which (default: the whole "
              "function, scores and class).")
@yosys_option
def export(build_dir, fmt, out, gates, engine):
    """Write BUILD_DIR's combinational function as AIGER or BLIF, with its interface."""
    from .export import export as export_build

    path = export_build(build_dir, fmt, out, scope="gates" if gates else "scores", engine=engine)
    click.echo(f"wrote {path} and {path.rsplit('.', 1)[0]}.interface.json")


def main():
    # `kill`, a batch scheduler's stop: ends lgc as Ctrl-C does, so the tool it runs goes too
    # (each runs in a session of its own) and report.json says the step was interrupted
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        cli(standalone_mode=False)
    except LgcError as e:
        click.echo(f"lgc: error: {e}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:      # click's answer to Ctrl-C (KeyboardInterrupt)
        click.echo("lgc: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        click.echo(f"lgc: error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
