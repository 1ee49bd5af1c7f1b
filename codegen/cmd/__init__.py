"""The ``chrono`` commands, one module each: each only parses options and wires library calls."""
