"""The storage ports (:mod:`hub.storage.ports`) and their two backends: SQLite
(:mod:`hub.storage.sqlite`, the embedded default, one file ``log.db``) and PostgreSQL
(:mod:`hub.storage.postgres`, chosen by ``HUB_DATABASE_URL``), whose shared SQL is written once in
:mod:`hub.storage.sql`. :func:`hub.backends.backend_for` picks one from the settings."""
