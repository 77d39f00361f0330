"""Boards: one TOML file each in `lgc.boards`, naming the amaranth-boards platform and its
resources.

The pins, the oscillator frequency and the device come from the amaranth-boards platform class;
the TOML file only says which platform, which of its resources lgc uses, and the defaults.
"""

import dataclasses
import importlib
import importlib.resources

try:
    import tomllib
except ModuleNotFoundError:     # Python 3.10
    import tomli as tomllib

from ..errors import LgcError
from ..synth.devices import find_device

FIELDS = {"description": str, "platform": str, "clock": str, "uart": str, "leds": str,
          "frequency": (int, float), "baud": int, "bridge": str, "max_baud": int,
          "programmer": str, "sram": bool}


@dataclasses.dataclass(frozen=True)
class Board:
    name: str
    description: str
    platform: str           # "module:Class" of an amaranth-boards platform
    clock: str              # oscillator resource
    uart: str               # UART resource
    leds: str               # LED resource name (every number of it is used)
    frequency: float        # default design clock, MHz
    baud: int               # the UART's default rate
    bridge: str             # the USB-serial chip the UART goes through
    max_baud: int           # the fastest rate it takes
    programmer: str         # openFPGALoader's name of the board (-b): its cable and FPGA
    sram: bool              # whether openFPGALoader can load its FPGA's SRAM (else flash only)

    def make_platform(self):
        module, _, cls = self.platform.partition(":")
        try:
            return getattr(importlib.import_module(module), cls)()
        except (ImportError, AttributeError) as e:
            raise LgcError(f"board {self.name}: no platform {self.platform} ({e})") from None

    def device(self, platform=None):
        """The FPGA on the board, from the platform's own description."""
        platform = platform or self.make_platform()
        # Lattice platforms name the device; Gowin ones the family (the part adds the package).
        name = platform.family if hasattr(platform, "part") else platform.device
        return find_device(name)

    def oscillator_mhz(self, platform):
        return platform.lookup(self.clock, 0).clock.frequency / 1e6

    def led_resources(self, platform):
        return [key for key in platform.resources if key[0] == self.leds]


def board_names():
    return sorted(entry.name[:-5] for entry in importlib.resources.files("lgc.boards").iterdir()
                  if entry.name.endswith(".toml"))


def load_board(name):
    """The board called `name`, or LgcError listing the known boards."""
    entry = importlib.resources.files("lgc.boards") / f"{name}.toml"
    if not name or "/" in name or not entry.is_file():
        raise LgcError(f"unknown board {name!r}; lgc knows {', '.join(board_names())}")
    try:
        data = tomllib.loads(entry.read_text())
    except tomllib.TOMLDecodeError as e:
        raise LgcError(f"board file {name}.toml: {e}") from None
    for field, kind in FIELDS.items():
        if not isinstance(data.get(field), kind):
            raise LgcError(f"board file {name}.toml: {field!r} is missing or not a "
                           f"{getattr(kind, '__name__', 'number')}")
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise LgcError(f"board file {name}.toml: unknown fields {', '.join(sorted(unknown))}")
    return Board(name=name, **{field: data[field] for field in FIELDS})


def list_boards():
    """One JSON-ready line per board: device, clock, capacity."""
    rows = []
    for name in board_names():
        board = load_board(name)
        platform = board.make_platform()
        device = board.device(platform)
        rows.append({"board": name, "description": board.description, "device": device.name,
                     "family": device.family, "luts": device.luts, "ffs": device.ffs,
                     "oscillator_mhz": board.oscillator_mhz(platform),
                     "frequency_mhz": board.frequency, "baud": board.baud,
                     "max_baud": board.max_baud,
                     "leds": len(board.led_resources(platform)), "note": device.note})
    return rows
