"""`lgc stream`: send vectors to a board running the UART top, compare its classes with PyTorch.

The byte framing is lgc.deploy.framing's, the same code the cocotb test of the UART top drives the
simulated board with: input bits, or for a model with an input encoding its raw features in the
build's input format (one byte each with the default u8).
"""

import logging
import time

import numpy as np

from ..build import BuildDir
from ..errors import LgcError
from ..ir import Netlist
from ..ir.evaluate import check_vectors
from ..reference import of_build
from ..rtl import input_format
from ..sim.simulate import quantization
from .board_build import core_ports
from .framing import RESYNC_BIT_TIMES, decode_classes, encode_features, encode_vectors

log = logging.getLogger("lgc")

CHUNK = 256     # vectors per write: the board answers while the host sends the next chunk


def stream(path, port, vectors, *, baud=None, timeout=2.0, quantize=False):
    """Run `vectors` (an .npz path) through the board at serial `port`; returns the comparison
    with the PyTorch reference as a JSON-ready dict. `quantize`: round raw features the build's
    input format does not hold (refused otherwise), reporting what that changes."""
    build = BuildDir(path).check()
    report = build.report()
    board = (report.get("synthesis") or {}).get("board") or report.get("board")
    if not board:
        raise LgcError(f"{path} was built for no board; run lgc synth {path} --board NAME first")
    core = core_ports(build.rtl())
    frames, ref, rounding = _frames_and_reference(build, core, vectors, quantize)
    baud = baud or board["baud"]
    with build.recording("stream") as result:
        seconds, answers = _exchange(port, baud, timeout, frames, path)
        classes = decode_classes(answers, core.n_classes)
        differ = np.flatnonzero(classes != ref)
        n = len(frames)
        result.update({"board": board["name"], "port": port, "baud": baud, "vectors": n,
                       "input": "raw features" if core.in_port == "in_raw" else "bits",
                       "bytes_per_vector": frames.shape[1], "agree": int(n - len(differ)),
                       "differ": [int(i) for i in differ[:20]], "seconds": round(seconds, 3),
                       "vectors_per_second": round(n / seconds, 1)})
        if rounding is not None:
            result["quantization"] = rounding
    return result, classes, ref


def _exchange(port, baud, timeout, frames, path):
    """Send the frames to the board, chunk by chunk, and read its answers: (seconds, bytes)."""
    import serial

    try:
        link = serial.serial_for_url(port, baudrate=baud, timeout=timeout)
    except (serial.SerialException, ValueError) as e:
        raise LgcError(f"cannot open {port}: {e}") from None
    start = time.perf_counter()
    with link:
        time.sleep(RESYNC_BIT_TIMES * 1.5 / baud)   # the board drops any partial vector
        link.reset_input_buffer()
        answers = bytearray()
        for first in range(0, len(frames), CHUNK):
            chunk = frames[first:first + CHUNK]
            link.timeout = timeout + 10 * chunk.size / baud     # the line time of the chunk too
            link.write(chunk.tobytes())
            got = link.read(len(chunk))
            answers += got
            if len(got) < len(chunk):
                raise LgcError(f"the board on {port} answered {len(answers)} of {len(frames)} "
                               f"vectors within {timeout:g} s of the line time; is the bitstream "
                               f"of {path} loaded and the baud rate {baud}?")
    return time.perf_counter() - start, answers


def _frames_and_reference(build, core, path, quantize):
    """The bytes of each vector, uint8 [N, bytes per vector], PyTorch's classes and what
    quantizing changed (or None), for an .npz holding `x` (input bits) or, for a board whose top
    has the input encoder, `raw` features."""
    from ..sim.vectors import read_vectors

    netlist = Netlist.load(build.netlist_path)
    arrays = read_vectors(path)
    if core.in_port == "in_raw":
        fmt = input_format.recorded(build.rtl()["encoder"])
        if "raw" not in arrays:
            raise LgcError(f"{path}: this board takes the model's raw features ({fmt.describe()}); "
                           "give them as `raw`")
        given = input_format.feature_matrix(arrays["raw"], netlist.graph.graph["encoding"])
        codes, rounded = input_format.to_codes(fmt, given, quantize)
        ref = of_build(build, netlist, raw=input_format.values(fmt, codes))
        data = encode_features(codes, fmt)
        rounding = quantization(of_build(build, netlist, raw=given), ref, rounded) \
            if quantize else None
    else:
        if "x" not in arrays:
            raise LgcError(f"{path}: holds raw features, but the model has no input encoding; "
                           "give 0/1 bits as x")
        x = check_vectors(arrays["x"], core.n_inputs)
        data, ref, rounding = encode_vectors(x), of_build(build, netlist, bits=x), None
    return np.frombuffer(data, dtype=np.uint8).reshape(len(ref.pred), -1), ref.pred, rounding
