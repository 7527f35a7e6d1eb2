"""`python -m rewards_build`: the same as the `rewards` command."""

import sys

from .cli import main

sys.exit(main())
