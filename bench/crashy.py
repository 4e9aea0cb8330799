"""`weiquan worker`, except that the process dies (os._exit, as under kill -9) right after a registry
write commits and before its activity can report back, with probability WEIQUAN_CRASH_AFTER_WRITE.
That is the worst moment for exactly-once: the retry finds the write already done.

    python -m bench.crashy worker      # the fault test's worker command
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

from bench.cluster import CRASH_EXIT
from registry.store import Registry
from starters.cli import main

CHANCE = float(os.environ.get("WEIQUAN_CRASH_AFTER_WRITE", "0"))


def crash_after(write: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: Registry, *args: Any, **kwargs: Any) -> Any:
        result = write(self, *args, **kwargs)
        if random.random() < CHANCE:
            os._exit(CRASH_EXIT)
        return result

    return wrapper


for name in ("register_case", "record_change", "queue_notice", "open_work_item"):
    setattr(Registry, name, crash_after(getattr(Registry, name)))

if __name__ == "__main__":
    main()
