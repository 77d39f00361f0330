"""Before any synthesis: the clock a core is compiled for, and whether it fits its FPGA.

`clock_target` picks the family's delay model and the target (the one asked for, else the board's
clock, else the family's default). A core compiled for a device is planned to fit it where the
target allows a plan that does (lgc.rtl.Plan's capacity). `check_fit` holds the core against the
device: flip-flops exactly (the generator places every one), LUTs as the core's estimate
(lgc.rtl.Plan.needs), and on a board what its top adds (lgc.deploy.board_build's estimate, the
input encoder's flip-flops exact); a core that does not fit is an error that names the resource
that runs out and the clock target at which it would fit, when there is one (fewer registers at
a lower clock), else a larger device.
"""

from ..errors import LgcError
from ..rtl import Plan
from .devices import FAMILIES

DEFAULT_FAMILY = "ecp5"   # a core compiled for no board or device: the largest parts lgc knows
# Clock targets tried, from the highest, for a core that does not fit at the one asked for.
_FALLBACK_MHZ = (400, 300, 250, 225, 200, 175, 150, 125, 100, 75, 50, 25, 10)


def clock_target(device, board, target_mhz, rtl_options):
    """The clock a core meant for `device` (None: the default family) on `board` (or none) is
    compiled for: {"target_mhz", "delays", "target_is_ceiling", "family"}; generate() takes the
    first three. A target nobody asked for (neither --target-mhz nor a board's clock) is a
    ceiling: a larger core gets the fastest clock it can."""
    family = FAMILIES[device.family if device else DEFAULT_FAMILY]
    ceiling = target_mhz is None and board is None
    if target_mhz is None:
        target_mhz = float(board.frequency) if board else family.target_mhz
    if not target_mhz > 0:
        raise LgcError(f"the target clock must be positive, not {target_mhz:g} MHz")
    return {"target_mhz": float(target_mhz), "delays": family.delays,
            "target_is_ceiling": ceiling, "family": family.name}


def capacity(device):
    """What `device` offers a core (lgc.rtl.Plan's capacity)."""
    return {"ffs": device.ffs, "luts": device.luts}


def check_fit(core, device, board, netlist, target, rtl_options, board_top=None):
    """report.json's rtl "fit" section for `device`; LgcError when the core does not fit it.
    `board_top`: what the board's top adds to the core ({"ffs", "luts"}), counted in."""
    core_needs, have = core.plan.needs(), capacity(device)
    extra = board_top or {"ffs": 0, "luts": 0}
    need = {r: core_needs[r] + extra[r] for r in ("ffs", "luts")}
    section = {"device": device.name, "ffs": need["ffs"], "ffs_available": have["ffs"],
               "luts_estimate": need["luts"], "luts_available": have["luts"],
               "board_top": {"ffs": extra["ffs"], "luts_estimate": extra["luts"]}
               if board_top else None}
    over = [r for r in ("ffs", "luts") if need[r] > have[r]]
    if not over:
        return section
    where = f"the {board.name} board's {device.name}" if board else device.name
    names = {"ffs": "flip-flops", "luts": "LUTs (estimated)"}
    short = ", ".join(f"{need[r]:,} {names[r]} ({100 * need[r] / have[r]:.0f}% of its {have[r]:,})"
                      for r in over)
    with_top = "with its board top " if board_top else ""
    left = {r: have[r] - extra[r] for r in ("ffs", "luts")}   # what the core may take
    raise LgcError(f"the core does not fit {where}: {with_top}it needs {short}; "
                   + _what_fits(netlist, target, rtl_options, need, have, left))


def _what_fits(netlist, target, rtl_options, need, have, left):
    """The advice of the does-not-fit error: the highest clock target at which the core fits in
    what is `left` of the device, if any."""
    pinned = any(rtl_options.get(k) is not None
                 for k in ("layers_per_stage", "adder_levels_per_stage"))
    if not pinned:  # registers placed by the clock: a lower clock needs fewer
        asked = target["target_mhz"]
        luts = {"lut_size": rtl_options["lut_size"]} if rtl_options.get("lut_size") else {}
        for mhz in (f for f in _FALLBACK_MHZ if f < asked):
            try:
                plan = Plan(netlist, target_mhz=mhz, delays=target["delays"], capacity=left,
                            **luts)
            except LgcError:
                continue
            fits = plan.needs()
            if all(fits[r] <= left[r] for r in fits):
                total = {r: fits[r] + have[r] - left[r] for r in fits}
                return (f"at --target-mhz {mhz:g} it would fit ({total['ffs']:,} flip-flops, "
                        f"about {total['luts']:,} LUTs): fewer pipeline registers at a lower clock")
    if need["ffs"] > have["ffs"] and need["luts"] <= have["luts"]:
        return ("fewer pipeline registers would help: a lower --target-mhz, or larger "
                "--layers-per-stage/--adder-levels-per-stage; or a larger device (lgc boards)")
    return ("no clock target makes it fit: use a larger device (lgc boards lists them) or a "
            "smaller model")
