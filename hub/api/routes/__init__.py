"""The API's routers, one module per job; ``hub.api.app.create_app`` mounts them.

- :mod:`.ingest`: ``POST /v1/records/{record_type}``, a source's batch made durable submissions;
- :mod:`.feedback`: ``GET /v1/feedback``, the source's verdicts, acks and rejections;
- :mod:`.session`: ``/v1/session``, people signing in and out (:func:`~.session.install_accounts`);
- :mod:`.health`: ``/healthz`` (``/metrics`` is :func:`hub.metrics.install_metrics`'s).

The ``/v1`` query routers are in :mod:`hub.api.v1`.
"""
