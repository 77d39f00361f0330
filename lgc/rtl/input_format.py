"""Numeric input formats: how one raw feature travels into the encoder, and how each threshold
comparison `x > t` becomes one unsigned comparison `key(x) > c` with a constant.

    uW      unsigned integers of W bits (u8, bytes, is the default)
    uW.F    unsigned fixed point: W bits, F of them fraction bits; x = i / 2**F, 0 <= i < 2**W
    sW, sW.F  signed (two's complement) fixed point; -2**(W-1) <= i < 2**(W-1)
    f32     IEEE-754 single precision: the float32 bit pattern

A feature's code is the integer its W bits hold (i, or the float32 pattern). Its key is an
unsigned W-bit number in the values' order: i for unsigned, i + 2**(W-1) for signed (the sign bit
flipped); for f32 the pattern with every bit flipped when negative and the sign bit set when not.
Fixed point: for x = i / 2**F and a float32 threshold t, x > t exactly when i > floor(t * 2**F),
computed exactly (t * 2**F is exact in float64). f32: x > t exactly when key(x) > key(t) for every
non-NaN x, with t = -0 taken as +0 (so that neither zero exceeds the other, as in torch). The
constant c of a comparison is clipped to -1 .. 2**W - 1: -1 is always true, 2**W - 1 never.
Values are exact in float64 (W <= 53), in which the PyTorch reference compares them.
"""

import dataclasses
import re

import numpy as np

from ..errors import LgcError

DEFAULT = "u8"
MAX_FIXED_WIDTH = 53  # every value i / 2**F exact in float64, where the reference compares
KINDS = {"u": "unsigned", "s": "signed", "f": "float"}
_NAME = re.compile(r"^(?P<kind>[us])(?P<width>\d+)(?:\.(?P<fraction>\d+))?$|^f32$")


@dataclasses.dataclass(frozen=True)
class InputFormat:
    name: str
    kind: str             # "unsigned", "signed" or "float"
    width: int            # bits of one feature
    fraction_bits: int    # F (0 for integers and f32)

    @property
    def low(self):
        """The smallest code of a fixed-point format."""
        return -(1 << (self.width - 1)) if self.kind == "signed" else 0

    @property
    def high(self):
        return (1 << (self.width - 1)) - 1 if self.kind == "signed" else (1 << self.width) - 1

    def summary(self):
        """report.json's rtl["encoder"]["input_format"]."""
        return dataclasses.asdict(self)

    def describe(self):
        if self.kind == "float":
            return "IEEE-754 float32 features (no NaN)"
        scale = 2.0 ** -self.fraction_bits
        if not self.fraction_bits:
            return f"{self.kind} integer features of {self.width} bits ({self.low}..{self.high})"
        return (f"{self.kind} fixed-point features of {self.width} bits with {self.fraction_bits} "
                f"fraction bits ({self.low * scale} .. {self.high * scale} in steps of "
                f"2^-{self.fraction_bits})")


def parse(name):
    """The format named `name` (u8, u12, u16.8, s16.8, s8, f32, ...), or LgcError."""
    match = _NAME.match(str(name))
    if match is None:
        raise LgcError(f"unknown input format {name!r}: give uW or uW.F (unsigned), sW or sW.F "
                       "(signed fixed point: W bits, F of them fraction bits) or f32")
    if match["kind"] is None:
        return InputFormat("f32", "float", 32, 0)
    width, fraction = int(match["width"]), int(match["fraction"] or 0)
    if not 1 <= width <= MAX_FIXED_WIDTH:
        raise LgcError(f"input format {name}: the width must be 1..{MAX_FIXED_WIDTH} bits")
    if fraction > 2 * MAX_FIXED_WIDTH:
        raise LgcError(f"input format {name}: at most {2 * MAX_FIXED_WIDTH} fraction bits")
    return InputFormat(name, KINDS[match["kind"]], width, fraction)


def recorded(encoder_section):
    """The format a build's report.json records in rtl["encoder"] (u8 for builds before formats)."""
    return parse((encoder_section.get("input_format") or {}).get("name", DEFAULT))


# --- thresholds --------------------------------------------------------------------------------

def constants(fmt, thresholds):
    """int64 [n]: the constant c of each comparison, x > t exactly when key(x) > c."""
    t = np.asarray(thresholds, dtype=np.float32)
    if not np.isfinite(t).all():
        raise LgcError("encoding thresholds must be finite")
    if fmt.kind == "float":
        return float_keys(np.where(t == 0, np.float32(0), t))
    scaled = np.floor(t.astype(np.float64) * 2.0 ** fmt.fraction_bits)  # exact: a power of two
    return (np.clip(scaled, fmt.low - 1, fmt.high) - fmt.low).astype(np.int64)


def fixed(fmt, constant):
    """bool: comparisons whose bit is the same for every code (c = -1: always 1, c = 2**W - 1:
    always 0)."""
    constant = np.asarray(constant)
    return (constant < 0) | (constant >= (1 << fmt.width) - 1)


