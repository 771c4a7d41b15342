"""Runtimes: the adapters that drive the pure processing functions over storage.

``embedded``: one process, SQLite files, the default. The distributed runtime (faust workers on
Kafka, PostgreSQL) drives the same stages in its own issue.
"""
