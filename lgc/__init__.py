"""lgc: compile trained Differentiable Logic Gate Networks into bit-exact FPGA hardware."""

from .errors import LgcError
from .version import __version__

__all__ = ["LgcError", "Netlist", "load", "optimize", "__version__"]


def __getattr__(name):
    # Netlist on first use: the testbenches run inside the simulator as lgc.tb.*, and importing
    # the IR (numpy, networkx) there would cost every simulation seconds of start-up.
    if name == "Netlist":
        from .ir import Netlist
        return Netlist
    raise AttributeError(f"module 'lgc' has no attribute {name!r}")


def load(path, **options):
    """Read a trained DLGN (difflogic, torchlogix or lgc.nn file) into a validated Netlist."""
    from .frontend import load as _load
    return _load(path, **options)


def optimize(netlist, verify=True, **options):
    """Run the optimization passes to a fixed point; with verify, check scores after every pass."""
    from .passes import optimize as _optimize
    return _optimize(netlist, verify=verify, **options)
