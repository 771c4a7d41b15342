"""The engine: the one processing core both runtimes drive.

A sans-I/O core with two fronts, after psycopg's: the pure processing functions
(``hub.processing``) are chained into stages (:mod:`hub.engine.stages`); a batch of submissions
goes through judge, resolve, delivery planning and verdict feedback in memory in one transaction
(:mod:`hub.engine.fused`); :mod:`hub.engine.steps` runs a step over a log by position (the
embedded front) or over a batch a transport delivered (the Kafka front, ``hub.kafka.worker``);
:mod:`hub.engine.parts` builds what both fronts need and runs their one side loop (projections,
the national sender, the task puller).
"""
