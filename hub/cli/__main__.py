"""``python -m hub.cli`` runs the ``hub`` command (used where the console script is not on PATH)."""

from hub.cli import main

main()
