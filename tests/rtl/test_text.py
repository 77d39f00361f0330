"""The Verilog text helpers: wide outputs are assigned in slices (test_rtl_sim.py's 2,000-class
core, simulated bit-exact, has outputs of several slices; an off-by-one slice fails it)."""

from lgc.rtl.text import slices


def test_one_bit_entries_fill_slices_of_the_given_size():
    entries = [("i", n) for n in range(2500)]
    assert slices(entries) == [(0, 1023, "i[1023:0]"), (1024, 2047, "i[2047:1024]"),
                               (2048, 2499, "i[2499:2048]")]


def test_wider_entries_close_a_slice_once_it_is_full():
    entries = [f"s{n}" for n in range(5)]
    assert [(lo, hi) for lo, hi, _ in slices(entries, [10] * 5, bits=16)] == [(0, 19), (20, 39),
                                                                              (40, 49)]
    assert slices(entries, [10] * 5, bits=16)[0][2] == "{s1, s0}"


def test_a_narrow_output_is_one_slice():
    assert slices(["a", "b"]) == [(0, 1, "{b, a}")]
