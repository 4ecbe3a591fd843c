"""`python -m esa_simulator`: serve the simulator until interrupted (`cisco-esa simulator` is the
documented way; both take the same options)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
