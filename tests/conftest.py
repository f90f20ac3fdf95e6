"""Shared pytest setup.

Keep this file small: each feature registers its fixtures by importing them here.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.nbs_server import nbs_server  # noqa: E402,F401  (fake NBS API fixture)
