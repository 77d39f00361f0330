"""Dask distributed, the engine that runs lgc's work on many cores or machines: a client on the
user's cluster by its scheduler's address, or on a local cluster of worker processes. lgc sweep
runs its points on it; any step above the tools (a proof's parts, say) can run its tasks on it
the same way.

Workers run one task at a time (threads_per_worker=1: the tools are single-threaded, and they
run as processes of their own, so a worker's event loop stays free). A task whose worker dies is
re-run elsewhere, ALLOWED_FAILURES times at most (a local cluster's scheduler; a remote one keeps
its own setting), then its future raises KilledWorker."""

import contextlib
import importlib.util
import logging
import os

from ..errors import LgcError

log = logging.getLogger("lgc")
ALLOWED_FAILURES = 2


@contextlib.contextmanager
def cluster(scheduler=None, workers=None):
    """A distributed.Client: on the scheduler at `scheduler` (tcp://HOST:PORT), else on a
    LocalCluster of `workers` worker processes (default: one per core), closed on exit."""
    import dask
    from distributed import Client, LocalCluster

    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("distributed").setLevel(logging.ERROR)
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        if scheduler:
            try:
                # Dask's own connect timeout (30 s unless its config or
                # DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT says otherwise)
                client = Client(scheduler,
                                timeout=dask.config.get("distributed.comm.timeouts.connect"))
            except (OSError, TimeoutError) as e:
                raise LgcError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
            with client:
                yield client
            return
        n = (os.cpu_count() or 1) if workers is None else workers
        if n < 1:
            raise LgcError(f"--workers must be at least 1, not {n}")
        # The dashboard needs bokeh; without it there is none (and no warning about it).
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=":0" if has_dashboard() else None) as local, \
                Client(local) as client:
            yield client


def has_dashboard():
    """Whether Dask can serve its dashboard here (it needs bokeh)."""
    return importlib.util.find_spec("bokeh") is not None
