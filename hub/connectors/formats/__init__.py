"""The file formats bureaus export, read with bounds: JSON Lines, JSON arrays, CSV, Excel and Avro
containers, as raw records and unreadable lines (no standard, no storage: the bottom edge of
the connectors)."""
