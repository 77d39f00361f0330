"""PLL settings for a board clock: the divider search of each vendor's PLL and its primitive.

The searches follow the open tools' calculators (Project Trellis' ecppll for the ECP5 EHXPLLL,
IceStorm's icepll for the iCE40 SB_PLL40, Apicula's gowin_pll for the Gowin rPLL), which the tests
check them against, so a board gets the divider settings those tools would choose.
"""

import dataclasses

import numpy as np
from amaranth import Instance

from ..errors import LgcError

# Gowin rPLL limits per device (MHz), from the Gowin datasheets as apycula's gowin_pll lists them.
GOWIN_LIMITS = {
    "GW1NR-9C": {"pfd": (3, 400), "vco": (400, 1200), "out": (3.125, 600)},
}
GOWIN_ODIV = (2, 4, 8, 16, 32, 48, 64, 80, 96, 112, 128)


@dataclasses.dataclass(frozen=True)
class PLL:
    """One PLL setting: the primitive, its parameters, the frequency it makes."""
    primitive: str
    input_mhz: float
    output_mhz: float
    vco_mhz: float
    params: dict

    def summary(self):
        return {"primitive": self.primitive, "input_mhz": self.input_mhz,
                "output_mhz": round(self.output_mhz, 6), "vco_mhz": round(self.vco_mhz, 6),
                "params": dict(self.params)}

    @property
    def from_pad(self):
        """The primitive takes the clock pin itself (iCE40: the PLL sits at the clock pad), not
        the clock after its input buffer."""
        return self.primitive == "SB_PLL40_PAD"

    def instance(self, clk_in, clk_out, locked):
        """The primitive, clocked by `clk_in`, driving `clk_out` and `locked`."""
        params = {f"p_{name}": value for name, value in self.params.items()}
        if self.primitive == "EHXPLLL":
            return Instance(
                "EHXPLLL", **params,
                a_FREQUENCY_PIN_CLKI=f"{self.input_mhz:g}",
                a_FREQUENCY_PIN_CLKOP=f"{self.output_mhz:g}",
                a_ICP_CURRENT="12", a_LPF_RESISTOR="8", a_MFG_ENABLE_FILTEROPAMP="1",
                a_MFG_GMCREF_SEL="2",
                i_RST=0, i_STDBY=0, i_CLKI=clk_in, o_CLKOP=clk_out, i_CLKFB=clk_out,
                i_PHASESEL0=0, i_PHASESEL1=0, i_PHASEDIR=1, i_PHASESTEP=1, i_PHASELOADREG=1,
                i_PLLWAKESYNC=0, i_ENCLKOP=0, o_LOCK=locked)
        if self.primitive == "SB_PLL40_PAD":
            return Instance("SB_PLL40_PAD", **params, i_RESETB=1, i_BYPASS=0,
                            i_PACKAGEPIN=clk_in, o_PLLOUTGLOBAL=clk_out, o_LOCK=locked)
        return Instance("rPLL", **params, i_CLKIN=clk_in, o_CLKOUT=clk_out, o_LOCK=locked,
                        i_RESET=0, i_RESET_P=0, i_CLKFB=0, i_FBDSEL=0, i_IDSEL=0, i_ODSEL=0,
                        i_PSDA=0, i_DUTYDA=0, i_FDLY=0)


def plan_pll(family, device, input_mhz, target_mhz):
    """The PLL setting closest to `target_mhz` from a `input_mhz` clock, or LgcError."""
    search = {"ecp5": _ecp5, "ice40": _ice40, "gowin": _gowin}.get(family)
    if search is None:
        raise LgcError(f"lgc has no PLL for the {family} family")
    pll = search(float(input_mhz), float(target_mhz), device)
    if pll is None:
        raise LgcError(f"no PLL setting makes {target_mhz:g} MHz from the {input_mhz:g} MHz "
                       f"clock on {device}")
    return pll


