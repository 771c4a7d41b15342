"""Domain values: what the pure processing functions and the storage ports both speak of, defined
below both so neither imports the other for them (issue 14 moves the rest here)."""
