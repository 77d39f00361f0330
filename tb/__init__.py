"""cocotb testbenches, shipped in the wheel as lgc.tb and run through cocotb's Python runner."""
