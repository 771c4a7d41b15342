"""Runtimes: the fronts that drive the engine (``hub.engine``) over storage.

``embedded``: one process, SQLite files (or PostgreSQL), the default. The distributed front is
``hub.kafka.worker``: faust workers on Kafka driving the same engine over PostgreSQL.
"""
