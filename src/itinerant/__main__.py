"""``python -m itinerant`` is the ``itinerant`` command."""

from itinerant.cli import main

main()
