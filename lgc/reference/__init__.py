"""The PyTorch reference: every check in lgc compares against the model's own eval-mode forward,
computed here in torch from the raw weights of the file, sharing no code with the frontends."""

from .forward import Reference, forward, load_model, of_build, reference
from .recurrent_forward import SequenceReference, sequence_reference

__all__ = ["Reference", "SequenceReference", "forward", "load_model", "of_build", "reference",
           "sequence_reference"]
