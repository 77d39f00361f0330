"""A family's delay model (lgc.rtl.timing.Delays) fitted to nextpnr's timing of lgc's own core.

    python -m bench.delay_fit [--devices LIFCL-40 CCGM1A1] [--model PATH ...] [--seed 1]
                              [--planned] [--work DIR]
    python -m bench.delay_fit --check [--devices ...] [--model PATH ...] [--target-mhz F]

Fit (per device): each model (default: the shipped example) compiled with fixed pipelining (one
LUT level of gates and one adder level per stage, so there are short stages of every kind the
model describes), then `lgc synth --device` with nextpnr's detailed timing report and its SDF
(a run whose nextpnr stopped after routing gives only the critical path in its log: GateMate).
Cell delays are read from the SDF, medians over the design's cells: the flip-flops' clock-to-out
and setup, a LUT's input to output, a carry cell's entry (operand to carry out), step (carry in
to carry out, per bit) and exit (carry in to sum). The nets are fitted to the worst arrival
nextpnr reports at the registers of each kind of stage: `net` makes the delay model's popcount
and argmax stages arrive when nextpnr's do, `net_spread` is what the gate stages need on top
(means over the models). `--planned` adds each model compiled for the device by the delay model
of lgc/synth/devices.py (its default target) to the runs: its stages are the ones --target-mhz
makes (several compressor levels, a gate level sharing the first sums' clock), which the fixed
builds do not have. It prints the Delays(...) for lgc/synth/devices.py and, per kind of stage,
the fitted model's path against nextpnr's. Gowin's SDF times only its flip-flops: its LUTs' and
carries' arcs are those on the critical paths of every run's report.

--check: each model compiled for the device with the delay model of lgc/synth/devices.py (at
--target-mhz, else the family's default), synthesized at that clock; prints the predicted
critical path against nextpnr's, and per kind of stage; on a family with wide-LUT muxes (ECP5)
that the core uses, their delays in the SDF, whose mean is Delays.mux. `--work DIR` keeps the
builds; a build that was synthesized already (its nextpnr log is there) is read again instead of
rerun.
"""

import argparse
import dataclasses
import json
import pathlib
import re
import statistics
import tempfile

from lgc.compile import compile_model
from lgc.errors import LgcError
from lgc.ir.netlist import Netlist
from lgc.rtl import Plan
from lgc.rtl.timing import Delays
from lgc.synth.devices import DEVICES, FAMILIES
from lgc.synth.flow import SYNTH_DIR, synthesize
from lgc.synth.report import routed_fmax_from_log
from tests.support.fixtures import EXAMPLE

FIXED = {"layers_per_stage": 1, "adder_levels_per_stage": 1}
PNR_OPTS = "--detailed-timing-report --sdf timing.sdf"

# Per family, how the SDF names its cells' timing arcs: (cell type, from port, to port) regexes.
ARCS = {
    "nexus": {"clock_to_out": (r"OXIDE_FF", r"CLK", r"Q"),
              "lut": (r"OXIDE_COMB", r"[ABCD]", r"F"),
              "carry_in": (r"OXIDE_COMB", r"[AB]", r"FCO"),
              "carry_step": (r"OXIDE_COMB", r"FCI", r"FCO"),
              "carry_out": (r"OXIDE_COMB", r"FCI", r"F")},
    "gatemate": {"clock_to_out": (r"CPE_FF", r"CLK_INT", r"DOUT"),
                 "lut": (r"CPE_(LT|L2T)\w*", r"IN\d", r"OUT\d?"),
                 "carry_in": (r"CPE_ADDF2?", r"IN\d", r"COUTY1"),
                 "carry_step": (r"CPE_ADDF2?", r"CINY1", r"COUTY1"),
                 "carry_out": (r"CPE_ADDF2?", r"CINY1", r"OUT\d")},
    # An iCE40 sum bit is the LUT of the carry's cell with the carry on I3: leaving the chain
    # is that LUT input.
    "ice40": {"clock_to_out": (r"ICESTORM_LC", r"CLK", r"O"),
              "lut": (r"ICESTORM_LC", r"I[0-3]", r"O"),
              "carry_in": (r"ICESTORM_LC", r"I[12]", r"COUT"),
              "carry_step": (r"ICESTORM_LC", r"CIN", r"COUT"),
              "carry_out": (r"ICESTORM_LC", r"I3", r"O")},
    # nextpnr-himbaechel-gowin's SDF times only the flip-flops: the LUTs' and carries' arcs
    # come from the critical paths of its report (CELL_ARCS_FROM_PATHS).
    "gowin": {"clock_to_out": (r"DFF\w*", r"CLK", r"Q"),
              "lut": (r"LUT[1-4]", r"I[0-3]", r"F"),
              "carry_in": (r"ALU", r"I[0-3]", r"COUT"),
              "carry_step": (r"ALU", r"CIN", r"COUT"),
              "carry_out": (r"ALU", r"CIN", r"SUM")},
}
SETUP = {"nexus": (r"OXIDE_FF", r"DI|M"), "gatemate": (r"CPE_FF", r"DIN"),
         "ice40": (r"ICESTORM_LC", r"I[0-3]"), "gowin": (r"DFF\w*", r"D")}
