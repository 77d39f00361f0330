"""The UART board top in cocotb + Verilator: bytes in on rx, the class byte out on tx."""

import numpy as np
import pytest
from amaranth.back import verilog
from cocotb_tools.check_results import get_results

from lgc.errors import LgcError
from lgc.rtl.board_top import BoardTop
from lgc.rtl.uart import baud_divisor
from lgc.sim import verilator
from lgc.synth import tools
from lgc.synth.board_top import core_ports
from lgc.synth.boards import load_board

from standin_core import expected, make_build


def run_board_tb(tmp_path, build, x, pred, divisor, n_leds=8):
    tools.use_for_amaranth()
    top = BoardTop(core_ports(build.report()), divisor, n_leds=n_leds)
    top_v = tmp_path / "lgc_board.v"
    top_v.write_text(verilog.convert(top, name="lgc_board", emit_src=False))
    vectors = tmp_path / "vectors.npz"
    np.savez(vectors, x=x, pred=pred)
    sources = [top_v, *(build.file("rtl", f) for f in build.report()["rtl"]["files"])]
    env = {"LGC_TB_VECTORS": str(vectors), "LGC_TB_DIVISOR": str(divisor),
           "LGC_TB_LEDS": str(n_leds)}
    sim = tmp_path / "sim"          # lgc's own Verilator set-up, as lgc simulate uses it
    verilator.build(sim, sources, "lgc_board", {}, public=True)
    verilator.run(sim, "lgc_board", "lgc.tb.uart_board", [], env)
    return get_results(sim / "results.xml")     # (tests, failures)


def ulx3s_divisor():
    board = load_board("ulx3s-85f")
    platform = board.make_platform()
    return baud_divisor(board.oscillator_mhz(platform) * 1e6, board.baud)


def test_uart_top_answers_every_vector_at_the_ulx3s_baud_rate(tmp_path):
    build = make_build(tmp_path / "build")
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, (24, 12), dtype=np.uint8)
    divisor = ulx3s_divisor()
    assert divisor == 217                       # 25 MHz / 115200 baud
    tests, failed = run_board_tb(tmp_path, build, x, expected(x)[1], divisor)
    assert (tests, failed) == (3, 0)


def test_uart_testbench_catches_a_wrong_class(tmp_path):
    build = make_build(tmp_path / "build")
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, (6, 12), dtype=np.uint8)
    pred = expected(x)[1]
    pred[4] = (pred[4] + 1) % 3                 # one wrong expectation must fail the test
    with pytest.raises(LgcError, match="classes_come_back_for_every_vector: .*1 of 6 classes "
                                       "differ, first at vector \\[4\\]"):
        run_board_tb(tmp_path, build, x, pred, 32)
