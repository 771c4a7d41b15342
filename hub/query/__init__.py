"""The read side for people and tools: questions answered from the read models and the store
(scorecards, dossiers, queues, region statistics), shared by the console, the ``/v1`` query API
and the CLI. Pure readers: they take a view store or a store and return typed values; nothing
here writes."""
