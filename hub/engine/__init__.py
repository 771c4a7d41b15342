"""The engine: the one processing core both runtimes drive.

A sans-I/O core with two fronts, after psycopg's: the pure processing functions
(``hub.processing``) are chained into stages (:mod:`hub.engine.stages`); a batch of submissions
goes through judge, resolve, delivery planning and verdict feedback in memory in one transaction
(:mod:`hub.engine.fused`); :mod:`hub.engine.steps` runs a step over a log by position (the
embedded front, ``hub.runtime.embedded``) or over a batch a transport delivered (the Kafka
front, ``hub.runtime.distributed``); :mod:`hub.engine.parts` builds what both fronts need and
runs their one side loop (projections, the national sender of :mod:`hub.engine.sender`, the
task puller of :mod:`hub.engine.tasks`); :mod:`hub.engine.lag` tells how far each stage and
read model is behind.

It sees storage only through the ports (``hub.storage.ports``), so it runs on either backend; of
the adapters it uses only the national client and its messages. The fronts above it import it,
never the other way round (``docs/layout.md``).
"""
