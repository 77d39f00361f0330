"""`lgc verify`: a proof that a build's RTL computes exactly the model file's scores and class for
every input. spec.py writes the specification from the model file (sharing no code with what it
checks), rtl_structure.py reads the RTL's registers and adders, aig.py holds and-inverter graphs,
proof.py runs the argument (docs/formal.md) and verify.py does it for a build directory."""