CELL_ARCS_FROM_PATHS = {"gowin"}
# Per family with wide-LUT muxes, each mux's SDF arc from a data input, first to last, and the
# arc it includes before it (ECP5's slice times a LUT4 through its PFUMX; then the L6MUX21);
# Delays.mux is the muxes' mean.
MUX_ARCS = {"ecp5": (((r"TRELLIS_COMB", r"[ABCD]", r"OFX"), (r"TRELLIS_COMB", r"[ABCD]", r"F")),
                     ((r"TRELLIS_COMB", r"FX[AB]", r"OFX"), None))}
# Families whose SDF times a register's setup from the inputs of the LUT in its cell (an iCE40
# logic cell is a LUT and its flip-flop): the LUT is taken off to leave the setup.
SETUP_THROUGH_LUT = {"ice40"}
# Sums of at most this many bits yosys maps to LUTs, not to a carry chain (the family's arith_map)
LUT_ADDER_BITS = {"nexus": 4, "gatemate": 2, "ice40": 2, "gowin": 2}
# Bits one carry cell of the SDF adds (a CCU2: two)
CARRY_BITS = {"nexus": 1, "gatemate": 1, "ice40": 1, "gowin": 1}


def stage_kind(cell):
    """Which kind of stage a register endpoint ends (the core may sit in a harness)."""
    if re.search(r"(^|\.)gates_s", cell):
        return "gates"
    if re.search(r"(^|\.)popcount_s", cell):
        return "popcount"
    if re.search(r"(^|\.)(argmax\.|out_class|out_scores)", cell):
        return "argmax"
    return None


def stage_periods(pnr):
    """The period each kind of stage needs by nextpnr: the worst arrival at its registers, plus
    what the critical path adds to its own arrival (setup, clock skew, less the clock's insertion
    delay, which arrivals count from the clock pin)."""
    arrival = endpoint_arrivals(pnr)
    offset = period_offset(pnr, arrival)
    return {kind: ns + offset for kind, ns in worst_by_stage(arrival).items()}


def worst_by_stage(arrival):
    """{kind of stage: ns}: the latest of the arrivals ({(cell, port): ns}) at its registers."""
    worst = {}
    for (cell, _), delay in arrival.items():
        kind = stage_kind(cell)
        if kind:
            worst[kind] = max(worst.get(kind, 0.0), delay)
    return worst


def endpoint_arrivals(pnr):
    """{(cell, port): ns}: nextpnr's latest arrival at every register input of its detailed
    timing report."""
    arrival = {}
    for net in pnr.get("detailed_net_timings", []):
        for end in net["endpoints"]:
            delay = max(end["delay"]) if isinstance(end["delay"], list) else end["delay"]
            pin = end["cell"], end["port"]
            arrival[pin] = max(arrival.get(pin, 0.0), delay)
    return arrival


def period_offset(pnr, arrival):
    """What turns an arrival at a register into the period it needs: what nextpnr's critical path
    adds to its own end's arrival ({(cell, port): ns}; setup, clock skew, less the clock's
    insertion delay, which arrivals count from the clock pin)."""
    steps = pnr["critical_paths"][0]["path"]
    end = steps[-1]["to"]
    return sum(s["delay"] for s in steps) - arrival[end["cell"], end["port"]]


