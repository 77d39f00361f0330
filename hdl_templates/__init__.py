"""Jinja2 templates of Verilog text for the fast gate-layer writer, shipped as lgc.hdl_templates."""
