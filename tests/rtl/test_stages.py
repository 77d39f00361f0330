"""The RTL's plan, without a simulator: LUT levels, stages, stage boundaries, register counts."""

import json

import numpy as np
import pytest

import lgc
import lgc.rtl.core as core
from lgc.errors import LgcError
from lgc.formal import rtl_structure
from lgc.ir import Netlist
from lgc.ir.truthtable import DIFFLOGIC_TABLES
from lgc.rtl import Plan
from lgc.rtl.popcount import MAX_SUM_OPERANDS, Popcount
from lgc.rtl.stages import (
    fewest_bits_cuts,
    first_stage_sums,
    inside_gates,
    plan_logic,
    reduction_cuts,
    schedule_sums,
    stage_starts,
    timed_schedule,
)
from lgc.synth.devices import FAMILIES
from lgc.tools import yosys
from tests.support.fixtures import fixture_path
from tests.support.netlists import random_dag_netlist, random_netlist

AND, NOT_A, A = (int(DIFFLOGIC_TABLES[i]) for i in (1, 12, 3))


def binary_tree(depth, table=AND):
    """A full binary tree of 2-input gates over 2**depth inputs, one layer per level."""
    layers = []
    for level in range(depth):
        n = 2 ** (depth - level - 1)
        layers.append(([table] * n, [[2 * j, 2 * j + 1] for j in range(n)]))
    return Netlist.from_layers(2 ** depth, layers, groups=[[0]]).validate()


@pytest.mark.parametrize("lut_size, expected_levels", [(2, 4), (4, 2), (6, 2)])
def test_lut_levels_of_a_tree(lut_size, expected_levels):
    # 2-input gates: a LUT4 holds two levels of the tree, a LUT2 one, a LUT6 still two (a third
    # level would need 8 inputs).
    plan = plan_logic(binary_tree(4), 1, lut_size)
    assert plan.lut_levels == expected_levels
    assert len(plan.stages) == expected_levels


def test_inverters_and_wires_add_no_level():
    layers = [([AND] * 4, [[0, 1], [2, 3], [4, 5], [6, 7]])]
    for _ in range(5):  # a chain of inverters and wires on every gate
        layers.append(([NOT_A, A, NOT_A, A], [[0, 0], [1, 1], [2, 2], [3, 3]]))
    layers.append(([AND, AND], [[0, 1], [2, 3]]))
    plan = plan_logic(Netlist.from_layers(8, layers, groups=[[0], [1]]).validate(), 1, 4)
    assert plan.lut_levels == 1


def test_a_stage_cut_never_splits_a_lut():
    # Depth-4 tree with 2 layers per stage and LUT4: all gates fit in 2 LUT levels = 1 stage.
    plan = plan_logic(binary_tree(4), 2, 4)
    assert len(plan.stages) == 1 and plan.delay_bits == 0
    # With LUT2 the same option gives 2 stages of 2 gate levels each.
    assert len(plan_logic(binary_tree(4), 2, 2).stages) == 2


def check_plan(netlist, plan):
    """Every gate reads only what its stage has: its input boundary or this stage's gates; every
    boundary bit is used by the next stage; the last boundary is exactly what the groups read."""
    made_in = {}
    for s, stage in enumerate(plan.stages, start=1):
        assert np.array_equal(stage.inputs, plan.boundaries[s - 1])
        assert np.array_equal(stage.outputs, plan.boundaries[s])
        available = set(stage.inputs.tolist())
        used = set()
        for layer in stage.gates:
            reads = layer.inputs[layer.inputs >= 0].tolist()
            assert set(reads) <= available, f"stage {s} reads a bit it does not have"
            used |= set(reads)
            available |= set(layer.ids.tolist())
            made_in.update(dict.fromkeys(layer.ids.tolist(), s))
        assert set(stage.outputs.tolist()) <= available
        used |= set(stage.outputs.tolist())
        assert set(stage.inputs.tolist()) <= used, f"stage {s} has inputs it does not use"
    groups = set(np.concatenate([g for g in plan.signals.groups()] + [[]]).astype(int).tolist())
    assert set(plan.boundaries[-1].tolist()) == groups
    return made_in


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("layers_per_stage, lut_size", [(0, 4), (1, 2), (1, 4), (2, 6), (3, 4)])
def test_random_dag_plans_are_consistent(seed, layers_per_stage, lut_size):
    netlist = random_dag_netlist(np.random.default_rng(seed))
    plan = plan_logic(netlist, layers_per_stage, lut_size)
    made_in = check_plan(netlist, plan)
    for layer in [g for stage in plan.stages for g in stage.gates]:
        for gate, reads in zip(layer.ids.tolist(), layer.inputs.tolist()):
            for r in reads:  # stages never go backwards along a wire
                assert made_in.get(r, 0) <= made_in[gate]
    if layers_per_stage:
        assert plan.stage_bits + plan.delay_bits == sum(map(len, plan.boundaries[1:]))
    else:
        assert len(plan.stages) <= 1 and plan.stage_bits == plan.delay_bits == 0


