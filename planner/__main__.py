"""``python -m planner``: the ``tps-planner`` command line."""

import sys

from planner.cli import main

sys.exit(main())
