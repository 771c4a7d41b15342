"""The hub's web app (FastAPI): the ingest route (mounting the HTTP connector,
:mod:`hub.connectors.http`), sources' feedback, the ``/v1`` query API, sign-in and the console."""
