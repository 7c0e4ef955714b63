"""``python -m parcelroute`` runs the command line."""

from parcelroute.cli import run

run()
