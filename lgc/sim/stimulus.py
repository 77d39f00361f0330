"""The clock-by-clock traffic of a simulation: the stimulus lgc_tb reads and the check of the
responses it writes (see tb/lgc_tb.v for the file formats). All numpy, no Python per vector.

The stimulus exercises more than the data path. It opens with `latency + 1` clocks of valid
garbage (they fill the valid chain with ones), then holds `rst` for two clocks with garbage still
marked valid; after that, `out_valid` must be exactly the input's `in_valid` delayed by the
latency, and nothing from before the reset may come out. The vectors then stream at full rate,
with an idle clock of garbage (in_valid low) after about one vector in 16.
"""

import dataclasses

import numpy as np

from ..errors import LgcError

RESET_CLOCKS = 2
BUBBLE_RATE = 1 / 16


@dataclasses.dataclass
class Stimulus:
    rst: np.ndarray       # bool [C]: rst per stimulus line
    valid: np.ndarray     # bool [C]: in_valid per line
    bits: np.ndarray      # uint8 [C, n]: in_bits per line
    line_of: np.ndarray   # int64 [N]: the line that carries vector i
    reset_end: int        # the last line with rst high

    @property
    def clocks(self):
        return len(self.rst)


def stimulus(x, latency, seed=0):
    """Lines for vectors x [N, n]: garbage, reset, the vectors with bubbles, then a flush."""
    rng = np.random.default_rng(seed)
    n_vec, n_bits = x.shape
    pre = latency + 1
    bubbles = rng.random(n_vec) < BUBBLE_RATE            # an idle line after vector i
    after = pre + RESET_CLOCKS
    line_of = (after + np.arange(n_vec)
               + np.concatenate([[0], np.cumsum(bubbles)[:-1]]).astype(np.int64))
    total = after + n_vec + int(bubbles.sum()) + latency + 2
    bits = rng.integers(0, 2, (total, n_bits), dtype=np.uint8)
    bits[line_of] = x
    bits[after + n_vec + int(bubbles.sum()):] = 0
    valid = np.zeros(total, dtype=bool)
    valid[:after] = True
    valid[line_of] = True
    rst = np.zeros(total, dtype=bool)
    rst[pre:after] = True
    return Stimulus(rst, valid, bits, line_of, after - 1)


def write_stimulus(path, stim):
    """One hex line per clock: {rst, in_valid, in_bits}, the most significant digit first."""
    lines = np.concatenate([stim.bits, stim.valid[:, None], stim.rst[:, None]], axis=1)
    with open(path, "wb") as f:
        for lo in range(0, len(lines), 4096):
            f.write(_hex_lines(lines[lo:lo + 4096]))


@dataclasses.dataclass
class Responses:
    valid: np.ndarray     # bool [E]: out_valid before each rising edge
    raw: np.ndarray       # uint8 [E, line length]: the lines, decoded only where needed
    class_digits: int
    score_digits: int


def read_responses(path, class_bits, score_bits):
    class_digits, score_digits = -(-class_bits // 4), -(-score_bits // 4)
    width = 1 + 1 + class_digits + 1 + score_digits + 1
    data = np.fromfile(path, dtype=np.uint8)
    if len(data) % width:
        raise LgcError(f"{path}: responses are not lines of {width} characters; was the build "
                       "made for another core?")
    raw = data.reshape(-1, width)
    return Responses(raw[:, 0] == ord("1"), raw, class_digits, score_digits)


def decode(resp, lines, n_classes, width, signed):
    """Scores int64 [len(lines), k] and classes int64 [len(lines)] of the given response lines."""
    lines = np.asarray(lines, dtype=np.int64)
    scores = np.zeros((len(lines), n_classes), dtype=np.int64)
    classes = np.zeros(len(lines), dtype=np.int64)
    c0 = 2
    s0 = c0 + resp.class_digits + 1
    weights = np.int64(1) << np.arange(width, dtype=np.int64)
    for lo in range(0, len(lines), 1024):
        rows = resp.raw[lines[lo:lo + 1024]]
        classes[lo:lo + 1024] = _bits(rows[:, c0:c0 + resp.class_digits]) @ \
            (np.int64(1) << np.arange(resp.class_digits * 4, dtype=np.int64))
        bits = _bits(rows[:, s0:s0 + resp.score_digits])[:, :n_classes * width]
        values = bits.reshape(len(rows), n_classes, width).astype(np.int64) @ weights
        if signed:
            values -= (values >> (width - 1)) << width
        scores[lo:lo + 1024] = values
    return scores, classes


@dataclasses.dataclass
class Check:
    scores: np.ndarray    # int64 [N, k]: what the RTL gave for each vector
    pred: np.ndarray      # int64 [N]
    valid: np.ndarray     # bool [N]: out_valid was high when vector i's result was due
    match: np.ndarray     # bool [N]: valid, scores and class all as expected
    stray_valid: np.ndarray  # int64: response lines where out_valid was wrong (not a vector's)


def check(stim, resp, latency, expected_scores, expected_pred, width, signed):
    """Compare the responses with the expected results, assuming the given latency."""
    due = stim.line_of + latency + 1                  # response line of vector i's result
    if len(resp.valid) < stim.clocks + 1:
        raise LgcError("the simulation stopped before the end of the stimulus")
    due_ok = due < len(resp.valid)
    scores, pred = decode(resp, np.where(due_ok, due, 0), expected_scores.shape[1], width, signed)
    valid = due_ok & resp.valid[np.minimum(due, len(resp.valid) - 1)]
    match = valid & (scores == expected_scores).all(axis=1) & (pred == expected_pred)

    # out_valid from the first clock after the reset edge on: exactly the delayed in_valid,
    # nothing from before the reset.
    expected_valid = np.zeros(len(resp.valid), dtype=bool)
    expected_valid[due[due_ok]] = True
    first = stim.reset_end - RESET_CLOCKS + 3
    stray = np.flatnonzero(resp.valid[first:] != expected_valid[first:]) + first
    stray = np.setdiff1d(stray, due)                  # those already count as the vector's
    return Check(scores, pred, valid, match, stray)


def _hex_lines(bits):
    """uint8/bool [L, n] (bit 0 first) -> bytes of L hex lines, most significant digit first."""
    n = bits.shape[1]
    digits = -(-n // 4)
    padded = np.zeros((len(bits), digits * 4), dtype=np.uint8)
    padded[:, :n] = bits
    nibbles = padded.reshape(len(bits), digits, 4) @ np.array([1, 2, 4, 8], dtype=np.uint8)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles[:, ::-1]]
    out = np.full((len(bits), digits + 1), ord("\n"), dtype=np.uint8)
    out[:, :digits] = chars
    return out.tobytes()


_NIBBLE = np.zeros(256, dtype=np.uint8)
_NIBBLE[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_NIBBLE[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_NIBBLE[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)


def _bits(hex_chars):
    """uint8 [L, d] hex digits (most significant first) -> uint8 [L, 4d] bits, bit 0 first."""
    nibbles = _NIBBLE[hex_chars[:, ::-1]]
    return ((nibbles[:, :, None] >> np.arange(4, dtype=np.uint8)) & 1).reshape(len(hex_chars), -1)
