"""``python -m parcelroute`` runs the command line."""

import sys

from parcelroute.cli import main

sys.exit(main())