def float_keys(values):
    """int64 keys of float32 values (their order as unsigned numbers)."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.int64)
    return np.where(bits >> 31, bits ^ 0xFFFF_FFFF, bits | (1 << 31))


def keys(fmt, codes):
    """int64 keys of codes (the bit patterns of features)."""
    codes = np.asarray(codes, dtype=np.int64)
    if fmt.kind == "float":
        return float_keys(codes.astype(np.uint32).view(np.float32))
    return codes - fmt.low


# --- feature values ----------------------------------------------------------------------------

def feature_matrix(raw, encoding):
    """Raw features as [N, n_features], flattened in torch's order from [N, *shape] or given
    flat; LgcError for any other shape or non-numbers."""
    raw = np.asarray(raw)
    n = int(encoding["n_features"])
    shape = tuple(encoding.get("shape") or (n,))
    if raw.ndim == 1 + len(shape) and raw.shape[1:] == shape:
        raw = raw.reshape(len(raw), n)
    if raw.ndim != 2 or raw.shape[1] != n:
        also = f" or {[None, *shape]}".replace("None", "N") if len(shape) > 1 else ""
        raise LgcError(f"raw features must have shape [N, {n}]{also}, got {list(raw.shape)}")
    if raw.dtype.kind not in "biuf":
        raise LgcError(f"raw features must be numbers, got {raw.dtype}")
    return raw


def to_codes(fmt, raw, quantize=False):
    """(codes int64 [N, F], changed bool [N, F]): the codes of raw features [N, F]. A value the
    format does not hold exactly (out of range, between two steps, not a float32) is refused with
    the first one, or with `quantize` rounded to the nearest (ties to even) and saturated;
    `changed` marks those. NaN is always refused."""
    raw = np.asarray(raw)
    wide = raw.astype(np.float64)
    nan = np.isnan(wide)
    if nan.any():
        i, f = np.argwhere(nan)[0]
        raise LgcError(f"raw[{i}, {f}] is NaN, which no input format holds")
    if fmt.kind == "float":
        with np.errstate(over="ignore"):  # beyond float32's range: infinity, not exact
            single = wide.astype(np.float32)
        exact = single.astype(np.float64) == wide
        codes = single.view(np.uint32).astype(np.int64)
    else:
        scaled = wide * 2.0 ** fmt.fraction_bits  # exact: a power of two
        rounded = np.clip(np.rint(scaled), fmt.low, fmt.high)
        exact = rounded == scaled
        codes = rounded.astype(np.int64)
    if not quantize and not exact.all():
        i, f = np.argwhere(~exact)[0]
        raise LgcError(f"the hardware input encoder takes {fmt.describe()}: raw[{i}, {f}] is "
                       f"{raw[i, f]} (--quantize rounds such values)")
    return codes, ~exact


def values(fmt, codes):
    """float64 [N, F]: the values codes stand for (what the reference compares)."""
    codes = np.asarray(codes, dtype=np.int64)
    if fmt.kind == "float":
        return codes.astype(np.uint32).view(np.float32).astype(np.float64)
    return codes.astype(np.float64) / 2.0 ** fmt.fraction_bits


def port_bits(fmt, codes):
    """uint8 [N, F*W]: the bits of `in_raw` (bit j of feature f at f*W + j, two's complement for
    signed codes)."""
    codes = np.asarray(codes, dtype=np.int64)
    bits = (codes[:, :, None] >> np.arange(fmt.width)) & 1
    return bits.reshape(len(codes), -1).astype(np.uint8)


def random_codes(fmt, rng, n, encoding):
    """n random feature vectors (codes [n, F]) that reach every comparison's both sides: each
    feature's codes are drawn around its comparisons' constants (c - 1 .. c + 1, in key order)
    and, a quarter of them, anywhere in the format."""
    feature = np.asarray(encoding["feature"], dtype=np.int64)
    constant = constants(fmt, encoding["threshold"])
    n_features = int(encoding["n_features"])
    top = (1 << fmt.width) - 1
    key = rng.integers(0, top, (n, n_features), endpoint=True)
    near = rng.random((n, n_features)) < 0.75
    for f in range(n_features):
        mine = constant[feature == f]
        if len(mine):
            chosen = rng.choice(mine, n) + rng.integers(-1, 2, n)
            key[near[:, f], f] = np.clip(chosen, 0, top)[near[:, f]]
    return from_keys(fmt, key)


def from_keys(fmt, key):
    """Codes of keys (the inverse of `keys`); for f32, NaN keys become infinities."""
    key = np.asarray(key, dtype=np.int64)
    if fmt.kind != "float":
        return key + fmt.low
    bits = np.where(key >> 31, key & 0x7FFF_FFFF, key ^ 0xFFFF_FFFF)
    nan = (bits & 0x7F80_0000) == 0x7F80_0000
    return np.where(nan, bits & 0xFF80_0000, bits)  # keep the sign, drop the payload: infinity