_CELL = re.compile(r'\(CELL\s*\(CELLTYPE\s+"([^"]+)"\)\s*\(INSTANCE\s*([^)]*)\)(.*?)\n\s*\)\s*\n'
                   r'(?=\s*\(CELL|\s*\)\s*$)', re.S)
_IOPATH = re.compile(r"\(IOPATH\s+(?:\((?:posedge|negedge)\s+)?(\S+?)\)?\s+(\S+)\s+"
                     r"\(([-\d.:]+)\)\s*(?:\(([-\d.:]+)\))?")
_SETUP = re.compile(r"\(SETUP(?:HOLD)?\s+(?:\(\w+\s+)?(\S+?)\)?\s+\((?:posedge|negedge)\s+\S+\)\s+"
                    r"\(([-\d.:]+)\)")


def _max(triple):
    """The slowest corner of an SDF (min:typ:max) triple, in ns (nextpnr writes ps)."""
    return max(float(v) for v in triple.split(":") if v) / 1000


def sdf_arcs(path, pnr=None):
    """Every timing arc of the SDF's cells: [(cell type, from, to, ns)] (the slower edge, the
    max corner), and setup checks [(cell type, port, ns)]; with nextpnr's report `pnr`, the
    arcs of the cells on its critical paths too (typed by the SDF)."""
    text = pathlib.Path(path).read_text()
    arcs, setups, types = [], [], {}
    for cell_type, instance, body in _CELL.findall(text):
        types[instance.strip().replace("\\", "")] = cell_type
        for src, dst, rise, fall in _IOPATH.findall(body):
            arcs.append((cell_type, src, dst, max(_max(rise), _max(fall or rise))))
        for port, value in _SETUP.findall(body):
            setups.append((cell_type, port, _max(value)))
    for path in (pnr or {}).get("critical_paths", []):
        arcs += [(types.get(step["from"]["cell"]), step["from"]["port"], step["to"]["port"],
                  step["delay"]) for step in path["path"] if step["type"] == "logic"]
    return arcs, setups


def arc_median(arcs, arc):
    """The median ns of the SDF arcs ([(cell type, from, to, ns)]) that match `arc`, a (cell type,
    from port, to port) of regexes; None where none does."""
    cell, src, dst = arc
    values = [ns for t, s, d, ns in arcs
              if re.fullmatch(cell, t) and re.fullmatch(src, s) and re.fullmatch(dst, d)]
    return statistics.median(values) if values else None


def cell_delays(family, arcs, setups):
    """The Delays fields the SDF fixes: medians of each kind of arc (None: none in the design)."""
    found = {field: arc_median(arcs, arc) for field, arc in ARCS[family].items()}
    cell, port = SETUP[family]
    values = [ns for t, p, ns in setups if re.fullmatch(cell, t) and re.fullmatch(port, p)]
    found["setup"] = statistics.median(values) if values else None
    if family in SETUP_THROUGH_LUT and values and found["lut"] is not None:
        found["setup"] = max(found["setup"] - found["lut"], 0.0)
    # nextpnr's GateMate database has no carry-in to carry-out arc: a chain costs its entry and
    # exit only (in nextpnr's timing, which is what the model predicts).
    found["carry_bit"] = (found.pop("carry_step") or 0.0) / CARRY_BITS[family]
    found["lut_adder_bits"] = LUT_ADDER_BITS[family]
    return found


def mux_delays(family, arcs):
    """The wide-LUT muxes' delays (ns, SDF medians), first to last; None where the family has none
    or the design uses none."""
    delays = []
    for arc, before in MUX_ARCS.get(family, ()):
        through, first = arc_median(arcs, arc), arc_median(arcs, before) if before else 0.0
        if through is None or first is None:
            return None
        delays.append(through - first)
    return delays or None


def predicted(plan, delays):
    """The model's worst path per kind of stage (ns, clock-to-out and setup included)."""
    stages = plan.with_delays(delays).timing()["stage_ns"]
    return {kind: max(periods) for kind, periods in stages.items() if periods}


