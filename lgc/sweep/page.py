"""index.html: a sweep's page, self-contained (no file or network fetched when it is viewed):
two scatter plots as inline SVG, Fmax against LUTs and against FFs, one colour per model, the
Pareto front filled and joined; and the rows as a table that sorts by a click on its header. A
point links to its build's report.json when its build directory is on this machine."""

import html
import math
import os

from .results import columns

PAGE = "index.html"
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22"]
WIDTH, HEIGHT, MARGIN = 460, 320, 56

SORT_SCRIPT = """
for (const th of document.querySelectorAll("th")) th.addEventListener("click", () => {
  const body = th.closest("table").tBodies[0], i = th.cellIndex;
  const up = th.dataset.order !== "up"; th.dataset.order = up ? "up" : "down";
  const key = r => { const t = r.cells[i].textContent, n = parseFloat(t);
                     return t !== "" && !isNaN(n) && isFinite(t) ? n : t; };
  const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b);
    const c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : typeof x === "number" ? -1 : 1;
    return up ? c : -c; });
  for (const r of rows) body.appendChild(r);
});
"""
STYLE = """
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; white-space: nowrap; }
th { cursor: pointer; background: #f3f3f3; position: sticky; top: 0; }
tr.failed td { color: #a00; } tr.pareto td { font-weight: 600; }
td.text { text-align: left; } svg { margin-right: 1em; } svg text { font-size: 11px; }
"""


def write_page(out_dir, sweep, rows):
    """Write out_dir/index.html for the rows (results.write's, with their Pareto marks)."""
    models = sorted({r["model"] for r in rows})
    colour = {m: COLOURS[i % len(COLOURS)] for i, m in enumerate(models)}
    ok = [r for r in rows if r["status"] == "ok" and r.get("fmax_mhz") is not None]
    failed = sum(r["status"] == "failed" for r in rows)
    legend = " ".join(f'<span style="color:{colour[m]}">&#9679; {html.escape(m)}</span>'
                      for m in models)
    grid = ", ".join(f"{k} = {', '.join(map(str, v))}" for k, v in sweep["axes"].items())
    checks = sweep.get("checks", {})
    checked = " and ".join(
        (["lgc simulate on " + checks["simulate"]["vectors"]] if "simulate" in checks else [])
        + (["lgc verify"] if "verify" in checks else []))
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>lgc sweep: {html.escape(', '.join(models))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>lgc sweep</h1><p>{len(rows)} points ({len(ok)} with results, {failed} failed) on "
        f"{html.escape(', '.join(sweep['devices']))}; grid: {html.escape(grid) or 'none'}"
        f"{'; every compile checked by ' + html.escape(checked) if checked else ''}. "
        "Filled and joined: the Pareto front of each model (no other point has as few LUTs and "
        "FFs and as high an Fmax). Click a column to sort.</p>",
        f"<p>{legend}</p>",
        '<div id="plots">',
        scatter(ok, "luts", "LUTs", colour), scatter(ok, "ffs", "FFs", colour),
        "</div>", table(out_dir, sweep, rows),
        f"<script>{SORT_SCRIPT}</script></body></html>",
    ]
    path = os.path.join(out_dir, PAGE)
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(parts) + "\n")
    os.replace(path + ".tmp", path)
    return path


def scatter(rows, x_name, x_label, colour):
    """An SVG scatter plot of Fmax (MHz) against `x_name`; the front of each model joined."""
    if not rows:
        return f'<svg class="plot" data-x="{x_name}" width="{WIDTH}" height="60">' \
               '<text x="10" y="30">no point has results</text></svg>'
    xs, ys = [r[x_name] for r in rows], [r["fmax_mhz"] for r in rows]
    x_axis, y_axis = _axis(min(xs), max(xs)), _axis(min(ys), max(ys))
    sx = _scale(x_axis, MARGIN, WIDTH - 12)
    sy = _scale(y_axis, HEIGHT - MARGIN + 16, 12)
    out = [f'<svg class="plot" data-x="{x_name}" xmlns="http://www.w3.org/2000/svg" '
           f'width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="Fmax against {x_label}">',
           f'<rect x="{MARGIN}" y="12" width="{WIDTH - 12 - MARGIN}" '
           f'height="{HEIGHT - MARGIN + 4}" fill="none" stroke="#999"/>']
    for tick in x_axis[2]:
        out.append(f'<text x="{sx(tick):.1f}" y="{HEIGHT - MARGIN + 32}" '
                   f'text-anchor="middle">{tick:g}</text>')
    for tick in y_axis[2]:
        out.append(f'<text x="{MARGIN - 6}" y="{sy(tick) + 4:.1f}" '
                   f'text-anchor="end">{tick:g}</text>')
    out.append(f'<text x="{(MARGIN + WIDTH) / 2}" y="{HEIGHT - 6}" '
               f'text-anchor="middle">{x_label}</text>')
    out.append(f'<text transform="translate(14 {HEIGHT / 2}) rotate(-90)" '
               'text-anchor="middle">Fmax (MHz)</text>')
    for model in sorted({r["model"] for r in rows}):
        front = sorted((r for r in rows if r["model"] == model and r["pareto"]),
                       key=lambda r: (r[x_name], r["fmax_mhz"]))
        if len(front) > 1:
            line = " ".join(f"{sx(r[x_name]):.1f},{sy(r['fmax_mhz']):.1f}" for r in front)
            out.append(f'<polyline points="{line}" fill="none" stroke="{colour[model]}" '
                       'stroke-opacity="0.5"/>')
    for r in rows:
        fill = colour[r["model"]] if r["pareto"] else "white"
        tip = (f"{r['model']} {r['device']} seed {r['seed']}: {r['luts']} LUTs, {r['ffs']} FFs, "
               f"{r['fmax_mhz']:g} MHz")
        out.append(f'<circle class="point" data-id="{r["id"]}" cx="{sx(r[x_name]):.1f}" '
                   f'cy="{sy(r["fmax_mhz"]):.1f}" r="4.5" fill="{fill}" '
                   f'stroke="{colour[r["model"]]}" stroke-width="1.5">'
                   f"<title>{html.escape(tip)}</title></circle>")
    out.append("</svg>")
    return "\n".join(out)


def _axis(low, high):
    """(start, end, ticks) of an axis over [low, high] with about five round ticks."""
    if high == low:
        low, high = low - 1, high + 1
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start, end = step * math.floor(low / step), step * math.ceil(high / step)
    ticks = [round(start + i * step, 9) for i in range(round((end - start) / step) + 1)]
    return start, end, ticks


def _scale(axis, to_low, to_high):
    start, end, _ = axis
    return lambda v: to_low + (v - start) / (end - start) * (to_high - to_low)


def table(out_dir, sweep, rows):
    names = columns(sweep)
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = []
    for r in rows:
        kind = "failed" if r["status"] == "failed" else "pareto" if r.get("pareto") else "ok"
        cells = []
        for n in names:
            value = r.get(n)
            text = "" if value is None else html.escape(str(value))
            if n == "build" and value and os.path.isdir(value):
                link = os.path.relpath(os.path.join(value, "report.json"), out_dir)
                text = f'<a href="{html.escape(link)}">{html.escape(os.path.basename(value))}</a>'
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            cells.append(f"<td>{text}</td>" if numeric else f'<td class="text">{text}</td>')
        body.append(f'<tr class="{kind}" data-id="{r["id"]}">{"".join(cells)}</tr>')
    return (f'<table id="points"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body)
            + "\n</tbody></table>")

