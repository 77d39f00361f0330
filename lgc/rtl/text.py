"""Helpers of the fast Verilog writer: the hdl_templates, and concatenations written compactly."""

import functools
from importlib import resources

import jinja2


@functools.cache
def _templates():
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("lgc.hdl_templates"))),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, autoescape=False)


def render(template, **values):
    return _templates().get_template(template).render(**values)


# Bits per always block (or assign) of a module's output. Verilator compiles one always block
# into one C++ function: a 256k-gate core's 75k-bit stage register became an 18 MB function that
# g++ -Os spent 4 minutes and 5 GB on; in 1024-bit slices the same core built in half the time,
# no g++ above 0.6 GB (bench/sim.py). Synthesis sees the same registers either way.
SLICE_BITS = 1024


def slices(entries, widths=None, bits=SLICE_BITS):
    """`entries` (least significant first, each of its `widths` bits, 1 by default) as
    concatenations of about `bits` bits: [(lo, hi, Verilog text)], lowest slice first."""
    widths = [1] * len(entries) if widths is None else widths
    out, start, lo, width = [], 0, 0, 0
    for n, w in enumerate(widths):
        width += w
        if width >= bits or n == len(widths) - 1:
            out.append((lo, lo + width - 1, concat(entries[start:n + 1])))
            start, lo, width = n + 1, lo + width, 0
    return out


def concat(entries, per_line=12):
    """A Verilog concatenation of `entries`, given least significant first; each entry is an
    expression string or a (vector, bit) pair. Runs of consecutive bits of one vector are merged
    into a part-select, so pass-through wiring stays short."""
    parts = []  # most significant first: [vector, hi, lo] or [expression]
    for entry in reversed(entries):
        if isinstance(entry, tuple):
            vector, bit = entry
            if parts and len(parts[-1]) == 3 and parts[-1][0] == vector and parts[-1][2] == bit + 1:
                parts[-1][2] = bit
                continue
            parts.append([vector, bit, bit])
        else:
            parts.append([entry])
    items = [p[0] if len(p) == 1 else f"{p[0]}[{p[1]}]" if p[1] == p[2]
             else f"{p[0]}[{p[1]}:{p[2]}]" for p in parts]
    if len(items) == 1:
        return items[0]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "{" + ",\n        ".join(lines) + "}"
