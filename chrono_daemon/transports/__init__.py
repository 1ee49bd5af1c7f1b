"""Transports that carry channel edges beyond one process.

Each transport lives in its own submodule and may need an extra; importing this package needs
nothing beyond the core. Available: ``chrono_daemon.transports.zmq`` (extra ``zmq``), whose
endpoints satisfy ``SendStream``/``ReceiveStream`` so daemon code does not change when an edge
moves between processes (SPEC §2.8, docs/transports.md).
"""

__all__ = ()
