"""Save and load a Netlist as one .npz file: numpy arrays plus a JSON header, an exact round trip.

No pickle anywhere (arrays load with allow_pickle=False). The header records the format version so
a netlist written by another lgc version is refused with a clear message instead of misread.
"""

import json
import os

import networkx as nx
import numpy as np

from ..errors import LgcError
from .netlist import Netlist

FORMAT = "lgc-netlist"
VERSION = 1


def save(netlist, path):
    """Write the netlist to `path` (atomically: a reader never sees a half-written file)."""
    arrays, nodes = {}, []
    for i, (node, attrs) in enumerate(netlist.graph.nodes(data=True)):
        entry = {"name": node, "op": attrs["op"]}
        if attrs["op"] == "input":
            entry["width"] = int(attrs["width"])
        elif attrs["op"] == "state":
            entry.update(width=int(attrs["width"]), next=attrs["next"])
            arrays[f"n{i}_reset"] = attrs["reset"]
        elif attrs["op"] == "logic":
            arrays[f"n{i}_tt"] = attrs["tt"]
            arrays[f"n{i}_fanin"] = attrs["fanin"]
        else:
            groups = attrs["groups"]
            arrays[f"n{i}_group_index"] = np.concatenate(groups) if groups \
                else np.zeros(0, np.int64)
            arrays[f"n{i}_group_size"] = np.array([len(g) for g in groups], np.int64)
            arrays[f"n{i}_offset"] = attrs["offset"]
            entry["tau"] = float(attrs["tau"])
            entry["beta"] = float(attrs.get("beta", 0.0))
        nodes.append(entry)
    edges = [[u, v, int(s)] for u, v, s in netlist.graph.edges(data="slot")]
    header = {"format": FORMAT, "version": VERSION, "graph": _jsonable(netlist.graph.graph),
              "nodes": nodes, "edges": edges}
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def load(path):
    """Read a netlist written by `save`; LgcError if the file is not one or of another version."""
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]))
            if header.get("format") != FORMAT:
                raise LgcError(f"{path}: not an lgc netlist file")
            if header.get("version") != VERSION:
                raise LgcError(f"{path}: netlist format version {header.get('version')} is not "
                               f"this lgc's ({VERSION}); recompile the model")
            g = nx.DiGraph()
            g.graph.update(header["graph"])
            for i, entry in enumerate(header["nodes"]):
                attrs = {k: v for k, v in entry.items() if k != "name"}
                if entry["op"] == "logic":
                    attrs["tt"] = data[f"n{i}_tt"]
                    attrs["fanin"] = data[f"n{i}_fanin"]
                elif entry["op"] == "state":
                    attrs["reset"] = data[f"n{i}_reset"]
                elif entry["op"] == "groupsum":
                    index, sizes = data[f"n{i}_group_index"], data[f"n{i}_group_size"]
                    attrs["groups"] = np.split(index, np.cumsum(sizes)[:-1])
                    attrs["offset"] = data[f"n{i}_offset"]
                g.add_node(entry["name"], **attrs)
            for u, v, slot in header["edges"]:
                g.add_edge(u, v, slot=slot)
    except LgcError:
        raise
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        raise LgcError(f"{path}: cannot read netlist ({e})") from None
    return Netlist(g).validate()


def _jsonable(value):
    """Graph attributes as JSON (numpy arrays become lists; encodings hold threshold arrays)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