def test_skip_edges_get_delay_registers():
    rng = np.random.default_rng(1)
    netlist = random_netlist(rng, 16, [20, 20, 20, 20, 10], [2, 2, 2, 2, 2], 3, skip_prob=1.0)
    plan = plan_logic(netlist, 1, 2)
    check_plan(netlist, plan)
    made = [set(i for g in stage.gates for i in g.ids.tolist()) for stage in plan.stages]
    fresh = sum(len(set(b.tolist()) & made[s]) for s, b in enumerate(plan.boundaries[1:]))
    assert plan.stage_bits == fresh and plan.delay_bits > 0


def test_popcount_widths_and_depth_are_exact():
    pop = Popcount([[0, 1, 2], [3], [], [4, 4, 5, 6, 7]], [0, 5, 2, 0])
    # class sizes 3, 1 (+5), 0 (+2), 5 (a repeat): depths 2, 1, 0, 3; largest score 6 -> 3 bits
    assert pop.depth == 3 and pop.width == 3
    [module] = pop.modules((), 8)         # no registers: one sum per class
    assert module.out_width == 4 * 3
    assert "3'd2" in module.text          # the empty class is its constant
    assert "+ 3'd5" in module.text        # the offset joins the first sum
    assert "c3_1_0 = {2'd0, i[4]} + {2'd0, i[5]} + {2'd0, i[6]} + {2'd0, i[7]} + {2'd0, i[4]}" \
        in module.text
    first = pop.modules((1, 2), 8)[0]     # the binary tree: pairs, the repeat spread
    assert "c3_1_0 = {1'd0, i[4]} + {1'd0, i[5]}" in first.text


def test_registers_hold_only_bits_that_change():
    # level 1: b0 + b0 is 0 or 2, whose bit 0 is always 0: one register bit per sum
    first, second = Popcount([[0, 0, 0, 0]], [0]).modules((1,), 1)
    assert first.out_width == 2
    assert "{i[0], 1'b0}" in second.text and "{i[1], 1'b0}" in second.text


def test_offsets_join_the_last_stage():
    first, second = Popcount([[0, 1, 2, 3]], [5]).modules((1,), 4)
    assert "'d5" not in first.text and first.out_width == 4
    assert "c0_2_0 = {2'd0, i[1:0]} + {2'd0, i[3:2]} + 4'd5;" in second.text


def test_timed_last_sums_leave_room_for_the_constant():
    # the offset is one more summand of the last sum: a budget for two operands but not three
    # plans the class without it and refuses it with it; every planned sum within its budget
    delays = FAMILIES["ecp5"].delays
    two, three = delays.sum_path(2, 2, 3), delays.sum_path(3, 2, 3)
    assert two < three
    for offset, budget, planned in ((0, two, True), (3, two, False), (3, three, True)):
        pop = Popcount([[0, 1, 2, 3]], [offset])
        schedule = timed_schedule(pop, delays, budget + 0.01, budget + 0.01)
        assert (schedule is not None) == planned
        if planned:
            assert all(delays.sum_path(*made) <= budget + 0.01
                       for sums, _ in schedule_sums(pop, schedule) for made in sums)


