"""The intermediate representation: a layered netlist, truth-table helpers and the evaluator."""

from .netlist import Netlist, contiguous_groups

__all__ = ["Netlist", "contiguous_groups"]
