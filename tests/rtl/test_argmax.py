"""The argmax's register count (what the fit check and report.json count) against synthesis."""

import re

import pytest
from amaranth.back import rtlil

from lgc.rtl.argmax import Argmax, argmax_registers
from lgc.tools import yosys


def synthesized_flip_flops(argmax, folder):
    (folder / "argmax.il").write_text(rtlil.convert(argmax, name="top", emit_src=False))
    yosys.in_folder(folder).run("argmax", ["read_rtlil argmax.il", "synth -flatten -top top",
                                           "tee -q -o stat.txt stat"])
    stat = (folder / "stat.txt").read_text()
    return sum(int(n) for n in re.findall(r"^\s+(\d+)\s+\$_S?DFF\w*\s*$", stat, re.M))


@pytest.mark.parametrize("n_classes, width, cuts, split", [
    (10, 8, [1, 2, 3], []),
    (10, 8, [1, 2, 3], [1, 2, 3, 4]),   # split at the last level: the winner's score is unused
    (7, 5, [2], [1, 3]),
    (5, 4, [], [3]),
])
def test_registers_are_what_synthesis_keeps(tmp_path, n_classes, width, cuts, split):
    argmax = Argmax(n_classes, width, cuts, split=split)
    assert synthesized_flip_flops(argmax, tmp_path) == sum(
        argmax_registers(n_classes, width, cuts, split))
