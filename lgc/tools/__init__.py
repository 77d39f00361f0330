"""The external tools in one place: yosys (two engines) and ABC (yosys.py), nextpnr and the
bitstream packers (process.py), Verilator (verilator.py). Each is found, set up and run here, and
a tool that fails raises `ToolError` with its own last words and its log. cluster.py: the Dask
cluster (local, or the user's by address) that work of many tool runs goes to."""

from .process import ToolError

__all__ = ["ToolError"]
