"""The grid: axes as users write them, points, and which points share a compile."""

import pytest

from lgc.errors import LgcError
from lgc.sweep.grid import parse_axis, points


def test_axes_take_lists_and_integer_ranges():
    assert parse_axis("target_mhz=100,150.5") == ("target_mhz", [100.0, 150.5])
    assert parse_axis("seed=1..3,7") == ("seed", [1, 2, 3, 7])
    assert parse_axis("layers-per-stage=0,2") == ("layers_per_stage", [0, 2])


@pytest.mark.parametrize("text, words", [
    ("fmax=1,2", "NAME one of"), ("seed", "expected NAME="), ("seed=", "no values"),
    ("seed=a", "'a' is not a int"), ("seed=4..1", "'4..1'"), ("seed=1,1", "repeats")])
def test_a_bad_axis_is_one_clear_error(text, words):
    with pytest.raises(LgcError, match=words):
        parse_axis(text)


def test_seeds_and_devices_of_one_family_share_a_compile():
    axes = dict([parse_axis("target_mhz=150,250"), parse_axis("seed=1..2")])
    grid = points({"a.pt": "A", "b.pt": "B"}, axes,
                  ["LFE5U-12F", "LFE5U-85F", "iCE40HX1K"])
    assert len(grid) == 2 * 2 * 2 * 3
    assert len({p["id"] for p in grid}) == len(grid)
    keys = {(p["model"], p["target_mhz"], p["family"]) for p in grid}
    assert len({p["compile_key"] for p in grid}) == len(keys) == 8
    ecp5 = [p for p in grid if p["family"] == "ecp5"]
    assert {p["compile_device"] for p in ecp5} == {"LFE5U-85F"}   # the largest: fits all
    assert grid[0]["compile"] == {"target_mhz": 150.0} and grid[0]["seed"] == 1
    # the point's identity follows the model's content, not only its name
    assert points({"a.pt": "changed"}, axes, ["LFE5U-12F"])[0]["id"] != grid[0]["id"]


def test_a_typo_in_a_device_fails_before_any_work():
    with pytest.raises(LgcError, match="LFE5U-13F"):
        points({"a.pt": "A"}, {}, ["LFE5U-13F"])


def test_checks_are_part_of_a_points_identity():
    plain = points({"a.pt": "A"}, {}, ["LFE5U-12F"])
    assert points({"a.pt": "A"}, {}, ["LFE5U-12F"], {}) == plain
    checked = points({"a.pt": "A"}, {}, ["LFE5U-12F"], {"verify": True})
    assert checked[0]["id"] != plain[0]["id"]
    assert checked[0]["compile_key"] != plain[0]["compile_key"]
    other_vectors = points({"a.pt": "A"}, {}, ["LFE5U-12F"], {"simulate": "B"})
    assert len({p[0]["id"] for p in (plain, checked, other_vectors)}) == 3