def test_early_bits_are_summed_apart_within_the_whole_period():
    # class 0: 7 bits ready only after the last gate level, 7 ready at its input register
    delays = FAMILIES["ecp5"].delays
    budget, first = 4 * delays.lut_level + 0.01, delays.lut_level + 0.01
    pop = Popcount([range(7), [7]], [0, 0], early=[range(8, 15), []])
    schedule = timed_schedule(pop, delays, budget, first)
    late, early = first_stage_sums(pop, schedule)
    # the late bits three at a time (one LUT level), the early ones seven (three levels), and
    # no sum mixes them
    assert schedule[0][0] == [3, 2, 2, 7] and early == [(7, 1, 3)]
    assert max(delays.sum_path(*x) for x in late) <= first
    assert delays.sum_path(*early[0]) <= budget
    # a lone early bit joins the others
    pop = Popcount([range(6)], [0], early=[[6]])
    assert first_stage_sums(pop, timed_schedule(pop, delays, budget, first))[1] == []


def test_a_plan_sums_early_bits_beside_the_last_gate_stage(monkeypatch):
    # at 150 MHz the fixture's last gate stage shares its clock with the first sums; the group
    # bits its input register holds leave its output and are summed within the whole period
    netlist = lgc.optimize(lgc.load(fixture_path("difflogic_digits_cuda_3x1000")))
    delays = FAMILIES["ecp5"].delays
    plan = Plan(netlist, target_mhz=150, delays=delays)
    assert not plan.logic.stages[-1].registered and len(plan.early) > 0
    before, last = plan.logic.boundaries[-2], plan.logic.boundaries[-1]
    assert not np.isin(before[plan.early], last).any()   # not through the last gate stage
    assert sum(map(len, plan.popcount.groups)) == sum(map(len, plan.levels.signals.groups()))
    assert plan.popcount_inputs == len(last) + len(plan.early)
    assert max(plan.stage_paths()["popcount"]) <= delays.budget(150)
    # fewer registers than the best plan without it
    monkeypatch.setattr(core, "_beside", lambda logic: [])
    without = Plan(netlist, target_mhz=150, delays=delays)
    assert without.early is None
    assert plan.registers()["total"] < without.registers()["total"]


def test_reduction_cuts():
    assert reduction_cuts(9, 0) == []
    assert reduction_cuts(9, 3) == [3, 6]
    assert reduction_cuts(10, 3) == [3, 6, 9]
    assert reduction_cuts(0, 2) == []


def test_latency_counts_every_register():
    netlist = binary_tree(6)
    assert Plan(netlist, layers_per_stage=0, adder_levels_per_stage=0).latency == 2
    core = Plan(netlist, layers_per_stage=1, adder_levels_per_stage=1, lut_size=2)
    # input register, 6 gate stages, no popcount/argmax levels (one class of one bit), output
    assert core.latency == 1 + 6 + 1


def test_negative_offsets_make_signed_scores():
    netlist = Netlist.from_layers(2, [([AND, AND], [[0, 1], [1, 0]])], groups=[[0], [1], []],
                                  offset=[-3, 0, 1])
    plan = Plan(netlist)
    assert plan.score_signed and plan.popcount.base == -3
    assert plan.score_width == 3   # -3..1 in two's complement


