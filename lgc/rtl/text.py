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
    items = [p[0] if len(p) == 1 else f"{p[0]}[{p[1]}]" if p[1] == p[2] else f"{p[0]}[{p[1]}:{p[2]}]"
             for p in parts]
    if len(items) == 1:
        return items[0]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "{" + ",\n        ".join(lines) + "}"
