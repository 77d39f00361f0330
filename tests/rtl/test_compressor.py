"""The carry-save popcount (lgc/rtl/compressor.py): full-adder levels keep every column's
weighted sum, a schedule's stages fit their budgets, its modules register what it counts."""

import dataclasses

import numpy as np
import pytest

import lgc
from lgc.rtl import Plan, compressor
from lgc.rtl.popcount import Popcount
from lgc.synth.devices import FAMILIES
from tests.support.fixtures import fixture_path

ECP5 = FAMILIES["ecp5"].delays


def test_full_adder_levels_keep_the_weighted_sum():
    rng = np.random.default_rng(0)
    columns = [list(rng.integers(0, 2, n)) for n in (40, 17, 5)]
    total = lambda cols: sum(int(b) << k for k, col in enumerate(cols) for b in col)
    fa = lambda a, b, c: ((a + b + c) & 1, (a + b + c) >> 1)
    reduced, used = compressor._reduce(columns, 3, fa)
    assert total(reduced) == total(columns) and used == 3
    assert sum(map(len, reduced)) < sum(map(len, columns))
    # down to two bits a column, a level adds nothing
    flat, used = compressor._reduce([[1, 0], [1]], 4, fa)
    assert flat == [[1, 0], [1]] and used == 0


def test_a_schedule_fits_its_budgets_and_registers_what_it_counts():
    # class 0: 30 late and 40 early bits, class 1: 9 late ones, with offsets
    pop = Popcount([range(30), range(70, 79)], [2, 5], early=[range(30, 70), []])
    budget, first = 4 * ECP5.lut_level + 0.1, ECP5.lut_level + 0.1
    cs = compressor.schedule(pop, ECP5, budget, first)
    assert cs.levels[0] == 1 and cs.early_levels == 4
    (late, early), *rest = compressor.paths(pop, ECP5, cs)
    assert late <= first and early <= budget and max(rest) <= budget
    modules = compressor.modules(pop, cs, 79)
    assert [m.out_width for m in modules[:-1]] == compressor.registers(pop, cs)
    assert modules[-1].out_width == 2 * pop.width and not modules[-1].registered
    assert all(m.registered for m in modules[:-1])
    adders = compressor.full_adders(pop, cs)[0]
    assert adders == sum(m.text.count("wire [1:0]") for m in modules)


def test_no_schedule_without_a_level_beside_the_gates():
    pop = Popcount([range(8)], [0])
    assert compressor.schedule(pop, ECP5, 4 * ECP5.lut_level, ECP5.lut_level / 2) is None


def test_no_schedule_of_stages_shorter_than_the_minimum():
    pop = Popcount([range(30)], [0])
    short = (compressor.MIN_STAGE_LEVELS - 1) * ECP5.lut_level + 0.1
    assert compressor.schedule(pop, ECP5, short, ECP5.lut_level + 0.1) is None
    assert compressor.schedule(pop, ECP5, short + ECP5.lut_level, ECP5.lut_level + 0.1)


def test_full_adders_two_luts_deep_take_a_stage_twice_the_time():
    # GateMate's LUT trees take a full adder's carry in two levels
    deep = dataclasses.replace(ECP5, full_adder_luts=2)
    pop = Popcount([range(200)], [0])
    budget = 8 * ECP5.lut_level + 0.1
    shallow_cs, deep_cs = (compressor.schedule(pop, d, budget, budget) for d in (ECP5, deep))
    assert shallow_cs.levels[0] == 8 and deep_cs.levels[0] == 4
    assert max(compressor.paths(pop, deep, deep_cs)[1:]) <= budget
    # the sums yosys builds: a 3:2 round costs two LUT levels too
    assert deep.sum_path(9, 1, 4 + 1) - ECP5.sum_path(9, 1, 4 + 1) == pytest.approx(
        4 * ECP5.lut_level)   # 9 rows: 4 rounds down to two


def test_a_plan_takes_the_carry_save_tree_where_it_registers_fewer_bits(monkeypatch):
    netlist = lgc.optimize(lgc.load(fixture_path("difflogic_digits_cuda_3x1000")))
    plan = Plan(netlist, target_mhz=150, delays=ECP5)
    assert isinstance(plan.schedule, compressor.CarrySave)
    assert max(plan.stage_paths()["popcount"]) <= ECP5.budget(150)
    monkeypatch.setattr(compressor, "schedule", lambda *args: None)
    sums = Plan(netlist, target_mhz=150, delays=ECP5)
    assert isinstance(sums.schedule, list)
    assert plan.registers()["blocks"]["popcount"] < sums.registers()["blocks"]["popcount"]
    assert plan.registers()["total"] < sums.registers()["total"]
