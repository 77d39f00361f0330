"""The core on a board: board files (boards.py), the UART board top (board_top.py, uart.py,
framing.py, pll.py), a build for a board (board_build.py: DIR/board/ and `lgc synth`), and
`lgc stream` (stream.py)."""
