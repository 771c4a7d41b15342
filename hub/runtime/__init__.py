"""Runtimes: the fronts that drive the engine (``hub.engine``) over storage.

- :mod:`hub.runtime.embedded`: the embedded front, the default: one process, SQLite files (or
  PostgreSQL), the engine stepped by position over the log;
- :mod:`hub.runtime.service`: the long-running loop of a hub process (``hub up``, ``hub project``);
- :mod:`hub.runtime.replay`: ``hub replay``, a read model rebuilt from history aside and swapped in;
- :mod:`hub.runtime.distributed`: the distributed front (``hub worker``): faust workers on Kafka
  driving the same engine over PostgreSQL.

Both fronts sit above the engine and the adapters and below the connectors (``docs/layout.md``).
"""