@pytest.mark.parametrize("options, message", [
    ({"layers_per_stage": -1}, "layers per stage"),
    ({"adder_levels_per_stage": 1.5}, "adder levels"),
    ({"lut_size": 1}, "LUT size"),
    ({"lut_size": 7}, "LUT size"),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(LgcError, match=message):
        Plan(binary_tree(2), **options)


@pytest.mark.parametrize("plan", ["timed at 1 MHz", "no popcount registers", "binary, 9 levels"])
def test_long_sums_are_written_in_parts_yosys_reads(tmp_path, plan):
    # a class of 3,000 bits summed in one stage: YoWASP's yosys must parse it, and the proof's
    # reader must find every bit once in the score
    pop = Popcount([range(3000)], [5])
    schedule = {"timed at 1 MHz": lambda: timed_schedule(pop, FAMILIES["ecp5"].delays, 1e3, 1e3),
                "no popcount registers": lambda: (),
                "binary, 9 levels": lambda: (9,)}[plan]()
    modules = pop.modules(schedule, 3000)
    if plan != "binary, 9 levels":
        assert len(modules) == 1
    for m in modules:
        (tmp_path / f"{m.name}.v").write_text(m.text)
        assert max(line.count("+") for line in m.text.splitlines()) < MAX_SUM_OPERANDS
    yosys.in_folder(tmp_path, "wasm").run("read", [
        *(f"read_verilog {m.name}.v" for m in modules), "hierarchy -check", "proc",
        "flatten", "write_json popcount.json"])
    if len(modules) == 1:
        (netlist,) = json.loads((tmp_path / "popcount.json").read_text())["modules"].values()
        module = rtl_structure.Module(netlist)
        (score,) = rtl_structure.score_sums(module, 1, pop.width, port="o")
        leaves = {bit: c for bit, c in score.terms.items()}
        assert sorted(leaves) == sorted(module.port("i")) and set(leaves.values()) == {1}
        assert score.const == 5


def test_a_wide_gate_is_one_level_where_the_slices_muxes_join_its_luts():
    # DWN LUTs of 4 to 6 inputs: on ECP5 (PFUMX, L6MUX21) every layer is one level, and no gate
    # stage is a stage of copies cut between a LUT6's LUT4s and its muxes; iCE40 chains LUT4s.
    netlist = lgc.optimize(lgc.load(fixture_path("dwn_mixed")))
    layers = max(netlist.depths().values()) - 1   # the GroupSum is the last depth
    ecp5 = Plan(netlist, target_mhz=225, delays=FAMILIES["ecp5"].delays, target_is_ceiling=True)
    assert ecp5.levels.depth == layers
    assert all(sum(len(layer.ids) for layer in stage.gates) for stage in ecp5.logic.stages)
    ice40 = Plan(netlist, target_mhz=100, delays=FAMILIES["ice40"].delays)
    assert ice40.levels.depth > layers


def test_without_the_slices_muxes_a_lut6_is_three_lut4_levels():
    # the LUTs of its cofactors, then a 2:1 mux level per input beyond four (yosys on iCE40)
    netlist = lgc.optimize(lgc.load(fixture_path("dwn_gaussian_global")))
    layers = max(netlist.depths().values()) - 1
    ice40 = Plan(netlist, target_mhz=100, delays=FAMILIES["ice40"].delays)
    assert ice40.levels.widest == 6 and ice40.levels.depth == 3 * layers


def test_the_cuts_skip_barred_boundaries_with_as_few_more_stages_as_they_need():
    crossing = np.array([0, 1, 9, 1, 9, 9, 0])     # depth 6; boundary 0 is the inputs'
    three = stage_starts(np.ones(7), 3)
    assert fewest_bits_cuts(crossing, three) == [3]
    barred = np.zeros(7, dtype=bool)
    barred[3] = True
    assert fewest_bits_cuts(crossing, three, barred=barred) == [1, 4]   # one stage more
    barred[1:6] = True
    assert fewest_bits_cuts(crossing, three, barred=barred) is None
    # by predicted ns: a stage of 2.0 ns holds a 1.5 ns level and one of 0.5 ns
    starts = stage_starts(np.array([0, 1.5, 0.5, 0.5, 1.5, 0.5, 0.5]), 2.0)
    assert list(starts) == [0, 0, 0, 1, 2, 3, 4]
    assert fewest_bits_cuts(crossing, starts) == [2, 4]


def test_no_cut_falls_inside_a_gate_of_several_levels_and_its_levels_inside_cost_a_lut():
    # Without the slices' muxes a LUT6 takes three LUT4 levels; a cut between them would put the
    # whole gate into the later stage. Its further levels read its own LUTs, placed side by side.
    netlist = lgc.optimize(lgc.load(fixture_path("dwn_gaussian_global")))
    for family in ("ice40", "nexus", "gatemate"):
        delays = FAMILIES[family].delays
        for mhz in (FAMILIES[family].target_mhz, 0.9 * FAMILIES[family].target_mhz):
            plan = Plan(netlist, target_mhz=mhz, delays=delays, target_is_ceiling=True)
            inside = inside_gates(plan.levels)
            assert plan.logic.cuts and not any(inside[c] for c in plan.logic.cuts), family
            whole_gate = plan.gate_level + 2 * plan.delays.lut_level
            assert plan.stage_paths()["gates"][0] == pytest.approx(whole_gate)
