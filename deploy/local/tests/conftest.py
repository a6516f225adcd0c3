"""Make ``lms_local`` importable even before ``make venv`` registers deploy/local with a .pth file."""

import sys
from pathlib import Path

_LOCAL = Path(__file__).resolve().parents[1]
if str(_LOCAL) not in sys.path:
    sys.path.insert(0, str(_LOCAL))
