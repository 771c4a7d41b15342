"""``python -m hub``: the ``hub`` command."""

from hub.cli import main

main()
