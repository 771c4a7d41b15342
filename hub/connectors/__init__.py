"""Connectors: how submissions get into the hub. Each turns what a source sends into
``SubmissionReceived`` events (:mod:`~hub.connectors.submissions`, the one place a submission id
is made) and hands them to the submission sink (:mod:`~hub.engine.sink`: the durable log, or
Kafka), which makes them durable before anyone says "received".

- :mod:`~hub.connectors.files`: a file as bureaus export it (``hub ingest``), read by the
  format readers of :mod:`~hub.connectors.formats` under a source's profile
  (:mod:`~hub.connectors.intake`);
- :mod:`~hub.connectors.http`: a batch POSTed to the ingest API (the FastAPI app mounts it);
- :mod:`~hub.connectors.frontdb`: a source's front-end database (前置库), polled;
- :mod:`~hub.connectors.federation`: a lower hub's record history on its Kafka;
- :mod:`~hub.connectors.upstream`: the way back down, a higher hub's feedback (feedback events,
  not submissions: it appends them with its cursor itself).
"""
