"""`python -m cisco_esa ...`: the same command line as `cisco-esa`."""

import sys

from cisco_esa.cli import main

sys.exit(main())
