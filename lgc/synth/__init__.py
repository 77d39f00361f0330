"""`lgc synth`: yosys and nextpnr on a build (flow.py), the FPGAs lgc knows (devices.py) and the
figures read from the tools' reports (report.py)."""
