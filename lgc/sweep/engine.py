"""The Dask side of a sweep: the task graph on a cluster (lgc.tools.cluster), one compile task
per compile key and one synthesis task per point that depends on it; rows are handed back as
each point finishes.

Workers run one task at a time and the tools as processes of their own: a tool inside the worker
would hold the GIL for minutes, stall the worker's event loop and get it removed. A worker that
dies mid-task has its task re-run elsewhere (Dask's allowed-failures); after that the point is a
failed row (KilledWorker)."""

import logging
import time

from ..tools.cluster import cluster, has_dashboard
from .point import compile_build, row, synth_point

log = logging.getLogger("lgc")
__all__ = ["cluster", "run_points"]


def run_points(client, todo, models, checks, builds, max_bytes, on_row):
    """Run the points `todo` (grid.points) on `client`; `models` {name: file bytes}; `checks`
    after each compile (point.compile_build); calls on_row(row) as each point ends (ok or
    failed) with progress on the log."""
    from distributed import as_completed

    if client.dashboard_link and has_dashboard():
        log.info("Dask dashboard: %s", client.dashboard_link)
    log.info("%d points on %d workers (%s)", len(todo), len(client.nthreads()),
             client.scheduler.address)
    compiles, futures = {}, {}
    for p in todo:
        key = p["compile_key"]
        if key not in compiles:
            # The model's bytes travel inside the compile task, not scattered: data scattered to
            # a worker dies with it, a task's arguments stay with the scheduler for a re-run.
            compiles[key] = client.submit(compile_build, p["model"], models[p["model"]],
                                          p["compile"], p["compile_device"], max_bytes,
                                          checks, key=f"lgc-compile-{key}")
        futures[client.submit(synth_point, p, compiles[key], builds, max_bytes,
                              key=f"lgc-point-{p['id']}")] = p
    compiles.clear()    # each compiled build is freed once its last point has it
    start, done, failed = time.perf_counter(), 0, 0
    for future in as_completed(futures):
        point = futures[future]
        try:
            result = future.result()
        except Exception as e:      # a lost worker (KilledWorker) or a bug: the point failed
            result = row(point, {}, failed=f"{type(e).__name__}: {e}")
            result["retry"] = True      # not the point's own failure: a re-run tries it again
        done += 1
        failed += result["status"] == "failed"
        elapsed = time.perf_counter() - start
        eta = elapsed / done * (len(todo) - done)
        outcome = "ok" if result["status"] == "ok" else result["reason"]
        log.info("%d/%d points done (%d failed, %d running), %s: %s%s", done, len(todo), failed,
                 _running(client), point["id"], outcome,
                 f", about {eta:.0f} s to go" if done < len(todo) else "")
        on_row(result)


def _running(client):
    """How many points run now: a worker holds the tasks the scheduler gave it, but runs only
    as many as it has threads."""
    threads = client.nthreads()
    return sum(min(sum(str(k).startswith("lgc-point-") for k in keys), threads.get(worker, 1))
               for worker, keys in client.processing().items())
