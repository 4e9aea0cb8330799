"""One file per schema revision; add one with `weiquan db revision -m "..."`."""
