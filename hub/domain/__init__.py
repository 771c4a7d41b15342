"""Domain values: what the pure processing functions and the storage ports both speak of, defined
below both so neither imports the other for them: sources and their coverage rule, registry
entries, ledger rows and the delivery policy (:mod:`hub.domain.values`), subscribers
(:mod:`hub.domain.subscribers`), people's accounts (:mod:`hub.domain.accounts`) and credentials
(:mod:`hub.domain.credentials`)."""
