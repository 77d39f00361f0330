"""run_sweep: the whole of `lgc sweep` from Python. The points of the grid, minus those an
earlier run finished, run on the cluster; each row is saved as it arrives (sweep.json,
sweep.csv, index.html). Builds stay on the workers unless they share a directory:
with a local cluster that is DIR/builds, with a remote one `shared_dir` if given."""

import hashlib
import logging
import os

from ..errors import LgcError
from ..sim.vectors import read_vectors
from . import engine, grid, results
from .page import write_page

log = logging.getLogger("lgc")
DEFAULT_MEMORY = 8 * 2**30      # per tool process of a point


def run_sweep(models, axes, devices, out_dir, *, scheduler=None, workers=None, shared_dir=None,
              max_bytes=DEFAULT_MEMORY, retry_failed=False, simulate=None, verify=False):
    """Sweep `models` (paths) over `axes` ({name: values}, grid.parse_axis) and `devices`;
    results into out_dir. After each compile, `lgc simulate` on the vectors file `simulate` and
    `lgc verify` (`verify`) check the build; a check that fails fails its points. Points an
    earlier run finished are kept (failed ones run again with `retry_failed`). Returns the rows
    (grid order), each with "status" ok or failed."""
    contents = {path: _read(path) for path in models}
    digests = {path: _sha256(data) for path, data in contents.items()}
    # what the tasks get; what identifies the points (like models, files by their content);
    # what sweep.json and the page say
    checks, identity, described = {}, {}, {}
    if simulate:
        read_vectors(simulate)      # a file that is no vectors fails here, not in every compile
        checks["simulate"] = _read(simulate)
        identity["simulate"] = _sha256(checks["simulate"])
        described["simulate"] = {"vectors": simulate, "sha256": identity["simulate"]}
    if verify:
        checks["verify"] = identity["verify"] = described["verify"] = True
    grid_points = grid.points(digests, axes, devices, identity)
    os.makedirs(out_dir, exist_ok=True)
    done = results.finished(out_dir, retry_failed)
    rows = {p["id"]: done[p["id"]] for p in grid_points if p["id"] in done}
    todo = [p for p in grid_points if p["id"] not in done]
    sweep = {"models": digests, "axes": axes, "devices": list(devices), "checks": described}
    if rows:
        log.info("%d of %d points done in an earlier run", len(rows), len(grid_points))

    def in_grid_order():
        return [rows[p["id"]] for p in grid_points if p["id"] in rows]

    def save(row):      # after every point: an interrupted sweep leaves its results so far
        rows[row["id"]] = row
        write_page(out_dir, sweep, results.write(out_dir, sweep, in_grid_order()))

    if todo:
        builds = (os.path.abspath(os.path.join(out_dir, "builds")) if not scheduler
                  else os.path.abspath(shared_dir) if shared_dir else None)
        with engine.cluster(scheduler, workers) as client:
            engine.run_points(client, todo, contents, checks, builds, max_bytes, save)
    final = results.write(out_dir, sweep, in_grid_order())
    write_page(out_dir, sweep, final)
    return final


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise LgcError(f"cannot read {path}: {e.strerror}") from None


def _sha256(data):
    return hashlib.sha256(data).hexdigest()
