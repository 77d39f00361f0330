"""The byte protocol of the UART board top, shared by the RTL, its cocotb test and `lgc stream`.

One input vector travels as ceil(n_inputs / 8) bytes, byte 0 first; bit j (the LSB is j = 0) of
byte i carries input bit 8*i + j, and the padding bits of the last byte are ignored. A UART sends
the LSB of each byte first, so the input bits cross the wire in index order 0, 1, 2, ...
The board answers each vector with one byte: the predicted class.

A model with an input encoding runs on the board as the encoded top, whose input `in_raw` holds
raw feature f in bits f*W .. f*W+W-1, in the build's input format of W bits (lgc.rtl.input_format);
the same rule then sends the bits of `in_raw`: with the default u8 one byte per raw feature (byte
f of a vector is feature f, an unsigned integer 0..255), with s16.8 two bytes per feature, f32
four (little-endian), in the encoding's feature order (torch's flatten order of one raw input,
e.g. C, H, W for images).

Bytes of one vector must follow each other within `RESYNC_BIT_TIMES` bit times: after a longer
pause the board drops a partial vector, so a host that lost count resynchronizes by pausing.
"""

import numpy as np

from ..errors import LgcError
from ..rtl import input_format

RESYNC_BIT_TIMES = 1024  # ~9 ms at 115200 baud: far above any gap a USB UART leaves in a write


def bytes_per_vector(n_inputs):
    return -(-int(n_inputs) // 8)


def encode_vectors(x):
    """0/1 vectors [N, n_inputs] -> the bytes that carry them, N * bytes_per_vector(n_inputs)."""
    x = np.asarray(x, dtype=np.uint8)
    if x.ndim != 2:
        raise LgcError(f"vectors must have shape [N, n_inputs], got {list(x.shape)}")
    return np.packbits(x, axis=1, bitorder="little").tobytes()


def encode_features(codes, fmt):
    """Raw features as codes of the input format `fmt` (lgc.rtl.input_format.to_codes), int
    [N, n_features] -> the bytes that carry them (the bits of the encoded top's `in_raw`, framed
    as above)."""
    return encode_vectors(input_format.port_bits(fmt, codes))


def decode_classes(data, n_classes):
    """Class bytes received from the board -> int64 array; LgcError on a byte that is no class."""
    classes = np.frombuffer(bytes(data), dtype=np.uint8).astype(np.int64)
    bad = np.flatnonzero(classes >= n_classes)
    if len(bad):
        raise LgcError(f"the board answered {classes[bad[0]]} for vector {bad[0]}, "
                       f"but the model has only {n_classes} classes")
    return classes


def check_classes(n_classes):
    """The class must fit the one answer byte."""
    if not 1 <= n_classes <= 256:
        raise LgcError(f"the UART top sends the class as one byte: {n_classes} classes do not fit")
