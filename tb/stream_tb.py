"""The cocotb test behind `lgc simulate`: clock lgc_tb until its stimulus file is exhausted.

lgc_tb (Verilog) moves the data, one vector per clock, so no Python runs per vector; lgc.sim
writes the stimulus and checks the responses. LGC_CYCLES bounds the run (a hung stream fails).
"""

import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge, with_timeout

PERIOD_NS = 10


@cocotb.test()
async def stream(dut):
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    cycles = int(os.environ["LGC_CYCLES"])
    await with_timeout(RisingEdge(dut.done), (cycles + 10) * PERIOD_NS, "ns")