def _ecp5(fin, target, device):
    # EHXPLLL, feedback from CLKOP: out = fin / CLKI_DIV * CLKFB_DIV, VCO = out * CLKOP_DIV.
    # Best is the smallest error, then the VCO nearest 600 MHz, then the first in ecppll's loop
    # order; in single precision like ecppll, whose rounding decides exact ties.
    if not 3.125 <= target <= 400:
        return None
    f32 = np.float32
    ref_div, fb_div, op_div = np.meshgrid(np.arange(1, 129, dtype=f32), np.arange(1, 81, dtype=f32),
                                          np.arange(1, 129, dtype=f32), indexing="ij")
    pfd = f32(fin) / ref_div
    vco = pfd * fb_div * op_div
    out = vco / op_div
    ok = (pfd >= f32(3.125)) & (pfd <= f32(400)) & (vco >= f32(400)) & (vco <= f32(800))
    if not ok.any():
        return None
    error = np.where(ok, np.abs(out - f32(target)), np.inf).ravel()
    order = np.lexsort((np.abs(vco - f32(600)).ravel(), error))
    best = np.unravel_index(order[0], ok.shape)
    ref_div, fb_div, op_div = (int(a[best]) for a in (ref_div, fb_div, op_div))
    params = {"PLLRST_ENA": "DISABLED", "INTFB_WAKE": "DISABLED", "STDBY_ENABLE": "DISABLED",
              "DPHASE_SOURCE": "DISABLED", "OUTDIVIDER_MUXA": "DIVA", "OUTDIVIDER_MUXB": "DIVB",
              "OUTDIVIDER_MUXC": "DIVC", "OUTDIVIDER_MUXD": "DIVD", "CLKI_DIV": ref_div,
              "CLKOP_ENABLE": "ENABLED", "CLKOP_DIV": op_div, "CLKOP_CPHASE": (op_div - 1) // 2,
              "CLKOP_FPHASE": 0, "FEEDBK_PATH": "CLKOP", "CLKFB_DIV": fb_div}
    out = fin / ref_div * fb_div
    return PLL("EHXPLLL", fin, out, out * op_div, params)


def _ice40(fin, target, device):
    # SB_PLL40 in SIMPLE feedback: PFD = fin / (DIVR+1), VCO = PFD * (DIVF+1), out = VCO / 2**DIVQ.
    if not 16 <= target <= 275:
        return None
    best = None
    for divr in range(16):
        pfd = fin / (divr + 1)
        if not 10 <= pfd <= 133:
            continue
        for divf in range(128):
            vco = pfd * (divf + 1)
            if not 533 <= vco <= 1066:
                continue
            for divq in range(1, 7):
                out = vco / 2 ** divq
                if best is None or abs(out - target) < abs(best[3] - target):
                    best = (divr, divf, divq, out, vco, pfd)
    if best is None:
        return None
    divr, divf, divq, out, vco, pfd = best
    filter_range = next((i + 1 for i, top in enumerate((17, 26, 44, 66, 101)) if pfd < top), 6)
    params = {"FEEDBACK_PATH": "SIMPLE", "DIVR": divr, "DIVF": divf, "DIVQ": divq,
              "FILTER_RANGE": filter_range}
    return PLL("SB_PLL40_PAD", fin, out, vco, params)


def _gowin(fin, target, device):
    # rPLL: out = fin * (FBDIV_SEL+1) / (IDIV_SEL+1), VCO = out * ODIV_SEL.
    limits = GOWIN_LIMITS.get(device)
    if limits is None:
        raise LgcError(f"lgc knows no rPLL limits for {device} (known: {', '.join(GOWIN_LIMITS)})")
    best = None
    for idiv in range(64):
        pfd = fin / (idiv + 1)
        if not limits["pfd"][0] <= pfd <= limits["pfd"][1]:
            continue
        for fbdiv in range(64):
            out = pfd * (fbdiv + 1)
            if not limits["out"][0] < out < limits["out"][1]:
                continue
            for odiv in GOWIN_ODIV:
                vco = out * odiv
                if limits["vco"][0] < vco < limits["vco"][1] and \
                        (best is None or abs(out - target) < abs(best[3] - target)):
                    best = (idiv, fbdiv, odiv, out, vco)
    if best is None:
        return None
    idiv, fbdiv, odiv, out, vco = best
    params = {"FCLKIN": str(fin), "IDIV_SEL": idiv, "FBDIV_SEL": fbdiv, "ODIV_SEL": odiv}
    return PLL("rPLL", fin, out, vco, params)
