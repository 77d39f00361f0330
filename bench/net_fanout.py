"""How a gate net's routing grows with its fanout on ECP5 and GateMate: the data behind
`net_fanout` in lgc.synth.devices (lgc.rtl.timing.Delays), read from builds that `python -m
bench.qor --work DIR` or `python -m bench.delay_fit --work DIR` kept (one family per run).

    python -m bench.net_fanout DIR/NAME [DIR/NAME ...]

Per build (its synth/netlist.json from yosys and nextpnr's `--detailed-timing-report`:
synth/pnr.seedN.json per seed, or synth/pnr.json): every flip-flop of a gate stage fed by a LUT
that reads the stage's input vector, with the largest fanout (inside the stage) of the nets it
reads and the period nextpnr's arrival at it needs (setup and clock skew added, the clock's
insertion delay taken off, as bench.delay_fit does). Printed per fanout range: endpoints, mean,
90th percentile and worst period; per stage: its largest input fanout and worst period against
the delay model's prediction. The fit: the 90th percentile against log2 of the fanout, least
squares over the ranges (weighted by endpoints): its slope is ns per doubling of the fanout.
"""

import argparse
import collections
import json
import pathlib
import re

import numpy as np

from lgc.synth.devices import FAMILIES

from .delay_fit import endpoint_arrivals, period_offset

# Per family: yosys' flip-flop and LUT cell types (regexes), the flip-flop's data port in yosys'
# netlist and its data ports in nextpnr's report.
CELLS = {"ecp5": (r"TRELLIS_FF$", r"LUT4$", "DI", ("DI", "M")),
         "gatemate": (r"CC_DFF$", r"CC_(LUT\d|L2T\d)$", "D", ("DIN",))}


def gate_endpoints(synth, pnr_path, family):
    """{stage number: [(largest input fanout, period ns)]} of the gate stages' flip-flops: the
    arrival at each and what the critical path adds to it (bench.delay_fit.period_offset)."""
    ff_type, lut_type, data_port, timed_ports = CELLS[family]
    netlist = json.loads((synth / "netlist.json").read_text())
    pnr = json.loads(pnr_path.read_text())
    arrival = endpoint_arrivals(pnr)
    offset = period_offset(pnr, arrival)
    # nextpnr names a cell by its instance path, which the top the flow wraps around the core
    # lengthens (GateMate's harness: "wrapped.datapath...")
    top = next(cell[:cell.index("datapath.")] for cell, _ in arrival if "datapath." in cell)
    out = {}
    for name, module in netlist["modules"].items():
        if not name.startswith("lgc_gates_s"):
            continue
        stage = int(name.rsplit("_s", 1)[1])
        fanout, driver = collections.Counter(), {}
        for cell in module["cells"].values():
            for port, bits in cell["connections"].items():
                for b in bits:
                    if cell["port_directions"][port] == "input":
                        fanout[b] += 1
                    else:
                        driver[b] = cell
        inputs = set(module["ports"]["i"]["bits"])
        rows = []
        for cname, cell in module["cells"].items():
            if not re.search(ff_type, cell["type"]):
                continue
            at = [arrival.get((f"{top}datapath.gates_s{stage}.{cname}", p)) for p in timed_ports]
            at = [a for a in at if a is not None]
            lut = driver.get(cell["connections"][data_port][0])
            if not at or lut is None or not re.search(lut_type, lut["type"]):
                continue
            read = [b for port, bits in lut["connections"].items()
                    if lut["port_directions"][port] == "input" for b in bits if b in inputs]
            if read:
                rows.append((max(fanout[b] for b in read), max(at) + offset))
        out[stage] = rows
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="+",
                        help="build folders kept by bench.qor or bench.delay_fit --work")
    args = parser.parse_args()
    reports = {build: json.loads((build / "report.json").read_text())
               for build in map(pathlib.Path, args.builds)}
    families = {r["synthesis"]["target"]["family"] for r in reports.values()}
    if len(families) != 1:
        parser.error(f"builds of one family at a time, not {', '.join(sorted(families))}")
    family = families.pop()
    delays = FAMILIES[family].delays
    buckets = collections.defaultdict(list)
    print("build                          stage  max fanout  worst ns  predicted ns")
    for build, report in reports.items():
        timing = report["rtl"].get("timing") or {}
        # a fixed-pipelining build was planned by no family's model
        predicted = timing["stage_ns"]["gates"] if timing.get("family") == family else []
        synth = build / "synth"
        for pnr in sorted(synth.glob("pnr.seed*.json")) or [synth / "pnr.json"]:
            for stage, rows in sorted(gate_endpoints(synth, pnr, family).items()):
                for fanout, at in rows:
                    buckets[fanout.bit_length() - 1].append(at)
                pred = f"{predicted[stage - 1]:.2f}" if stage <= len(predicted) else "-"
                print(f"{build.name + ' ' + pnr.stem[4:]:<30} {stage:>5} "
                      f"{max(f for f, _ in rows):>11} {max(a for _, a in rows):>9.2f} {pred:>13}")
    print("\nfanout     endpoints   mean ns  p90 ns  worst ns")
    x, y, w = [], [], []
    for b in sorted(buckets):
        v = np.sort(buckets[b])
        p90 = float(v[int(0.9 * (len(v) - 1))])
        print(f"{1 << b:>3}-{(2 << b) - 1:<5} {len(v):>10} {v.mean():>9.2f} {p90:>7.2f} "
              f"{v[-1]:>9.2f}")
        x.append(b + 0.5)
        y.append(p90)
        w.append(len(v))
    slope, offset = np.polyfit(x, y, 1, w=np.sqrt(w))
    print(f"\nfit: p90 period = {offset:.2f} + {slope:.3f} * log2(fanout) ns "
          f"(the model's net_fanout today: {delays.net_fanout})")


if __name__ == "__main__":
    main()