def _solve(f, goal, low=0.0, high=20.0):
    """x in [low, high] where the increasing f(x) reaches goal (bisection)."""
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if f(mid) < goal else (low, mid)
    return round((low + high) / 2, 3)


def fit_nets(runs, cells, family_delays):
    """`net` from the popcount and argmax stages, `net_spread` from the gates' (means over the
    runs: [(plan, {kind: nextpnr's period})]); the fields neither the SDF nor the fit fixes
    (a full adder's LUT levels, the crowding terms) stay the family's."""
    def delays(net, spread=0.0):
        return dataclasses.replace(family_delays, **cells, net=net, net_spread=spread)
    # A planned core's first popcount stage may hold its last gate level, so each fit depends on
    # the other: alternate until they settle.
    spread = 0.0
    for _ in range(8):
        nets = [_solve(lambda n: predicted(plan, delays(n, spread))[kind], achieved[kind])
                for plan, achieved in runs for kind in ("popcount", "argmax") if kind in achieved]
        net = round(statistics.mean(nets), 3)
        spreads = [_solve(lambda s: predicted(plan, delays(net, s))["gates"], achieved["gates"])
                   for plan, achieved in runs if "gates" in achieved]
        spread = round(statistics.mean(spreads), 3)
    return delays(net, spread)


def logged_periods(build):
    """{kind: period} of the one critical path nextpnr's log gives, for a run without report:
    its total (skew and setup included) at the register it ends in."""
    text = (build / SYNTH_DIR / "nextpnr.log").read_text()
    report = text[text.rfind("Routing complete"):]
    block = report[report.find("Critical path report for clock"):]
    setup = re.search(r"setup\s+[-\d.]+\s+([-\d.]+)\s+Source (\S+)\.\w+\n", block)
    kind = stage_kind(setup.group(2)) if setup else None
    return {kind: float(setup.group(1))} if kind else {}


def synthesized(build, device, seed):
    """nextpnr's report of `build` on `device` (run unless it is there); None when nextpnr stopped
    after routing without writing it (nextpnr-himbaechel-gatemate 0.11 on larger cores)."""
    report = build / SYNTH_DIR / "pnr.json"
    if not report.exists() and (build / SYNTH_DIR / "nextpnr.log").exists():
        return None   # run before, and nextpnr stopped after routing
    if not report.exists():
        try:
            synthesize(build, device=device, seed=seed, pnr_opts=PNR_OPTS)
        except LgcError as e:   # the flow's error for a routed design whose nextpnr trapped
            print(f"  {device}: {e}")
            return None
    return json.loads(report.read_text())


def planned_build(model, device, work, target_mhz=None):
    """The model compiled for the device by the delay model of lgc/synth/devices.py (at
    target_mhz, else the family's default), and the Plan that placed its registers."""
    build = work / f"{device}-{target_mhz or 'default'}-{pathlib.Path(model).stem}"
    if not (build / "report.json").exists():
        compile_model(str(model), str(build), device=device, target_mhz=target_mhz)
    timing = json.loads((build / "report.json").read_text())["rtl"]["timing"]
    return build, Plan(Netlist.load(build / "netlist.npz"), target_mhz=timing["target_mhz"],
                       delays=Delays(**timing["delays"]))


def fixed_build(model, device, work):
    build = work / f"{device}-fixed-{pathlib.Path(model).stem}"
    if not (build / "report.json").exists():
        compile_model(str(model), str(build), **FIXED)
    return build, Plan(Netlist.load(build / "netlist.npz"), **FIXED)


