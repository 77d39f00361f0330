"""How a gate net's routing grows with its fanout on ECP5: the data behind `net_fanout` in
lgc.synth.devices (lgc.rtl.timing.Delays), read from builds `python -m bench.qor --work DIR` kept.

    python -m bench.net_fanout DIR/NAME [DIR/NAME ...]

Per build (its synth/netlist.json from yosys and synth/pnr.json from nextpnr's
`--detailed-timing-report`, synth/pnr.seedN.json per seed): every flip-flop of a gate stage fed by a LUT that reads the stage's
input vector, with the largest fanout (inside the stage) of the nets it reads and nextpnr's
arrival at it. Printed per fanout range: endpoints, mean, 90th percentile and worst arrival; per
stage: its largest input fanout and worst arrival against the delay model's prediction. The fit:
the 90th-percentile arrival against log2 of the fanout, least squares over the ranges (weighted
by endpoints): its slope is ns per doubling of the fanout.
"""

import argparse
import collections
import json
import pathlib

import numpy as np

from lgc.rtl import Plan
from lgc.synth.devices import FAMILIES


def gate_endpoints(synth, pnr_path):
    """{stage number: [(largest input fanout, arrival ns)]} of the gate stages' flip-flops."""
    netlist = json.loads((synth / "netlist.json").read_text())
    pnr = json.loads(pnr_path.read_text())
    arrival = {(e["cell"], e["port"]): max(e["delay"]) if isinstance(e["delay"], list)
               else e["delay"]
               for net in pnr["detailed_net_timings"] for e in net["endpoints"]}
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
            if "TRELLIS_FF" not in cell["type"]:
                continue
            at = [arrival.get((f"datapath.gates_s{stage}.{cname}", p)) for p in ("DI", "M")]
            at = [a for a in at if a is not None]
            lut = driver.get(cell["connections"]["DI"][0])
            if not at or lut is None or "LUT4" not in lut["type"]:
                continue
            read = [b for port, bits in lut["connections"].items()
                    if lut["port_directions"][port] == "input" for b in bits if b in inputs]
            if read:
                rows.append((max(fanout[b] for b in read), max(at)))
        out[stage] = rows
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="+", help="build folders kept by bench.qor --work")
    args = parser.parse_args()
    delays = FAMILIES["ecp5"].delays
    buckets = collections.defaultdict(list)
    print("build                          stage  max fanout  worst ns  predicted ns")
    for build in map(pathlib.Path, args.builds):
        report = json.loads((build / "report.json").read_text())
        predicted = (report["rtl"].get("timing") or {}).get("stage_ns", {}).get("gates", [])
        for pnr in sorted((build / "synth").glob("pnr.seed*.json")):
            for stage, rows in sorted(gate_endpoints(build / "synth", pnr).items()):
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
    print(f"\nfit: p90 arrival = {offset:.2f} + {slope:.3f} * log2(fanout) ns "
          f"(the model's net_fanout today: {delays.net_fanout})")


if __name__ == "__main__":
    main()
