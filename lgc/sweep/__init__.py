"""`lgc sweep`: design-space exploration. A grid of points (models x compile options x devices x
placement seeds), each compiled (and optionally simulated and proven, `lgc simulate` and `lgc
verify`) once per distinct compile option set and synthesized in its own build directory, run
as tasks on Dask distributed (a local cluster of worker processes, or the user's cluster by
address); the rows come back as data into sweep.json, sweep.csv (and sweep.parquet) and a
self-contained Pareto page (index.html).

grid.py: the points and their compile keys; point.py: what a worker runs for one point;
engine.py: the Dask cluster and the task graph; results.py: rows, files, the Pareto front;
page.py: the HTML page and its SVG plot."""
