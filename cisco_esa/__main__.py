"""`python -m cisco_esa ...`: the same command line as `cisco-esa`."""

import sys

from cisco_esa.cli import main

if __name__ == "__main__":
    sys.exit(main())
