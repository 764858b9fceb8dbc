"""`python -m feedvault.cli`: the same as the `feedvault` command."""

import sys

from feedvault.cli import main

sys.exit(main())
