"""The package layout of docs/design.md: imports run one way, down the flow, and no module name
means two things."""

import ast
import collections
import importlib.resources
import pathlib

import lgc

PACKAGE = pathlib.Path(lgc.__file__).parent
# From the bottom: a part may import only parts of lower rows (and itself). Parts in one row are
# siblings and do not import each other. nn (training layers) imports nothing of lgc.
ORDER = [
    {"errors"}, {"version"}, {"nn"}, {"build"},
    {"tools"}, {"ir"}, {"frontend"}, {"passes"}, {"rtl"}, {"reference"},
    {"sim", "formal", "synth"},
    {"deploy", "export"},
    {"compile", "__init__"},      # __init__: the Python API (lgc.load, lgc.optimize)
    {"sweep"},                    # compile and synthesize over a grid, on Dask
    {"cli"}, {"__main__"},
]
ROW = {part: row for row, parts in enumerate(ORDER) for part in parts}
DATA = {"boards", "tb", "hdl_templates"}


def part_of(module):
    """'lgc.formal.proof' -> 'formal'; 'lgc' -> '__init__'."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "__init__"


def imports(path):
    """(module, every lgc module it imports, at module level or inside functions)."""
    module = "lgc." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "lgc"}
        elif isinstance(node, ast.ImportFrom) and (node.level or node.module.startswith("lgc")):
            names = package.split(".")[:len(package.split(".")) + 1 - node.level] if node.level \
                else []
            target = ".".join(names + ([node.module] if node.module else []))
            # `from lgc import nn` names a part of lgc; `from . import x` in a package, itself
            found |= {f"{target}.{a.name}" if target == "lgc" and a.name in ROW else target
                      for a in node.names}
    return module, found


def sources():
    """lgc's modules (the data packages boards, tb and hdl_templates are not parts of the flow)."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts
                  and p.relative_to(PACKAGE).parts[0] not in DATA)


def violations():
    bad = []
    for path in sources():
        module, targets = imports(path)
        here = part_of(module)
        for target in targets:
            there = part_of(target)
            if there != here and ROW[there] >= ROW[here]:
                bad.append(f"{module} imports {target} ({here} may not import {there})")
    return bad


def test_every_part_has_its_place():
    parts = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
             if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert parts - DATA == set(ROW)


def test_imports_run_down_the_flow():
    assert violations() == []


def test_the_check_finds_an_import_the_wrong_way(tmp_path, monkeypatch):
    # rtl importing the simulator would be an import up the flow
    bad = PACKAGE / "rtl" / "core.py"
    text = bad.read_text()
    monkeypatch.setattr(pathlib.Path, "read_text", lambda self, *a, **k: (
        text + "\nfrom ..sim import simulate\n" if self == bad else _read(self)))
    assert violations() == ["lgc.rtl.core imports lgc.sim (rtl may not import sim)"]


_read = pathlib.Path.read_text


def test_no_module_name_means_two_things():
    names = collections.defaultdict(list)
    testbenches = pathlib.Path(str(importlib.resources.files("lgc.tb")))
    for path in [*sources(), *testbenches.glob("*.py")]:
        if path.name not in ("__init__.py", "__main__.py"):
            names[path.stem].append(path.name if path.parent == testbenches else
                                    str(path.relative_to(PACKAGE)))
    assert {name: where for name, where in names.items() if len(where) > 1} == {}
