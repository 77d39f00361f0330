"""Per register of an ECP5 core, nextpnr's arrival after placement (its estimate), from the SDF
nextpnr writes even when it does not route: which stage limits a core too large to route in a
session.

    lgc synth BUILD --device LFE5U-85F "--pnr-opts=--no-route --sdf placed.sdf"
    python -m bench.placed_arrivals BUILD/synth/placed.sdf [--paths 1] [--each]

Before routing, nextpnr's SDF holds every net's estimated delay (ECP5: a step per tile of
distance between the two cells) and every cell's arcs; the arrival at a flip-flop's data input is
the longest path from a flip-flop's output (its clock-to-out) through them. Prints per stage (the
register module a path ends in: gates_s1, popcount_s1, argmax.*, ...) its endpoints and the
worst, 99th-percentile and median arrival, the core's worst (nextpnr's log gives the same as its
estimated Fmax), and the worst paths cell by cell with each net's delay and fanout.
"""

import argparse
import collections
import re

import numpy as np

_IOPATH = re.compile(r"\(IOPATH (\S+) (\S+) \(([\d:]+)\)")
_INTERCONNECT = re.compile(r"\(INTERCONNECT (\S+) (\S+) \(([\d:]+)\)")
_SETUP = re.compile(r"\(SETUPHOLD \((?:pos|neg)edge (\S+)\) \(posedge CLK\) \(([\d:]+)\)")


def _ns(triple):
    """The max corner of an SDF (min:typ:max) triple of ps, in ns."""
    return int(triple.rsplit(":", 1)[-1]) / 1000


def read_sdf(path):
    """The timing graph: arcs {pin: [(next pin, ns)]} of cells and nets, the flip-flops' outputs
    with their clock-to-out {pin: ns}, their data inputs with setup {pin: ns}, and every net's
    fanout by its driver pin."""
    arcs, starts, ends = collections.defaultdict(list), {}, {}
    fanout = collections.Counter()
    cell_type, instance = None, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("(CELLTYPE"):
                cell_type = line.split('"')[1]
            elif line.startswith("(INSTANCE"):
                instance = line[len("(INSTANCE"):].strip(" )")
            elif line.startswith("(INTERCONNECT"):
                src, dst, ns = _INTERCONNECT.match(line).groups()
                arcs[src].append((dst, _ns(ns)))
                fanout[src] += 1
            elif line.startswith("(IOPATH"):
                src, dst, ns = _IOPATH.match(line).groups()
                if cell_type == "TRELLIS_FF":
                    starts[f"{instance}/{dst}"] = _ns(ns)
                else:
                    arcs[f"{instance}/{src}"].append((f"{instance}/{dst}", _ns(ns)))
            elif line.startswith("(SETUPHOLD") and cell_type == "TRELLIS_FF":
                port, setup = _SETUP.match(line).groups()
                ends[f"{instance}/{port}"] = max(ends.get(f"{instance}/{port}", 0.0), _ns(setup))
    return arcs, starts, ends, fanout


def arrivals(arcs, starts):
    """Longest arrival at every pin reached from the flip-flops' outputs (the graph has no loop
    between registers), and each pin's predecessor on it."""
    indegree = collections.Counter(dst for outs in arcs.values() for dst, _ in outs)
    arrival = dict(starts)
    before = {}
    ready = sorted(pin for pin in set(arcs) | set(starts) if indegree[pin] == 0)
    while ready:
        pin = ready.pop()
        t = arrival.get(pin)   # None: driven by a constant, which nextpnr does not time
        for dst, ns in arcs.get(pin, ()):
            if t is not None and t + ns > arrival.get(dst, -1.0):
                arrival[dst], before[dst] = t + ns, pin
            indegree[dst] -= 1
            if indegree[dst] == 0:
                ready.append(dst)
    return arrival, before


def stage_of(pin):
    """The register module a flip-flop belongs to (gates_s2, popcount_s1, argmax.score_3_0...)."""
    name = pin.rsplit("/", 1)[0].removeprefix("datapath.")
    return re.split(r"\.o_|_q_|_TRELLIS|\$", name)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sdf")
    parser.add_argument("--paths", type=int, default=1, help="worst paths to print")
    parser.add_argument("--each", action="store_true", help="and the worst path of every stage")
    args = parser.parse_args()
    arcs, starts, ends, fanout = read_sdf(args.sdf)
    arrival, before = arrivals(arcs, starts)
    total = {pin: arrival[pin] + setup for pin, setup in ends.items() if pin in arrival}
    by_stage = collections.defaultdict(list)   # stage: its endpoints
    for pin in total:
        by_stage[stage_of(pin)].append(pin)
    worst_of = {stage: max(pins, key=total.get) for stage, pins in by_stage.items()}
    print(f"{'stage':<22} {'endpoints':>9} {'worst':>7} {'99%':>7} {'median':>7}  (ns, setup in)")
    for stage, pins in sorted(by_stage.items(), key=lambda kv: -total[worst_of[kv[0]]]):
        v = np.array([total[pin] for pin in pins])
        print(f"{stage:<22} {len(v):>9} {v.max():>7.2f} {np.percentile(v, 99):>7.2f} "
              f"{np.median(v):>7.2f}")
    worst = sorted(total, key=total.get, reverse=True)
    print(f"worst: {total[worst[0]]:.2f} ns ({1e3 / total[worst[0]]:.2f} MHz)")
    ends_shown = worst[:args.paths]
    if args.each:
        shown = set(map(stage_of, ends_shown))
        ends_shown += [pin for stage, pin in worst_of.items() if stage not in shown]
    for end in ends_shown:
        print_path(end, total[end], arrival, before, fanout)


def print_path(end, ns, arrival, before, fanout):
    """The path to `end`, a line per net (its delay, fanout, the cell it enters) with the cell
    delays after it."""
    path = [end]
    while path[-1] in before:
        path.append(before[path[-1]])
    path.reverse()
    print(f"path to {end} ({ns:.2f} ns, setup in), from {path[0]}"
          f" ({arrival.get(path[0], 0.0):.2f} ns):")
    for src, dst in zip(path, path[1:]):
        hop = arrival[dst] - arrival.get(src, 0.0)
        if src.rsplit("/", 1)[0] != dst.rsplit("/", 1)[0]:
            print(f"  net {hop:5.2f} (fanout {fanout[src]:>3}) into {dst[:100]}")
        elif hop:
            print(f"  cell {hop:4.2f}")


if __name__ == "__main__":
    main()
