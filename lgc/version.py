"""lgc's version: recorded in every build's report.json, which a later step checks."""

__version__ = "0.1.0"
