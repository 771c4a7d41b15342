"""Pure processing functions: ``f(event, state view) -> outcome``.

They decide and never write: no I/O, no clock, no logging. The embedded runtime and the faust
workers are thin adapters that read a batch, call these, and hand the outcome to storage. So the
same code judges, resolves and plans deliveries in both runtimes, and every output is
deterministic (event ids derive from causes), which is what makes replays and crash recovery safe.
"""