def fit(models, device, seed, work, planned=False):
    family = DEVICES[device].family
    runs, cells, arcs, setups = [], None, [], []
    builds = [(f"{pathlib.Path(m).name} fixed", *fixed_build(m, device, work)) for m in models]
    if planned:
        builds += [(f"{pathlib.Path(m).name} planned", *planned_build(m, device, work))
                   for m in models]
    for name, build, plan in builds:
        pnr = synthesized(build, device, seed)
        achieved = stage_periods(pnr) if pnr else logged_periods(build)
        if pnr and family in CELL_ARCS_FROM_PATHS:   # every run's critical path adds arcs
            run_arcs, run_setups = sdf_arcs(build / SYNTH_DIR / "timing.sdf", pnr)
            arcs, setups = arcs + run_arcs, setups + run_setups
        elif pnr and cells is None:
            cells = cell_delays(family, *sdf_arcs(build / SYNTH_DIR / "timing.sdf"))
        runs.append((name, plan, achieved))
    if family in CELL_ARCS_FROM_PATHS and arcs:
        cells = cell_delays(family, arcs, setups)
    if cells is None:
        raise SystemExit(f"{device}: nextpnr wrote no SDF to read the cells' delays from")
    missing = [k for k, v in cells.items() if v is None]
    if missing:
        raise SystemExit(f"{device}: the SDF has no arcs for {', '.join(missing)}")
    for k in ("clock_to_out", "setup", "lut", "carry_in", "carry_bit", "carry_out"):
        cells[k] = round(cells[k], 4)
    delays = fit_nets([(plan, achieved) for _, plan, achieved in runs], cells,
                      FAMILIES[family].delays)
    print(f"{device} ({family}), seed {seed}:")
    print(f"  {delays!r}")
    for name, plan, achieved in runs:
        model_ns = predicted(plan, delays)
        print(f"  {name}: per kind of stage, the fitted model's period / nextpnr's (ns): "
              + ", ".join(f"{k} {model_ns[k]:.2f}/{achieved[k]:.2f}" for k in sorted(achieved)))
    return delays


def check(model, device, seed, work, target_mhz):
    build, _ = planned_build(model, device, work, target_mhz)
    rtl = json.loads((build / "report.json").read_text())["rtl"]
    timing = rtl["timing"]
    name = f"{pathlib.Path(model).stem} on {device}"
    pnr = synthesized(build, device, seed)
    achieved = stage_periods(pnr) if pnr else {}
    routed = ({k: c["achieved"] for k, c in pnr["fmax"].items()} if pnr
              else routed_fmax_from_log(build / SYNTH_DIR / "nextpnr.log"))
    if not routed:
        print(f"{name}: nextpnr did not finish routing ({build / SYNTH_DIR / 'nextpnr.log'})")
        return None
    mhz = min(float(f) for f in routed.values())
    crit, pred = 1e3 / mhz, timing["predicted_critical_ns"]
    print(f"{name}: target {timing['target_mhz']:g} MHz, latency {rtl['latency']}, "
          f"{rtl['registers']['total']} FFs, predicted {pred:.2f} ns ({timing['critical_stage']}),"
          f" nextpnr {crit:.2f} ns ({mhz:.1f} MHz{'' if pnr else ', from its log'}), "
          f"{100 * (pred / crit - 1):+.1f}%")
    if achieved:
        print("  per kind of stage, predicted period / nextpnr's (ns): " + ", ".join(
            f"{k} {max(timing['stage_ns'].get(k) or [0]):.2f}/{achieved[k]:.2f}"
            for k in sorted(achieved)))
        muxes = mux_delays(DEVICES[device].family, sdf_arcs(build / SYNTH_DIR / "timing.sdf")[0])
        if muxes:
            print("  wide-LUT muxes in nextpnr's SDF (ns): " + ", ".join(f"{m:.3f}" for m in muxes)
                  + f"; mean (Delays.mux) {statistics.mean(muxes):.3f}")
    return {"device": device, "target_mhz": timing["target_mhz"], "predicted_ns": pred,
            "achieved_ns": crit, "latency": rtl["latency"], "achieved": achieved}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", default=["LIFCL-40", "CCGM1A1"])
    parser.add_argument("--model", type=pathlib.Path, nargs="+", default=[EXAMPLE])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--planned", action="store_true")
    parser.add_argument("--target-mhz", type=float)
    parser.add_argument("--work", type=pathlib.Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or pathlib.Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for device in args.devices:
            if args.check:
                for model in args.model:
                    check(model, device, args.seed, work, args.target_mhz)
            else:
                fit(args.model, device, args.seed, work, args.planned)


if __name__ == "__main__":
    main()
