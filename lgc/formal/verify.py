"""`lgc verify` on a build directory: which RTL and which model, the proof (proof.py), a
counterexample through the PyTorch reference, and report.json's "verify" section.

The model is the build's copy (DIR/model.pt) read with the options it was compiled with (a
state_dict's architecture spec, recorded in the netlist), or another file (`model`): a proof
against the file the user trained, not against lgc's reading of it.
"""

import dataclasses
import logging
import os

import numpy as np

from ..build import BuildDir
from ..errors import LgcError
from ..ir import Netlist
from ..reference import SequenceReference, reference, sequence_reference
from ..tools import yosys
from .proof import Proof, prove
from .recurrent_proof import prove_recurrent
from .stage_proof import prove_stages
from .verdicts import keep_verdict, load_verdict, verdict_key

log = logging.getLogger("lgc")

WORK_DIR = "verify"
# "auto" proves stage by stage from this many gates in the RTL (the whole design below: both
# are sound; the whole-design proof needs no gate stage modules and reads the behavioural spec)
STAGES_FROM = 10_000
METHODS = ("auto", "whole", "stages")


def verify_build(path, model=None, arch=None, parametrization=None, engine=None, method="auto",
                 scheduler=None):
    """Prove the RTL of the build at `path` equivalent to its model; returns (Proof, reference
    output on the counterexample or None). Records the "verify" section of report.json.
    `engine`: the yosys engine (lgc.tools.yosys.choose); `method`: one of METHODS; `scheduler`:
    a Dask scheduler's address whose workers run the stage proof's yosys and ABC runs (they
    must see the build folder at the same path)."""
    build = BuildDir(path).check()
    rtl = build.rtl()
    model = model or build.model_path
    if not os.path.isfile(model):
        raise LgcError(f"{model}: no such model file")
    if arch is None and parametrization is None:
        arch = _recorded_arch(build)
    engine = yosys.choose(engine, "verify")
    if method not in METHODS:
        raise LgcError(f"unknown proof method {method!r} (one of {', '.join(METHODS)})")
    if rtl.get("recurrent"):
        if method != "auto":
            raise LgcError(f"--method {method} does not apply to a recurrent core (its proof is "
                           "sequential, docs/formal.md)")
        return _verify_recurrent(build, rtl, model, engine)
    if method == "auto":
        method = "stages" if rtl.get("gates", 0) >= STAGES_FROM else "whole"
    if scheduler and method != "stages":
        raise LgcError(f"--scheduler hands the parts of the stage proof to a cluster; this build "
                       f"is proven by --method {method} (give --method stages)")
    with build.recording("verify") as section:
        work = build.file(WORK_DIR)
        key = verdict_key(model, arch, parametrization, build.rtl_files(), rtl["top"],
                          rtl["latency"], method, yosys.version(engine))
        kept = load_verdict(work, key)
        if kept is not None:
            proof = Proof(**{f.name: kept[f.name] for f in dataclasses.fields(Proof)
                             if f.name in kept and f.name != "counterexample"})
            proof.reused = True
        else:
            extra = {"scheduler": scheduler} if method == "stages" else {}
            proof = (prove_stages if method == "stages" else prove)(
                build.rtl_files(), model, work, top=rtl["top"], latency=rtl["latency"], arch=arch,
                parametrization=parametrization, engine=engine, **extra)
            keep_verdict(work, key, proof.summary())
        ref = None
        if proof.counterexample is not None:
            bits = proof.counterexample.bits[None]
            ref = reference(model, bits=bits, arch=arch, parametrization=parametrization)
            np.savez(build.file(WORK_DIR, "counterexample.npz"), x=bits)
        section.update(proof.summary(), model=os.path.abspath(model))
        if ref is not None:
            section["counterexample"]["reference_scores"] = ref.counts[0].tolist()
            section["counterexample"]["reference_class"] = int(ref.pred[0])
    return proof, ref


def _verify_recurrent(build, rtl, model, engine):
    """The recurrent core's proof over all input streams (recurrent_proof.py); a counterexample
    is a sequence, run through the PyTorch reference."""
    with build.recording("verify") as section:
        proof = prove_recurrent(build.rtl_files(), model, build.file(WORK_DIR), rtl["top"], rtl,
                                engine=engine)
        ref = None
        if proof.counterexample is not None:
            x = proof.counterexample.bits[None]
            ref = sequence_reference(model, x)
            np.savez(build.file(WORK_DIR, "counterexample.npz"), x=x, lengths=[len(x[0])],
                     **{f"stream_{port}": v for port, v in proof.counterexample.stream.items()})
            # the sequence's last step is the one that differs
            ref = SequenceReference(ref.counts[:, -1], ref.pred[:, -1])
        section.update(proof.summary(), model=os.path.abspath(model))
        if ref is not None:
            section["counterexample"]["reference_scores"] = ref.counts[0].tolist()
            section["counterexample"]["reference_class"] = int(ref.pred[0])
    return proof, ref


def _recorded_arch(build):
    """The architecture spec the build's netlist recorded (state_dicts), or None."""
    if not os.path.isfile(build.netlist_path):
        return None
    return Netlist.load(build.netlist_path).graph.graph.get("source", {}).get("arch")
