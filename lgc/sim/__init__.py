"""`lgc simulate`: a build's RTL in Verilator (through cocotb's runner), every score and class of
every vector compared with the PyTorch reference; stimulus.py makes the clock-by-clock traffic and
checks the responses, vectors.py reads vector files."""
