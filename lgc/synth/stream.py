"""`lgc stream`: send vectors to a board running the UART top, compare its classes with PyTorch.

The byte framing is lgc.rtl.framing's, the same code the cocotb test of the UART top drives the
simulated board with.
"""

import logging
import time

import numpy as np

from ..build import BuildDir
from ..errors import LgcError
from ..rtl.framing import RESYNC_BIT_TIMES, bytes_per_vector, decode_classes, encode_vectors
from .board_top import core_ports

log = logging.getLogger("lgc")

CHUNK = 256     # vectors per write: the board answers while the host sends the next chunk


def stream(path, port, vectors, *, baud=None, timeout=2.0):
    """Run `vectors` (an .npz path) through the board at serial `port`; returns the comparison
    with the PyTorch reference as a JSON-ready dict."""
    import serial

    build = BuildDir(path).check()
    report = build.report()
    board = (report.get("synthesis") or {}).get("board") or report.get("board")
    if not board:
        raise LgcError(f"{path} was built for no board; run lgc synth {path} --board NAME first")
    n_classes = core_ports(report).n_classes
    x, ref = _vectors_and_reference(build, vectors)
    build.drop("stream")  # a run that fails below must not leave the previous result standing
    baud = baud or board["baud"]
    try:
        link = serial.serial_for_url(port, baudrate=baud, timeout=timeout)
    except (serial.SerialException, ValueError) as e:
        raise LgcError(f"cannot open {port}: {e}") from None
    start = time.perf_counter()
    with link:
        time.sleep(RESYNC_BIT_TIMES * 1.5 / baud)   # the board drops any partial vector
        link.reset_input_buffer()
        answers = bytearray()
        for first in range(0, len(x), CHUNK):
            chunk = x[first:first + CHUNK]
            data = encode_vectors(chunk)
            link.timeout = timeout + 10 * len(data) / baud     # the line time of the chunk too
            link.write(data)
            got = link.read(len(chunk))
            answers += got
            if len(got) < len(chunk):
                raise LgcError(f"the board on {port} answered {len(answers)} of {len(x)} vectors "
                               f"within {timeout:g} s of the line time; is the bitstream of {path} loaded and the "
                               f"baud rate {baud}?")
    seconds = time.perf_counter() - start
    classes = decode_classes(answers, n_classes)
    differ = np.flatnonzero(classes != ref)
    result = {"board": board["name"], "port": port, "baud": baud, "vectors": len(x),
              "bytes_per_vector": bytes_per_vector(x.shape[1]), "agree": int(len(x) - len(differ)),
              "differ": [int(i) for i in differ[:20]], "seconds": round(seconds, 3),
              "vectors_per_second": round(len(x) / seconds, 1)}
    build.update_report(stream=result)
    return result, classes, ref


def _vectors_and_reference(build, path):
    """Input bits [N, n_inputs] and PyTorch's classes for an .npz holding `x` or `raw`."""
    from ..ir.evaluate import check_vectors
    from ..sim.simulate import pytorch_reference
    from ..sim.vectors import read_vectors

    netlist = build.load_netlist()
    arrays = read_vectors(path)
    if "x" in arrays:
        x = check_vectors(arrays["x"], netlist.n_inputs)
        return x, pytorch_reference(build, netlist, bits=x).pred
    if "raw" in arrays:
        encoding = netlist.graph.graph.get("encoding")
        if not encoding:
            raise LgcError(f"{path}: holds raw features, but the model has no input encoding; "
                           "give 0/1 bits as x")
        raw = np.asarray(arrays["raw"], dtype=np.float32)
        if raw.ndim != 2 or raw.shape[1] != encoding["n_features"]:
            raise LgcError(f"{path}: raw must have shape [N, {encoding['n_features']}], "
                           f"got {list(raw.shape)}")
        thresholds = np.asarray(encoding["threshold"], dtype=np.float32)
        x = (raw[:, encoding["feature"]] > thresholds).astype(np.uint8)
        return x, pytorch_reference(build, netlist, raw=raw).pred
    raise LgcError(f"{path}: holds neither x (0/1 bits) nor raw (features)")
