"""Read what the tools say: yosys `stat -json`, nextpnr `--report` and log, into report.json's
terms."""

import graphlib
import json
import re

from ..errors import LgcError
from .devices import count_cells

# Blocks of the design, recognized in module names: lgc.rtl writes gate stages as lgc_gates_sN and
# popcount stretches as lgc_popcount_sN (each with the pipeline register after it), the argmax as
# lgc_argmax; the encoded top's comparators are lgc_encoder; the board top's UART modules are
# ...uart_rx/uart_tx. The rest of lgc_core (input and output registers, valid chain) is
# "core (other)"; lgc_datapath only wires. lgc_pins is lgc.synth.harness' shift registers.
BLOCKS = (("gate layers", ("lgc_gates_",)), ("popcount", ("lgc_popcount",)),
          ("argmax", ("lgc_argmax",)), ("uart", ("uart",)), ("input encoder", ("lgc_encoder",)),
          ("axi4-stream wrapper", ("lgc_axis",)), ("pin harness", ("lgc_pins",)))

_UTILISATION = re.compile(r"^Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%")
_FMAX = re.compile(r"Max frequency for clock '([^']+)': ([\d.]+) MHz")


def read_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise LgcError(f"cannot read the {what} ({path}): {e}") from None


def _name(module):
    return module[1:] if module.startswith("\\") else module


def cell_counts(stat):
    """Leaf cells by type over the whole design (submodule instances and yosys' scope markers
    of flattened modules left out)."""
    modules = {_name(m) for m in stat["modules"]}
    cells = stat["design"]["num_cells_by_type"]
    return {t: n for t, n in sorted(cells.items()) if t not in modules and t != "$scopeinfo"}


def resources(cells, family):
    luts = count_cells(cells, family.lut_cells)
    carry = count_cells(cells, family.carry_cells)
    return {"cells": sum(cells.values()), "luts": luts, "ffs": count_cells(cells, family.ff_cells),
            "carry": carry, "logic_cells": luts + family.carry_luts * carry}


def blocks(stat, top, core, family):
    """Resources per module of the hierarchy (times its instances) and per kind of block: the
    core's gate layers, popcount, argmax and the rest of the core; the UART and the rest of the
    board top."""
    modules = {_name(m): data["num_cells_by_type"] for m, data in stat["modules"].items()}
    subs = {m: {t: n for t, n in cells.items() if t in modules} for m, cells in modules.items()}
    order = list(graphlib.TopologicalSorter({m: set(s) for m, s in subs.items()}).static_order())
    instances = dict.fromkeys(modules, 0)
    instances[top] = 1
    for module in reversed(order):       # parents before children
        for sub, n in subs[module].items():
            instances[sub] += instances[module] * n
    in_core = {core}
    for module in reversed(order):
        if module in in_core:
            in_core.update(subs[module])
    per_module, per_kind = [], {}
    for module in reversed(order):
        own = {t: n * instances[module] for t, n in modules[module].items()
               if t not in modules and t != "$scopeinfo"}
        if not instances[module] or not own:
            continue
        entry = {"module": module, "instances": instances[module], **resources(own, family)}
        per_module.append(entry)
        kind = block_kind(module, module in in_core)
        total = per_kind.setdefault(kind, dict.fromkeys(("cells", "luts", "ffs", "carry",
                                                         "logic_cells"), 0))
        for key in total:
            total[key] += entry[key]
    return per_module, per_kind


def block_kind(module, in_core):
    name = module.lower()
    for kind, words in BLOCKS:
        if any(word in name for word in words):
            return kind
    return "core (other)" if in_core else "board top (other)"


def utilization(pnr):
    """Resources nextpnr used, with what the device has, for every kind it used."""
    out = {}
    for bel, n in sorted(pnr.get("utilization", {}).items()):
        if n["used"]:
            out[bel] = {"used": n["used"], "available": n["available"],
                        "percent": round(100 * n["used"] / n["available"], 2)
                        if n["available"] else None}
    return out


def fmax(pnr):
    """Per clock: the frequency reached, the one asked for, and the slack of the worst path."""
    out = {}
    for clock, f in sorted(pnr.get("fmax", {}).items()):
        achieved, target = f["achieved"], f["constraint"]
        out[clock] = {"achieved_mhz": round(achieved, 3), "target_mhz": round(target, 3),
                      "slack_ns": round(1e3 / target - 1e3 / achieved, 3)}
    return out


def critical_paths(pnr):
    """Each critical path reported: endpoints, delay split into logic and routing, blocks
    crossed."""
    out = []
    for path in pnr.get("critical_paths", []):
        steps = path.get("path", [])
        if not steps:
            continue
        by_type = {}
        for s in steps:
            by_type[s["type"]] = by_type.get(s["type"], 0.0) + s["delay"]
        through = []
        for s in steps:
            scope = s["to"]["cell"].rpartition(".")[0] or "(top)"
            if not through or through[-1] != scope:
                through.append(scope)
        out.append({"from": path.get("from"), "to": path.get("to"),
                    "delay_ns": round(sum(by_type.values()), 3),
                    "logic_ns": round(by_type.get("logic", 0.0), 3),
                    "routing_ns": round(by_type.get("routing", 0.0), 3),
                    "logic_levels": sum(s["type"] == "logic" for s in steps),
                    "start": steps[0]["from"]["cell"], "end": steps[-1]["to"]["cell"],
                    "through": through})
    return out


def utilisation_from_log(path):
    """nextpnr's 'Device utilisation' lines: {bel: (used, available)} (the last table in the
    log)."""
    found = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = _UTILISATION.match(line)
                if m:
                    found[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    except OSError:
        pass
    return found


def fmax_from_log(path):
    """({clock: MHz}, routed) of nextpnr's last timing report in its log: after routing if it
    completed, else its estimate after placement (empty when it gave none)."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return {}, False
    routed = text.rfind("Routing complete")
    return dict(_FMAX.findall(text[max(routed, 0):])), routed >= 0   # the last one per clock


def routed_fmax_from_log(path):
    """{clock: MHz} of nextpnr's last timing report after routing completed, from its log; empty
    when routing did not complete."""
    figures, routed = fmax_from_log(path)
    return figures if routed else {}
